#pragma once
#include <napi.h>

namespace smit {
void registerCore(Napi::Env env, Napi::Object exports);
// Defined in the generated ops.cpp.
void registerOps(Napi::Env env, Napi::Object exports);
}  // namespace smit
