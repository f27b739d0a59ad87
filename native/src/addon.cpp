#include <napi.h>

#include "core.h"

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  smit::registerCore(env, exports);
  smit::registerOps(env, exports);
  return exports;
}

NODE_API_MODULE(smit_native, Init)
