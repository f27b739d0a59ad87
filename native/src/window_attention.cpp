#include "window_attention.h"

#include "window_attention_kernel.h"


namespace smit {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// The fused kernel is compiled for AVX2 + FMA; other processors take the unfused path.
bool fusable(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& bias,
             const c10::optional<at::Tensor>& mask) {
  static const bool simd = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (!simd) return false;
  auto ok = [](const at::Tensor& t) { return t.device().is_cpu() && t.scalar_type() == at::kFloat; };
  return ok(q) && ok(k) && ok(v) && ok(bias) && (!mask || ok(*mask));
}

struct PermuteRowsFunction : public torch::autograd::Function<PermuteRowsFunction> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x, const at::Tensor& index, const at::Tensor& inverse) {
    ctx->saved_data["inverse"] = inverse;
    return x.index_select(1, index);
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const at::Tensor inverse = ctx->saved_data["inverse"].toTensor();
    return {grads[0].index_select(1, inverse), at::Tensor(), at::Tensor()};
  }
};

}  // namespace

at::Tensor windowAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& bias,
                           const c10::optional<at::Tensor>& mask, double scale) {
  TORCH_CHECK(q.dim() == 4 && k.sizes() == q.sizes() && v.sizes() == q.sizes(),
              "windowAttention: q, k, v must be [windows, heads, n, d] of one shape");
  TORCH_CHECK(bias.dim() == 3 && bias.size(0) == q.size(1) && bias.size(1) == q.size(2) && bias.size(2) == q.size(2),
              "windowAttention: bias must be [heads, n, n]");
  if (mask) {
    TORCH_CHECK(mask->dim() == 3 && mask->size(1) == q.size(2) && mask->size(2) == q.size(2) && q.size(0) % mask->size(0) == 0,
                "windowAttention: mask must be [nW, n, n] with the window count a multiple of nW");
  }
  TORCH_CHECK(q.size(2) <= 512, "windowAttention: at most 512 tokens per window");
  if (!fusable(q, k, v, bias, mask)) {
    auto logits = at::matmul(q * scale, k.transpose(-2, -1)) + bias.unsqueeze(0);
    if (mask) {
      const int64_t nW = mask->size(0);
      logits = (logits.view({q.size(0) / nW, nW, q.size(1), q.size(2), q.size(2)}) + mask->unsqueeze(1).unsqueeze(0))
                   .view({q.size(0), q.size(1), q.size(2), q.size(2)});
    }
    return at::matmul(logits.softmax(-1), v);
  }
  return fusedWindowAttention(q, k, v, bias, mask, scale);
}

at::Tensor permuteRows(const at::Tensor& x, const at::Tensor& index, const at::Tensor& inverse) {
  TORCH_CHECK(x.dim() >= 2, "permuteRows: x must be [B, L, ...]");
  TORCH_CHECK(index.dim() == 1 && inverse.sizes() == index.sizes() && index.size(0) == x.size(1),
              "permuteRows: index and inverse must be permutations of the ", x.size(1), " rows");
  return PermuteRowsFunction::apply(x, index, inverse);
}

}  // namespace smit
