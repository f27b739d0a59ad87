// Small compositions used by expressions in native/ops.decl, where one
// libtorch call does not express the op directly.
#pragma once
#include <torch/torch.h>

#include <string>

#include "args.h"
#include "permute_rows.h"

namespace smit {

inline at::TensorOptions creation(c10::optional<at::ScalarType> dtype, c10::optional<at::Device> device,
                                  at::ScalarType fallback = at::kFloat) {
  return at::TensorOptions().dtype(dtype.value_or(fallback)).device(device.value_or(at::kCPU));
}

// arange infers an integer or floating dtype from its bounds when none is given.
inline at::TensorOptions creationInferred(c10::optional<at::ScalarType> dtype, c10::optional<at::Device> device) {
  auto options = at::TensorOptions().device(device.value_or(at::kCPU));
  return dtype ? options.dtype(*dtype) : options;
}

inline at::TensorOptions likeOptions(const at::Tensor& self, c10::optional<at::ScalarType> dtype) {
  return self.options().dtype(dtype.value_or(self.scalar_type()));
}

inline c10::List<c10::optional<at::Tensor>> optionalList(const std::vector<at::Tensor>& tensors) {
  c10::List<c10::optional<at::Tensor>> list;
  list.reserve(tensors.size());
  for (const auto& t : tensors) list.push_back(t);
  return list;
}

inline int64_t reduction_(const std::string& name) {
  if (name == "mean") return at::Reduction::Mean;
  if (name == "sum") return at::Reduction::Sum;
  if (name == "none") return at::Reduction::None;
  throw ArgError("reduction must be 'mean', 'sum' or 'none', got '" + name + "'");
}

inline at::Tensor scatterOperand(const at::Tensor& self, int64_t dim, const at::Tensor& index, const at::Tensor& src) {
  if (src.unsafeGetTensorImpl()->is_wrapped_number()) return at::scatter(self, dim, index, src.item());
  return at::scatter(self, dim, index, src);
}

// A number weight (a wrapped-number tensor, int64 or double) takes libtorch's
// Scalar overload: the Tensor overload requires the weight's dtype to equal self's.
inline at::Tensor lerpOperand(const at::Tensor& self, const at::Tensor& end, const at::Tensor& weight) {
  if (weight.unsafeGetTensorImpl()->is_wrapped_number()) return at::lerp(self, end, weight.item());
  return at::lerp(self, end, weight);
}

inline void lerpOperand_(const at::Tensor& self, const at::Tensor& end, const at::Tensor& weight) {
  if (weight.unsafeGetTensorImpl()->is_wrapped_number()) self.lerp_(end, weight.item());
  else self.lerp_(end, weight);
}

// libtorch's softmax kernel reads each row before it writes it, so on a
// contiguous tensor its out= variant may write over its input (bit-identical
// to at::softmax). A strided view gets the result copied in.
inline void softmax_(const at::Tensor& self, int64_t dim) {
  if (!self.is_contiguous()) {
    self.copy_(at::softmax(self, dim));
    return;
  }
  at::Tensor out = self;
  at::_softmax_out(out, self, dim, false);
}

// Same result as Python's torch.nn.init.trunc_normal_: inverse-CDF sampling.
inline void truncNormal_(const at::Tensor& self, double mean, double std, double a, double b) {
  at::NoGradGuard noGrad;
  auto normCdf = [](double x) { return (1.0 + std::erf(x / std::sqrt(2.0))) / 2.0; };
  const double l = normCdf((a - mean) / std);
  const double u = normCdf((b - mean) / std);
  self.uniform_(2 * l - 1, 2 * u - 1);
  self.erfinv_();
  self.mul_(std * std::sqrt(2.0));
  self.add_(mean);
  self.clamp_(a, b);
}

// [N, C·r³, D, H, W] → [N, C, D·r, H·r, W·r], the 3-D analogue of pixel_shuffle.
inline at::Tensor pixelShuffle3d(const at::Tensor& x, int64_t r) {
  TORCH_CHECK(x.dim() == 5, "pixelShuffle3d expects a 5-D tensor, got ", x.dim(), "-D");
  TORCH_CHECK(r > 0, "factor must be positive, got ", r);
  const int64_t n = x.size(0), c = x.size(1), d = x.size(2), h = x.size(3), w = x.size(4);
  TORCH_CHECK(c % (r * r * r) == 0, "pixelShuffle3d: channels ", c, " not divisible by factor³ ", r * r * r);
  const int64_t oc = c / (r * r * r);
  return x.reshape({n, oc, r, r, r, d, h, w})
      .permute({0, 1, 5, 2, 6, 3, 7, 4})
      .reshape({n, oc, d * r, h * r, w * r});
}

inline at::Tensor interpolate(const at::Tensor& input, const OptIntList& size, const OptFloatList& scale,
                              const std::string& mode, bool alignCorners) {
  TORCH_CHECK(input.dim() == 5, "interpolate expects a 5-D tensor [N, C, D, H, W], got ", input.dim(), "-D");
  TORCH_CHECK(size.value.has_value() != scale.value.has_value(), "interpolate: give exactly one of size or scaleFactor");
  if (size.value) TORCH_CHECK(size.value->size() == 1 || size.value->size() == 3, "size must have 1 or 3 entries, got ", size.value->size());
  if (scale.value) TORCH_CHECK(scale.value->size() == 1 || scale.value->size() == 3, "scaleFactor must have 1 or 3 entries, got ", scale.value->size());
  std::optional<std::vector<double>> scales = scale.value;
  if (scales && scales->size() == 1) scales = std::vector<double>(3, (*scales)[0]);
  std::optional<std::vector<int64_t>> sizes = size.value;
  if (sizes && sizes->size() == 1) sizes = std::vector<int64_t>(3, (*sizes)[0]);
  std::vector<int64_t> out(3);
  for (int k = 0; k < 3; ++k) {
    out[k] = sizes ? (*sizes)[k] : static_cast<int64_t>(std::floor(input.size(2 + k) * (*scales)[k]));
  }
  auto sd = scales ? c10::optional<double>((*scales)[0]) : c10::nullopt;
  auto sh = scales ? c10::optional<double>((*scales)[1]) : c10::nullopt;
  auto sw = scales ? c10::optional<double>((*scales)[2]) : c10::nullopt;
  if (mode == "nearest") return at::upsample_nearest3d(input, out, sd, sh, sw);
  if (mode == "nearest-exact") return at::_upsample_nearest_exact3d(input, out, sd, sh, sw);
  if (mode == "trilinear") return at::upsample_trilinear3d(input, out, alignCorners, sd, sh, sw);
  throw ArgError("interpolate mode must be 'nearest', 'nearest-exact' or 'trilinear', got '" + mode + "'");
}

inline at::Tensor gridSample(const at::Tensor& input, const at::Tensor& grid, const std::string& mode,
                             const std::string& padding, bool alignCorners) {
  int64_t m, p;
  if (mode == "bilinear") m = 0;
  else if (mode == "nearest") m = 1;
  else throw ArgError("grid_sample mode must be 'bilinear' or 'nearest', got '" + mode + "'");
  if (padding == "zeros") p = 0;
  else if (padding == "border") p = 1;
  else if (padding == "reflection") p = 2;
  else throw ArgError("grid_sample paddingMode must be 'zeros', 'border' or 'reflection', got '" + padding + "'");
  return at::grid_sampler(input, grid, m, p, alignCorners);
}

}  // namespace smit
