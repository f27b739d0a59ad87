// Entry points that are not tensor ops: handles, raw bytes, autograd state,
// RNG, threads and devices.
#include "core.h"

#include <ATen/Parallel.h>
#include <torch/cuda.h>

#include <sstream>

#include "args.h"

namespace smit {

namespace {

using Info = const Napi::CallbackInfo&;

Napi::Array numberArray(Napi::Env env, at::IntArrayRef values) {
  Napi::Array out = Napi::Array::New(env, values.size());
  for (size_t i = 0; i < values.size(); ++i) out.Set(static_cast<uint32_t>(i), Napi::Number::New(env, static_cast<double>(values[i])));
  return out;
}

Napi::Value release(Info info) {
  for (size_t i = 0; i < info.Length(); ++i) {
    if (info[i].IsNumber()) registry().release(info.Env(), info[i].As<Napi::Number>().DoubleValue());
  }
  return info.Env().Undefined();
}

Napi::Value liveTensors(Info info) {
  return Napi::Number::New(info.Env(), static_cast<double>(registry().live()));
}

Napi::Value reportedBytes(Info info) {
  return Napi::Number::New(info.Env(), static_cast<double>(registry().reportedBytes()));
}

Napi::Value fromBytes(Info info) {
  return guarded(info, "fromBytes", [&] {
    Args a(info, "fromBytes");
    if (!info[0].IsTypedArray()) throw ArgError("argument 'bytes' must be a Uint8Array");
    auto view = info[0].As<Napi::TypedArray>();
    const auto dtype = a.dtype(1, "dtype");
    const auto shape = a.intList(2, "shape");
    int64_t numel = 1;
    for (int64_t d : shape) {
      if (d < 0) throw ArgError("shape entries must be ≥ 0");
      numel *= d;
    }
    const size_t need = static_cast<size_t>(numel) * c10::elementSize(dtype);
    if (view.ByteLength() != need) {
      throw ArgError("got " + std::to_string(view.ByteLength()) + " bytes, shape and dtype need " + std::to_string(need));
    }
    auto* src = static_cast<uint8_t*>(view.ArrayBuffer().Data()) + view.ByteOffset();
    const auto outDtype = a.optDtype(3, "dtype").value_or(dtype);
    if (outDtype != dtype) {
      // Converted in the one copy, straight from the caller's bytes (alive for this synchronous call only).
      return wrap(info.Env(), at::from_blob(src, shape, at::TensorOptions().dtype(dtype)).to(outDtype));
    }
    auto out = at::empty(shape, at::TensorOptions().dtype(dtype));
    if (need > 0) std::memcpy(out.data_ptr(), src, need);
    return wrap(info.Env(), out);
  });
}

Napi::Value toBytes(Info info) {
  return guarded(info, "toBytes", [&] {
    Args a(info, "toBytes");
    at::Tensor t = a.tensor(0, "self").detach().to(at::kCPU).contiguous();
    const size_t n = t.numel() * t.element_size();
    auto buffer = Napi::Buffer<uint8_t>::New(info.Env(), n);
    if (n > 0) std::memcpy(buffer.Data(), t.data_ptr(), n);
    return buffer;
  });
}

// Shape, dtype, device and requires_grad in one call: [shape, dtype, device, requiresGrad].
Napi::Value describe(Info info) {
  return guarded(info, "describe", [&]() -> Napi::Value {
    Args a(info, "describe");
    const at::Tensor& t = a.tensor(0, "self");
    Napi::Env env = info.Env();
    Napi::Array out = Napi::Array::New(env, 4);
    out.Set(0u, numberArray(env, t.sizes()));
    out.Set(1u, Napi::String::New(env, dtypeName(t.scalar_type())));
    out.Set(2u, Napi::String::New(env, t.device().str()));
    out.Set(3u, Napi::Boolean::New(env, t.requires_grad()));
    return out;
  });
}

Napi::Value shape(Info info) {
  return guarded(info, "shape", [&]() -> Napi::Value {
    return numberArray(info.Env(), Args(info, "shape").tensor(0, "self").sizes());
  });
}

Napi::Value strides(Info info) {
  return guarded(info, "strides", [&]() -> Napi::Value {
    return numberArray(info.Env(), Args(info, "strides").tensor(0, "self").strides());
  });
}

Napi::Value item(Info info) {
  return guarded(info, "item", [&] { return wrap(info.Env(), Args(info, "item").tensor(0, "self").item()); });
}

Napi::Value format(Info info) {
  return guarded(info, "toString", [&]() -> Napi::Value {
    std::ostringstream out;
    out << Args(info, "toString").tensor(0, "self");
    return Napi::String::New(info.Env(), out.str());
  });
}

Napi::Value backward(Info info) {
  return guarded(info, "backward", [&]() -> Napi::Value {
    Args a(info, "backward");
    const at::Tensor& t = a.tensor(0, "self");
    auto gradient = a.optTensor(1, "gradient");
    const bool retain = info.Length() > 2 && !info[2].IsUndefined() ? a.boolean(2, "retainGraph") : false;
    t.backward(gradient.value_or(at::Tensor()), retain);
    return info.Env().Undefined();
  });
}

Napi::Value grad(Info info) {
  return guarded(info, "grad", [&]() -> Napi::Value {
    const at::Tensor& g = Args(info, "grad").tensor(0, "self").grad();
    if (!g.defined()) return info.Env().Undefined();
    return wrap(info.Env(), g);
  });
}

Napi::Value setGrad(Info info) {
  return guarded(info, "setGrad", [&]() -> Napi::Value {
    Args a(info, "setGrad");
    at::Tensor& t = a.tensor(0, "self");
    auto g = a.optTensor(1, "grad");
    t.mutable_grad() = g.value_or(at::Tensor());
    return info.Env().Undefined();
  });
}

Napi::Value setRequiresGrad(Info info) {
  return guarded(info, "requiresGrad_", [&]() -> Napi::Value {
    Args a(info, "requiresGrad_");
    a.tensor(0, "self").requires_grad_(a.boolean(1, "requiresGrad"));
    return info.Env().Undefined();
  });
}

Napi::Value isGradEnabled(Info info) { return Napi::Boolean::New(info.Env(), at::GradMode::is_enabled()); }

Napi::Value setGradEnabled(Info info) {
  return guarded(info, "setGradEnabled", [&]() -> Napi::Value {
    at::GradMode::set_enabled(Args(info, "setGradEnabled").boolean(0, "enabled"));
    return info.Env().Undefined();
  });
}

// Inference mode is an RAII guard in libtorch; JavaScript scopes nest, so a
// stack of guards entered and left in order is equivalent.
thread_local std::vector<std::unique_ptr<c10::InferenceMode>> inferenceGuards;

Napi::Value enterInferenceMode(Info info) {
  inferenceGuards.push_back(std::make_unique<c10::InferenceMode>(true));
  return info.Env().Undefined();
}

Napi::Value exitInferenceMode(Info info) {
  if (!inferenceGuards.empty()) inferenceGuards.pop_back();
  return info.Env().Undefined();
}

Napi::Value manualSeed(Info info) {
  return guarded(info, "manualSeed", [&]() -> Napi::Value {
    torch::manual_seed(static_cast<uint64_t>(Args(info, "manualSeed").integer(0, "seed")));
    return info.Env().Undefined();
  });
}

Napi::Value getRngState(Info info) {
  return guarded(info, "getRngState", [&] {
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    return wrap(info.Env(), gen.get_state());
  });
}

Napi::Value setRngState(Info info) {
  return guarded(info, "setRngState", [&]() -> Napi::Value {
    const at::Tensor& state = Args(info, "setRngState").tensor(0, "state");
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(state);
    return info.Env().Undefined();
  });
}

Napi::Value setNumThreads(Info info) {
  return guarded(info, "setNumThreads", [&]() -> Napi::Value {
    const int64_t n = Args(info, "setNumThreads").integer(0, "threads");
    if (n < 1) throw ArgError("threads must be ≥ 1");
    at::set_num_threads(static_cast<int>(n));
    return info.Env().Undefined();
  });
}

Napi::Value getNumThreads(Info info) { return Napi::Number::New(info.Env(), at::get_num_threads()); }

Napi::Value cudaIsAvailable(Info info) { return Napi::Boolean::New(info.Env(), torch::cuda::is_available()); }

Napi::Value cudaDeviceCount(Info info) {
  return Napi::Number::New(info.Env(), static_cast<double>(torch::cuda::device_count()));
}

Napi::Value cudaSynchronize(Info info) {
  return guarded(info, "cuda.synchronize", [&]() -> Napi::Value {
    if (torch::cuda::is_available()) torch::cuda::synchronize();
    return info.Env().Undefined();
  });
}

Napi::Value buildInfo(Info info) {
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("torchVersion", TORCH_VERSION);
  out.Set("parallel", at::get_parallel_info());
  out.Set("config", at::show_config());
  return out;
}

}  // namespace

void registerCore(Napi::Env env, Napi::Object exports) {
  const std::pair<const char*, Napi::Function::Callback> entries[] = {
      {"release", release}, {"liveTensors", liveTensors}, {"reportedBytes", reportedBytes},
      {"fromBytes", fromBytes}, {"toBytes", toBytes}, {"describe", describe}, {"shape", shape},
      {"strides", strides}, {"item", item}, {"format", format}, {"backward", backward}, {"grad", grad},
      {"setGrad", setGrad}, {"setRequiresGrad", setRequiresGrad}, {"isGradEnabled", isGradEnabled},
      {"setGradEnabled", setGradEnabled}, {"enterInferenceMode", enterInferenceMode},
      {"exitInferenceMode", exitInferenceMode}, {"manualSeed", manualSeed}, {"getRngState", getRngState},
      {"setRngState", setRngState}, {"setNumThreads", setNumThreads}, {"getNumThreads", getNumThreads},
      {"cudaIsAvailable", cudaIsAvailable}, {"cudaDeviceCount", cudaDeviceCount},
      {"cudaSynchronize", cudaSynchronize}, {"buildInfo", buildInfo},
  };
  for (const auto& [name, fn] : entries) exports.Set(name, Napi::Function::New(env, fn, name));
}

}  // namespace smit
