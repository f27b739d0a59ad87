// Large CPU blocks are kept for reuse instead of being handed back to the
// kernel. A fresh anonymous mapping costs a page fault and a zeroed page per
// 4 KiB on first touch, and training steps and sliding windows ask for large
// blocks over and over. Measured on this 2-core machine with the published
// segmenter: a fine-tuning step on 2 × 96³ crops 52.4 s with libtorch's default
// allocator, 28.0 s with this cache; a forward on one 96³ crop 6.3–6.8 s and
// 5.0–5.2 s (13.8 s of kernel time against 25.9 s of user time over three
// forwards before).
//
// Freed blocks become free page ranges, joined with free neighbours; a request
// takes the best-fitting range and leaves the rest of it free, so the pages
// already faulted in serve requests of any size.
//
// Memory bound: mapped bytes (live + free) exceed the peak of live bytes by at
// most min(1/8 of it, 64 MiB). Before it maps a new range, the cache unmaps free
// ones until the new one fits under that bound, so peak RSS stays at most that
// far above what the live tensors alone need.
#include "cpu_cache.h"

#include <c10/core/CPUAllocator.h>
#include <sys/mman.h>
#include <torch/version.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include <unordered_map>

// libtorch 2.3 made Allocator::allocate non-const and added copy_data.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 3)
#define SMIT_ALLOCATOR_2_3 1
#endif

namespace smit {

namespace {

// Below this, glibc's heap already reuses freed memory without the kernel.
constexpr size_t kMinCached = size_t(1) << 16;
constexpr size_t kPage = 4096;
// How far mapped bytes may exceed the live peak (before the 1/8 cap): enough for the
// free ranges a training step reuses, negligible against a large network's peak.
constexpr size_t kHeadroom = size_t(64) << 20;

class CpuCache final : public c10::Allocator {
 public:
  explicit CpuCache(c10::Allocator* fallback) : fallback_(fallback), fallbackDeleter_(fallback->raw_deleter()) {}

#ifdef SMIT_ALLOCATOR_2_3
  c10::DataPtr allocate(size_t n) override { return allocateBlock(n); }
  void copy_data(void* dest, const void* src, std::size_t count) const override { default_copy_data(dest, src, count); }
#else
  c10::DataPtr allocate(size_t n) const override { return const_cast<CpuCache*>(this)->allocateBlock(n); }
#endif
  // raw_allocate/raw_deallocate (used by some kernels for scratch space) need a
  // deleter that frees from the data pointer alone: the context is the data pointer.
  c10::DeleterFnPtr raw_deleter() const override { return &CpuCache::release; }

  struct Stats {
    size_t mapped, cached, peakLive, hits, misses;
  };

  Stats stats() {
    std::lock_guard<std::mutex> lock(mutex_);
    return {mapped_, cached_, peakLive_, hits_, misses_};
  }

  void empty() {
    std::lock_guard<std::mutex> lock(mutex_);
    while (cached_ > 0) evictLargest();
  }

 private:
  c10::DataPtr allocateBlock(size_t n) {
    if (n < kMinCached) return fallback_->allocate(n);
    TORCH_CHECK(n <= SIZE_MAX - kPage, "CPU allocator: cannot allocate ", n, " bytes");
    void* data = take((n + kPage - 1) / kPage * kPage);
    return {data, data, &CpuCache::release, c10::Device(c10::DeviceType::CPU)};
  }

  static void release(void* data);

  // Best fit among the free ranges, split when larger; else a fresh mapping.
  void* take(size_t size) {
    std::lock_guard<std::mutex> lock(mutex_);
    peakLive_ = std::max(peakLive_, mapped_ - cached_ + size);  // live bytes once this request is served
    char* data = nullptr;
    auto fit = bySize_.lower_bound({size, nullptr});
    if (fit != bySize_.end()) {
      const auto [rangeSize, start] = *fit;
      removeFree(start, rangeSize);
      if (rangeSize > size) insertFree(start + size, rangeSize - size);
      data = start;
      cached_ -= size;
      ++hits_;
    } else {
      ++misses_;
      while (cached_ > 0 && mapped_ + size > peakLive_ + std::min(peakLive_ / 8, kHeadroom)) evictLargest();
      data = map(size);
      if (data == nullptr) {
        while (cached_ > 0) evictLargest();
        data = map(size);
      }
      TORCH_CHECK(data != nullptr, "CPU allocator: out of memory allocating ", size >> 20, " MiB (", std::strerror(errno), ")");
      mapped_ += size;
    }
    live_[data] = size;
    return data;
  }

