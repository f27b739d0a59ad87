// Conversion of JavaScript arguments to libtorch types and of results back.
// Every op entry point reads its arguments through these, so checking and
// error messages live in one place.
#pragma once
#include <napi.h>
#include <torch/torch.h>

#include <optional>
#include <string>
#include <vector>

#include "registry.h"

namespace smit {

// An argument error: becomes a JavaScript TypeError naming the op and argument.
struct ArgError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Holds an optional int list so it can be passed where libtorch takes
// OptionalIntArrayRef.
struct OptIntList {
  std::optional<std::vector<int64_t>> value;
  operator at::OptionalIntArrayRef() const {
    if (!value) return c10::nullopt;
    return at::IntArrayRef(*value);
  }
};

struct OptFloatList {
  std::optional<std::vector<double>> value;
  operator c10::optional<at::ArrayRef<double>>() const {
    if (!value) return c10::nullopt;
    return at::ArrayRef<double>(*value);
  }
};

class Args {
 public:
  Args(const Napi::CallbackInfo& info, const char* op) : info_(info), op_(op) {}

  at::Tensor& tensor(size_t i, const char* name) const;
  c10::optional<at::Tensor> optTensor(size_t i, const char* name) const;
  std::vector<at::Tensor> tensorList(size_t i, const char* name) const;
  // A number becomes a "wrapped number" tensor, which promotes like a Python scalar.
  at::Tensor tensorOrScalar(size_t i, const char* name) const;
  at::Scalar scalar(size_t i, const char* name) const;
  c10::optional<at::Scalar> optScalar(size_t i, const char* name) const;
  int64_t integer(size_t i, const char* name) const;
  c10::optional<int64_t> optInteger(size_t i, const char* name) const;
  // `fixed` > 0: a single number is repeated that many times (conv strides etc).
  std::vector<int64_t> intList(size_t i, const char* name, size_t fixed = 0) const;
  OptIntList optIntList(size_t i, const char* name) const;
  double number(size_t i, const char* name) const;
  c10::optional<double> optNumber(size_t i, const char* name) const;
  OptFloatList optFloatList(size_t i, const char* name) const;
  bool boolean(size_t i, const char* name) const;
  std::string string(size_t i, const char* name) const;
  c10::optional<std::string> optString(size_t i, const char* name) const;
  at::ScalarType dtype(size_t i, const char* name) const;
  c10::optional<at::ScalarType> optDtype(size_t i, const char* name) const;
  at::Device device(size_t i, const char* name) const;
  c10::optional<at::Device> optDevice(size_t i, const char* name) const;

  Napi::Env env() const { return info_.Env(); }
  const Napi::CallbackInfo& info() const { return info_; }

 private:
  bool absent(size_t i) const;
  [[noreturn]] void fail(size_t i, const char* name, const char* expected) const;
  const Napi::CallbackInfo& info_;
  const char* op_;
};

at::ScalarType parseDtype(const std::string& name);
const char* dtypeName(at::ScalarType type);
at::Device parseDevice(const std::string& name);

Napi::Value wrap(Napi::Env env, at::Tensor tensor);
Napi::Value wrap(Napi::Env env, const std::vector<at::Tensor>& tensors);
Napi::Value wrap(Napi::Env env, std::tuple<at::Tensor, at::Tensor> tensors);
Napi::Value wrap(Napi::Env env, std::tuple<at::Tensor, at::Tensor, at::Tensor> tensors);
Napi::Value wrap(Napi::Env env, double value);
Napi::Value wrap(Napi::Env env, int64_t value);
Napi::Value wrap(Napi::Env env, bool value);
Napi::Value wrap(Napi::Env env, const at::Scalar& value);

// Runs `body` and turns any C++ exception (libtorch's c10::Error included) into
// a JavaScript exception, so no input from JavaScript can abort the process.
template <typename F>
Napi::Value guarded(const Napi::CallbackInfo& info, const char* op, F&& body) {
  Napi::Env env = info.Env();
  try {
    return body();
  } catch (const Napi::Error&) {
    throw;
  } catch (const ArgError& e) {
    throw Napi::TypeError::New(env, std::string(op) + ": " + e.what());
  } catch (const c10::Error& e) {
    throw Napi::Error::New(env, std::string(op) + ": " + e.what_without_backtrace());
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, std::string(op) + ": " + e.what());
  }
}

}  // namespace smit
