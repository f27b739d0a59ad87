// Mixed precision: the precision policy of ops.decl, applied to an op's tensor
// arguments while a low-precision scope is active (T.autocast in TypeScript).
// `lower` ops (matrix products) take their floating inputs in the scope's dtype;
// `full` ops (convolutions, norms, softmax, losses, reductions) take them in
// float32. Everything else computes in the dtype its inputs have, with
// PyTorch's type promotion joining mixed operands. The scope is per thread,
// as the ops run on the JavaScript thread.
#pragma once

#include <napi.h>
#include <torch/torch.h>

namespace smit::autocast {

at::Tensor lower(const at::Tensor& t);
c10::optional<at::Tensor> lower(const c10::optional<at::Tensor>& t);
at::Tensor full(const at::Tensor& t);
c10::optional<at::Tensor> full(const c10::optional<at::Tensor>& t);

}  // namespace smit::autocast

namespace smit {
void registerAutocast(Napi::Env env, Napi::Object exports);
}
