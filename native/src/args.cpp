#include "args.h"

#include <ATen/ScalarOps.h>

#include <cmath>
#include <unordered_map>

namespace smit {

namespace {

const std::unordered_map<std::string, at::ScalarType>& dtypeTable() {
  static const std::unordered_map<std::string, at::ScalarType> table = {
      {"float32", at::kFloat}, {"float64", at::kDouble}, {"float16", at::kHalf},
      {"bfloat16", at::kBFloat16}, {"int64", at::kLong}, {"int32", at::kInt},
      {"int16", at::kShort}, {"int8", at::kChar}, {"uint8", at::kByte}, {"bool", at::kBool},
  };
  return table;
}

bool isInteger(double v) { return std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 9.007199254740992e15; }

// A JS boolean or number as a Scalar: integral numbers as int64 (so they do not
// promote integer tensors), others as double. Empty when v is neither.
c10::optional<at::Scalar> scalarOf(const Napi::Value& v) {
  if (v.IsBoolean()) return at::Scalar(v.As<Napi::Boolean>().Value());
  if (!v.IsNumber()) return c10::nullopt;
  const double d = v.As<Napi::Number>().DoubleValue();
  return isInteger(d) ? at::Scalar(static_cast<int64_t>(d)) : at::Scalar(d);
}

}  // namespace

at::ScalarType parseDtype(const std::string& name) {
  const auto& table = dtypeTable();
  auto it = table.find(name);
  if (it == table.end()) throw ArgError("unknown dtype '" + name + "'");
  return it->second;
}

const char* dtypeName(at::ScalarType type) {
  for (const auto& [name, t] : dtypeTable()) {
    if (t == type) return name.c_str();
  }
  return "unsupported";
}

at::Device parseDevice(const std::string& name) {
  try {
    return at::Device(name);
  } catch (const c10::Error&) {
    throw ArgError("unknown device '" + name + "' (expected 'cpu', 'cuda' or 'cuda:N')");
  }
}

bool Args::absent(size_t i) const {
  if (i >= info_.Length()) return true;
  const Napi::Value v = info_[i];
  return v.IsUndefined() || v.IsNull();
}

void Args::fail(size_t i, const char* name, const char* expected) const {
  throw ArgError(std::string("argument '") + name + "' must be " + expected);
}

at::Tensor& Args::tensor(size_t i, const char* name) const {
  if (i >= info_.Length() || !info_[i].IsNumber()) fail(i, name, "a Tensor");
  return registry().get(info_[i].As<Napi::Number>().DoubleValue(), name);
}

c10::optional<at::Tensor> Args::optTensor(size_t i, const char* name) const {
  if (absent(i)) return c10::nullopt;
  return tensor(i, name);
}

std::vector<at::Tensor> Args::tensorList(size_t i, const char* name) const {
  if (i >= info_.Length() || !info_[i].IsArray()) fail(i, name, "an array of Tensors");
  Napi::Array array = info_[i].As<Napi::Array>();
  std::vector<at::Tensor> out;
  out.reserve(array.Length());
  for (uint32_t k = 0; k < array.Length(); ++k) {
    Napi::Value v = array.Get(k);
    if (!v.IsNumber()) fail(i, name, "an array of Tensors");
    out.push_back(registry().get(v.As<Napi::Number>().DoubleValue(), name));
  }
  return out;
}

at::Tensor Args::tensorOrScalar(size_t i, const char* name) const {
  // Tensor handles and numbers are both JS numbers, so the TypeScript layer
  // sends a number operand boxed in a one-element array.
  if (i < info_.Length() && info_[i].IsArray()) {
    Napi::Array box = info_[i].As<Napi::Array>();
    const auto value = box.Length() == 1 ? scalarOf(box.Get(0u)) : c10::nullopt;
    if (!value) fail(i, name, "a Tensor or a number");
    return at::native::wrapped_scalar_tensor(*value);
  }
  return tensor(i, name);
}

at::Scalar Args::scalar(size_t i, const char* name) const {
  const auto value = i < info_.Length() ? scalarOf(info_[i]) : c10::nullopt;
  if (!value) fail(i, name, "a number");
  return *value;
}

c10::optional<at::Scalar> Args::optScalar(size_t i, const char* name) const {
  if (absent(i)) return c10::nullopt;
  return scalar(i, name);
}

int64_t Args::integer(size_t i, const char* name) const {
  if (i >= info_.Length() || !info_[i].IsNumber()) fail(i, name, "an integer");
  const double v = info_[i].As<Napi::Number>().DoubleValue();
  if (!isInteger(v)) fail(i, name, "an integer");
  return static_cast<int64_t>(v);
}

c10::optional<int64_t> Args::optInteger(size_t i, const char* name) const {
  if (absent(i)) return c10::nullopt;
  return integer(i, name);
}

std::vector<int64_t> Args::intList(size_t i, const char* name, size_t fixed) const {
  if (i < info_.Length() && info_[i].IsNumber() && fixed > 0) {
    return std::vector<int64_t>(fixed, integer(i, name));
  }
  if (i >= info_.Length() || !info_[i].IsArray()) fail(i, name, "an array of integers");
  Napi::Array array = info_[i].As<Napi::Array>();
  std::vector<int64_t> out;
  out.reserve(array.Length());
  for (uint32_t k = 0; k < array.Length(); ++k) {
    Napi::Value v = array.Get(k);
    if (!v.IsNumber()) fail(i, name, "an array of integers");
    const double d = v.As<Napi::Number>().DoubleValue();
    if (!isInteger(d)) fail(i, name, "an array of integers");
    out.push_back(static_cast<int64_t>(d));
  }
  if (fixed > 0 && out.size() != fixed) {
    throw ArgError(std::string("argument '") + name + "' must have " + std::to_string(fixed) + " entries");
  }
  return out;
}

OptIntList Args::optIntList(size_t i, const char* name) const {
  if (absent(i)) return {};
  if (info_[i].IsNumber()) return {std::vector<int64_t>{integer(i, name)}};
  return {intList(i, name)};
}

double Args::number(size_t i, const char* name) const {
  if (i >= info_.Length() || !info_[i].IsNumber()) fail(i, name, "a number");
  return info_[i].As<Napi::Number>().DoubleValue();
}

c10::optional<double> Args::optNumber(size_t i, const char* name) const {
  if (absent(i)) return c10::nullopt;
  return number(i, name);
}

OptFloatList Args::optFloatList(size_t i, const char* name) const {
  if (absent(i)) return {};
  if (!info_[i].IsArray()) fail(i, name, "an array of numbers");
  Napi::Array array = info_[i].As<Napi::Array>();
  std::vector<double> out;
  for (uint32_t k = 0; k < array.Length(); ++k) {
    Napi::Value v = array.Get(k);
    if (!v.IsNumber()) fail(i, name, "an array of numbers");
    out.push_back(v.As<Napi::Number>().DoubleValue());
  }
  return {out};
}

bool Args::boolean(size_t i, const char* name) const {
  if (i >= info_.Length() || !info_[i].IsBoolean()) fail(i, name, "a boolean");
  return info_[i].As<Napi::Boolean>().Value();
}

std::string Args::string(size_t i, const char* name) const {
  if (i >= info_.Length() || !info_[i].IsString()) fail(i, name, "a string");
  return info_[i].As<Napi::String>().Utf8Value();
}

c10::optional<std::string> Args::optString(size_t i, const char* name) const {
  if (absent(i)) return c10::nullopt;
  return string(i, name);
}

c10::optional<at::Device> Args::optDevice(size_t i, const char* name) const {
  if (absent(i)) return c10::nullopt;
  return device(i, name);
}

at::ScalarType Args::dtype(size_t i, const char* name) const { return parseDtype(string(i, name)); }

c10::optional<at::ScalarType> Args::optDtype(size_t i, const char* name) const {
  if (absent(i)) return c10::nullopt;
  return dtype(i, name);
}

at::Device Args::device(size_t i, const char* name) const { return parseDevice(string(i, name)); }

Napi::Value wrap(Napi::Env env, at::Tensor tensor) {
  return Napi::Number::New(env, registry().put(env, std::move(tensor)));
}

Napi::Value wrap(Napi::Env env, const std::vector<at::Tensor>& tensors) {
  Napi::Array out = Napi::Array::New(env, tensors.size());
  for (size_t k = 0; k < tensors.size(); ++k) out.Set(static_cast<uint32_t>(k), wrap(env, tensors[k]));
  return out;
}

Napi::Value wrap(Napi::Env env, std::tuple<at::Tensor, at::Tensor> tensors) {
  return wrap(env, std::vector<at::Tensor>{std::get<0>(tensors), std::get<1>(tensors)});
}

Napi::Value wrap(Napi::Env env, std::tuple<at::Tensor, at::Tensor, at::Tensor> tensors) {
  return wrap(env, std::vector<at::Tensor>{std::get<0>(tensors), std::get<1>(tensors), std::get<2>(tensors)});
}

Napi::Value wrap(Napi::Env env, double value) { return Napi::Number::New(env, value); }
Napi::Value wrap(Napi::Env env, int64_t value) { return Napi::Number::New(env, static_cast<double>(value)); }
Napi::Value wrap(Napi::Env env, bool value) { return Napi::Boolean::New(env, value); }

Napi::Value wrap(Napi::Env env, const at::Scalar& value) {
  if (value.isBoolean()) return Napi::Boolean::New(env, value.toBool());
  if (value.isIntegral(false)) return Napi::Number::New(env, static_cast<double>(value.toLong()));
  return Napi::Number::New(env, value.toDouble());
}

}  // namespace smit