  // Back into the free ranges if it is ours (joined with free neighbours), else
  // to the allocator that made it.
  void put(void* pointer) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto found = live_.find(pointer);
      if (found != live_.end()) {
        char* start = static_cast<char*>(pointer);
        size_t size = found->second;
        live_.erase(found);
        cached_ += size;
        auto next = byAddress_.lower_bound(start);
        if (next != byAddress_.end() && next->first == start + size) {
          size += next->second;
          next = removeFree(next->first, next->second);
        }
        if (next != byAddress_.begin()) {
          auto previous = std::prev(next);
          if (previous->first + previous->second == start) {
            start = previous->first;
            size += previous->second;
            removeFree(previous->first, previous->second);
          }
        }
        insertFree(start, size);
        return;
      }
    }
    fallbackDeleter_(pointer);
  }

  static char* map(size_t size) {
    void* data = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return data == MAP_FAILED ? nullptr : static_cast<char*>(data);
  }

  void insertFree(char* start, size_t size) {
    byAddress_.emplace(start, size);
    bySize_.emplace(size, start);
  }

  // Returns the range after the removed one in address order.
  std::map<char*, size_t>::iterator removeFree(char* start, size_t size) {
    bySize_.erase({size, start});
    return byAddress_.erase(byAddress_.find(start));
  }

  // Caller holds mutex_ and cached_ > 0. A joined range may span several
  // mappings: munmap releases whatever pages the range covers.
  void evictLargest() {
    const auto [size, start] = *std::prev(bySize_.end());
    removeFree(start, size);
    munmap(start, size);
    cached_ -= size;
    mapped_ -= size;
  }

  c10::Allocator* fallback_;
  c10::DeleterFnPtr fallbackDeleter_;
  std::mutex mutex_;
  // Free page ranges, indexed both ways: by size for best fit, by address to join neighbours.
  std::set<std::pair<size_t, char*>> bySize_;
  std::map<char*, size_t> byAddress_;
  std::unordered_map<void*, size_t> live_;  // ranges handed out, with their size
  size_t mapped_ = 0;                       // live + cached
  size_t cached_ = 0;
  size_t peakLive_ = 0;                     // the most bytes ever handed out at once
  size_t hits_ = 0;
  size_t misses_ = 0;
};

// Never destroyed: tensors may be freed while the process exits.
CpuCache* theCache = nullptr;

void CpuCache::release(void* data) { theCache->put(data); }

Napi::Value cpuCacheStats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  out.Set("enabled", theCache != nullptr);
  const auto s = theCache ? theCache->stats() : CpuCache::Stats{0, 0, 0, 0, 0};
  out.Set("mappedBytes", static_cast<double>(s.mapped));
  out.Set("cachedBytes", static_cast<double>(s.cached));
  out.Set("peakLiveBytes", static_cast<double>(s.peakLive));
  out.Set("hits", static_cast<double>(s.hits));
  out.Set("misses", static_cast<double>(s.misses));
  return out;
}

Napi::Value emptyCpuCache(const Napi::CallbackInfo& info) {
  if (theCache) theCache->empty();
  return info.Env().Undefined();
}

}  // namespace

void installCpuCache() {
  static std::once_flag once;  // the main thread and each worker load the addon
  std::call_once(once, [] {
    const char* setting = std::getenv("SMIT_CPU_CACHE");
    if (setting && (std::strcmp(setting, "off") == 0 || std::strcmp(setting, "0") == 0)) return;
    theCache = new CpuCache(c10::GetCPUAllocator());
    c10::SetCPUAllocator(theCache, /*priority=*/1);
  });
}

void registerCpuCache(Napi::Env env, Napi::Object exports) {
  exports.Set("cpuCacheStats", Napi::Function::New(env, cpuCacheStats, "cpuCacheStats"));
  exports.Set("emptyCpuCache", Napi::Function::New(env, emptyCpuCache, "emptyCpuCache"));
}

}  // namespace smit
