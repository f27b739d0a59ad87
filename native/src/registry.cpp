#include "registry.h"

#include <cmath>

namespace smit {

namespace {
constexpr double kSlotRange = 16777216.0;  // 2^24 slots
}

Registry& registry() {
  thread_local Registry instance;
  return instance;
}

double Registry::put(Napi::Env env, at::Tensor tensor) {
  uint32_t index;
  if (!free_.empty()) {
    index = free_.back();
    free_.pop_back();
  } else {
    if (slots_.size() >= static_cast<size_t>(kSlotRange)) {
      throw Napi::Error::New(env, "too many live tensors (2^24): dispose tensors or use tidy()");
    }
    index = static_cast<uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  Slot& slot = slots_[index];
  // A storage first referenced here is new memory: tell V8 about it so its GC
  // feels the pressure. Views share their base's storage and report nothing.
  int64_t bytes = 0;
  if (tensor.defined() && tensor.has_storage() && tensor.device().is_cpu()) {
    const auto& storage = tensor.storage();
    if (storage.use_count() == 1) bytes = static_cast<int64_t>(storage.nbytes());
  }
  slot.tensor = std::move(tensor);
  slot.bytes = bytes;
  slot.used = true;
  ++live_;
  if (bytes > 0) {
    reported_bytes_ += bytes;
    Napi::MemoryManagement::AdjustExternalMemory(env, bytes);
  }
  return static_cast<double>(index) + static_cast<double>(slot.generation) * kSlotRange;
}

Registry::Slot* Registry::find(double handle) {
  if (!(handle >= 0) || handle != std::floor(handle)) return nullptr;
  const double generation = std::floor(handle / kSlotRange);
  const size_t index = static_cast<size_t>(handle - generation * kSlotRange);
  if (index >= slots_.size()) return nullptr;
  Slot& slot = slots_[index];
  if (!slot.used || static_cast<double>(slot.generation) != generation) return nullptr;
  return &slot;
}

at::Tensor& Registry::get(double handle, const char* what) {
  Slot* slot = find(handle);
  if (slot == nullptr) {
    throw std::invalid_argument(std::string(what) + ": tensor was disposed (or is not a tensor handle)");
  }
  return slot->tensor;
}

void Registry::release(Napi::Env env, double handle) {
  Slot* slot = find(handle);
  if (slot == nullptr) return;
  slot->tensor = at::Tensor();
  slot->used = false;
  slot->generation = (slot->generation + 1) % (1u << 28);
  --live_;
  if (slot->bytes > 0) {
    reported_bytes_ -= slot->bytes;
    Napi::MemoryManagement::AdjustExternalMemory(env, -slot->bytes);
    slot->bytes = 0;
  }
  free_.push_back(static_cast<uint32_t>(slot - slots_.data()));
}

}  // namespace smit
