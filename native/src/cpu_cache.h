// A caching allocator for large CPU tensors, installed in place of libtorch's
// default CPU allocator when the addon loads (SMIT_CPU_CACHE=off keeps the default).
#pragma once

#include <napi.h>

namespace smit {

void installCpuCache();
void registerCpuCache(Napi::Env env, Napi::Object exports);

}  // namespace smit
