// A row permutation with a gather for a gradient.
#pragma once
#include <torch/torch.h>

namespace smit {

// Relocates rows: out[:, i] = x[:, index[i]]. Its gradient is the same
// relocation with the inverse permutation — an index_select, where libtorch's
// own index_select backward would scatter-add.
at::Tensor permuteRows(const at::Tensor& x, const at::Tensor& index, const at::Tensor& inverse);

}  // namespace smit
