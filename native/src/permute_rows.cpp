#include "permute_rows.h"

namespace smit {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

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

at::Tensor permuteRows(const at::Tensor& x, const at::Tensor& index, const at::Tensor& inverse) {
  TORCH_CHECK(x.dim() >= 2, "permuteRows: x must be [B, L, ...]");
  TORCH_CHECK(index.dim() == 1 && inverse.sizes() == index.sizes() && index.size(0) == x.size(1),
              "permuteRows: index and inverse must be permutations of the ", x.size(1), " rows");
  return PermuteRowsFunction::apply(x, index, inverse);
}

}  // namespace smit
