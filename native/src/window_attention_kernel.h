#pragma once
#include <torch/torch.h>

namespace smit {

// The fused window attention (see window_attention.h); float32 CPU tensors, AVX2 + FMA only.
at::Tensor fusedWindowAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& bias,
                                const c10::optional<at::Tensor>& mask, double scale);

}  // namespace smit
