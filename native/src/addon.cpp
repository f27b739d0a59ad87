#include <napi.h>

#include "autocast.h"
#include "core.h"
#include "cpu_cache.h"

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  smit::installCpuCache();
  smit::registerCore(env, exports);
  smit::registerCpuCache(env, exports);
  smit::registerAutocast(env, exports);
  smit::registerOps(env, exports);
  return exports;
}

NODE_API_MODULE(smit_native, Init)
