// Handles from JavaScript to libtorch tensors.
//
// JavaScript holds a tensor as a number: slot index + generation · 2^24. The
// generation makes a handle stale once its slot is freed and reused, so a late
// finaliser or a use after dispose is detected instead of touching another tensor.
#pragma once
#include <napi.h>
#include <torch/torch.h>
#include <vector>

namespace smit {

class Registry {
 public:
  double put(Napi::Env env, at::Tensor tensor);
  at::Tensor& get(double handle, const char* what);
  // Frees the slot; a stale or already freed handle is ignored.
  void release(Napi::Env env, double handle);
  int64_t live() const { return live_; }
  int64_t reportedBytes() const { return reported_bytes_; }

 private:
  struct Slot {
    at::Tensor tensor;
    int64_t bytes = 0;
    uint32_t generation = 0;
    bool used = false;
  };
  Slot* find(double handle);
  std::vector<Slot> slots_;
  std::vector<uint32_t> free_;
  int64_t live_ = 0;
  int64_t reported_bytes_ = 0;
};

// One registry per JavaScript thread (main thread and each worker).
Registry& registry();

}  // namespace smit
