// Fused window attention for 3-D Swin blocks (CPU, float32).
//
//   out = softmax(scale · q kᵀ + bias[h] + mask[w mod nW]) v
//
// per window w and head h, computed one (window, head) tile at a time so the
// n×n logits live in cache instead of [windows, heads, n, n] tensors in
// memory. The forward keeps only each row's log-sum-exp; the backward
// recomputes the probabilities from it (as flash attention does). Tensors on
// other devices or of other dtypes take the unfused libtorch path.
#pragma once
#include <torch/torch.h>

namespace smit {

// q, k, v: [W, h, n, d]; bias: [h, n, n] (trainable); mask: [nW, n, n] with
// W a multiple of nW, or undefined. Returns [W, h, n, d].
at::Tensor windowAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& bias,
                           const c10::optional<at::Tensor>& mask, double scale);

// Relocates rows: out[:, i] = x[:, index[i]], whose gradient is the same
// relocation with the inverse permutation (an index_select, not a scatter).
at::Tensor permuteRows(const at::Tensor& x, const at::Tensor& index, const at::Tensor& inverse);

}  // namespace smit
