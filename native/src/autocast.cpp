#include "autocast.h"

#include "args.h"

namespace smit::autocast {

namespace {

// The low-precision dtype of the innermost active scope; Undefined: none.
thread_local at::ScalarType low = at::ScalarType::Undefined;

bool active() { return low != at::ScalarType::Undefined; }

// Python-scalar operands (wrapped numbers) keep their dtype: they promote as scalars.
bool castable(const at::Tensor& t) {
  return active() && t.defined() && t.is_floating_point() && !t.unsafeGetTensorImpl()->is_wrapped_number();
}

}  // namespace

at::Tensor lower(const at::Tensor& t) {
  if (!castable(t) || t.scalar_type() == low) return t;
  return t.to(low);
}

c10::optional<at::Tensor> lower(const c10::optional<at::Tensor>& t) {
  if (!t) return t;
  return lower(*t);
}

at::Tensor full(const at::Tensor& t) {
  if (!castable(t) || t.scalar_type() == at::kFloat || t.scalar_type() == at::kDouble) return t;
  return t.to(at::kFloat);
}

c10::optional<at::Tensor> full(const c10::optional<at::Tensor>& t) {
  if (!t) return t;
  return full(*t);
}

}  // namespace smit::autocast

namespace smit {

namespace {

// A scope's dtype as JavaScript sees it: its name, or null for none.
Napi::Value scopeValue(Napi::Env env, at::ScalarType type) {
  if (type == at::ScalarType::Undefined) return env.Null();
  return Napi::String::New(env, dtypeName(type));
}

// setAutocast(dtype | null): sets the scope's dtype and returns the previous one (null: none).
Napi::Value setAutocast(const Napi::CallbackInfo& info) {
  return guarded(info, "autocast", [&]() -> Napi::Value {
    Args args(info, "autocast");
    const auto next = args.optDtype(0, "dtype");
    if (next && *next != at::kBFloat16 && *next != at::kHalf) {
      throw ArgError(std::string("autocast computes in bfloat16 or float16, not ") + dtypeName(*next));
    }
    const at::ScalarType previous = autocast::low;
    autocast::low = next.value_or(at::ScalarType::Undefined);
    return scopeValue(info.Env(), previous);
  });
}

Napi::Value autocastDtype(const Napi::CallbackInfo& info) { return scopeValue(info.Env(), autocast::low); }

}  // namespace

void registerAutocast(Napi::Env env, Napi::Object exports) {
  exports.Set("setAutocast", Napi::Function::New(env, setAutocast, "setAutocast"));
  exports.Set("autocastDtype", Napi::Function::New(env, autocastDtype, "autocastDtype"));
}

}  // namespace smit
