// The fused kernels, compiled for AVX2 + FMA (see binding.gyp). Reached only
// through window_attention.cpp, which checks the processor first.
#include "window_attention_kernel.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

namespace smit {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

struct Shapes {
  int64_t windows, heads, n, d, maskWindows;
};

// e^x for x ≤ 0 (softmax after subtracting the row maximum), as 2^(x·log2 e)
// with a degree-6 polynomial for the fraction: relative error < 2e-7, and a
// plain loop the compiler vectorises (std::exp is a scalar call per element).
inline void expInPlace(float* x, int64_t n) {
#pragma omp simd
  for (int64_t j = 0; j < n; ++j) {
    const float t = std::max(x[j], -87.0f) * 1.44269504088896341f;
    const float fi = std::floor(t);
    const float f = t - fi;
    float p = 1.535336188319500e-4f;
    p = p * f + 1.339887440266574e-3f;
    p = p * f + 9.618437357674640e-3f;
    p = p * f + 5.550332471162809e-2f;
    p = p * f + 2.402264791363012e-1f;
    p = p * f + 6.931472028550421e-1f;
    p = p * f + 1.0f;
    const int32_t bits = (static_cast<int32_t>(fi) + 127) << 23;
    float scale;
    std::memcpy(&scale, &bits, sizeof scale);
    x[j] = p * scale;
  }
}

inline float dot(const float* a, const float* b, int64_t n) {
  float acc = 0;
#pragma omp simd reduction(+ : acc)
  for (int64_t j = 0; j < n; ++j) acc += a[j] * b[j];
  return acc;
}

// y[j] += a·x[j]
inline void axpy(float a, const float* x, float* y, int64_t n) {
#pragma omp simd
  for (int64_t j = 0; j < n; ++j) y[j] += a * x[j];
}

inline void transpose(const float* x, int64_t rows, int64_t cols, float* out) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) out[c * rows + r] = x[r * cols + c];
}

// One row of logits: row[j] = bias[j] + mask[j] + Σ_c scale·q[c]·kt[c][j].
inline void logitsRow(const float* q, const float* kt, const float* bias, const float* mask, float scale, int64_t n,
                      int64_t d, float* row) {
  if (mask != nullptr) {
#pragma omp simd
    for (int64_t j = 0; j < n; ++j) row[j] = bias[j] + mask[j];
  } else {
    std::memcpy(row, bias, n * sizeof(float));
  }
  for (int64_t c = 0; c < d; ++c) axpy(scale * q[c], kt + c * n, row, n);
}

void forwardKernel(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& bias,
                   const at::Tensor& mask, double scale, const Shapes& s, at::Tensor& out, at::Tensor& lse) {
  const float* qp = q.data_ptr<float>();
  const float* kp = k.data_ptr<float>();
  const float* vp = v.data_ptr<float>();
  const float* bp = bias.data_ptr<float>();
  const float* mp = mask.defined() ? mask.data_ptr<float>() : nullptr;
  float* op = out.data_ptr<float>();
  float* lp = lse.data_ptr<float>();
  const int64_t n = s.n, d = s.d, tiles = s.windows * s.heads;
  at::parallel_for(0, tiles, 1, [&](int64_t begin, int64_t end) {
    std::vector<float> row(n), kt(d * n), vt(d * n);
    for (int64_t t = begin; t < end; ++t) {
      const int64_t w = t / s.heads, h = t % s.heads;
      transpose(kp + t * n * d, n, d, kt.data());
      transpose(vp + t * n * d, n, d, vt.data());
      const float* mt = mp ? mp + (w % s.maskWindows) * n * n : nullptr;
      for (int64_t i = 0; i < n; ++i) {
        logitsRow(qp + (t * n + i) * d, kt.data(), bp + (h * n + i) * n, mt ? mt + i * n : nullptr,
                  static_cast<float>(scale), n, d, row.data());
        float mx = row[0];
        for (int64_t j = 1; j < n; ++j) mx = std::max(mx, row[j]);
        for (int64_t j = 0; j < n; ++j) row[j] -= mx;
        expInPlace(row.data(), n);
        float sum = 0;
#pragma omp simd reduction(+ : sum)
        for (int64_t j = 0; j < n; ++j) sum += row[j];
        const float inv = 1.0f / sum;
        float* oi = op + (t * n + i) * d;
        for (int64_t c = 0; c < d; ++c) oi[c] = inv * dot(row.data(), vt.data() + c * n, n);
        lp[t * n + i] = mx + std::log(sum);
      }
    }
  });
}

struct WindowAttentionFunction : public torch::autograd::Function<WindowAttentionFunction> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                            const at::Tensor& bias, const c10::optional<at::Tensor>& mask, double scale) {
    const Shapes s{q.size(0), q.size(1), q.size(2), q.size(3), mask ? mask->size(0) : 1};
    auto qc = q.contiguous(), kc = k.contiguous(), vc = v.contiguous(), bc = bias.contiguous();
    auto mc = mask ? mask->contiguous() : at::Tensor();
    auto out = at::empty_like(qc);
    auto lse = at::empty({s.windows, s.heads, s.n}, qc.options());
    forwardKernel(qc, kc, vc, bc, mc, scale, s, out, lse);
    ctx->save_for_backward({qc, kc, vc, bc, out, lse});
    ctx->saved_data["mask"] = mc;
    ctx->saved_data["scale"] = scale;
    return out;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto saved = ctx->get_saved_variables();
    const at::Tensor &q = saved[0], &k = saved[1], &v = saved[2], &bias = saved[3], &out = saved[4], &lse = saved[5];
    at::Tensor mask = ctx->saved_data["mask"].toTensor();
    const float scale = static_cast<float>(ctx->saved_data["scale"].toDouble());
    const at::Tensor dout = grads[0].contiguous();
    const Shapes s{q.size(0), q.size(1), q.size(2), q.size(3), mask.defined() ? mask.size(0) : 1};
    const int64_t n = s.n, d = s.d, tiles = s.windows * s.heads;
    auto dq = at::empty_like(q), dk = at::empty_like(k), dv = at::empty_like(v);
    // Each thread sums its share of the bias gradient; the shares are added at the end.
    auto dbiasParts = at::zeros({at::get_num_threads(), s.heads, n, n}, q.options());
    const float *qp = q.data_ptr<float>(), *kp = k.data_ptr<float>(), *vp = v.data_ptr<float>();
    const float *bp = bias.data_ptr<float>(), *op = out.data_ptr<float>(), *lp = lse.data_ptr<float>();
    const float* mp = mask.defined() ? mask.data_ptr<float>() : nullptr;
    const float* gp = dout.data_ptr<float>();
    float *dqp = dq.data_ptr<float>(), *dkp = dk.data_ptr<float>(), *dvp = dv.data_ptr<float>();
    float* dbp = dbiasParts.data_ptr<float>();
    at::parallel_for(0, tiles, 1, [&](int64_t begin, int64_t end) {
      std::vector<float> p(n), ds(n), kt(d * n), vt(d * n), dkt(d * n), dvt(d * n);
      float* dbias = dbp + static_cast<int64_t>(at::get_thread_num()) * s.heads * n * n;
      for (int64_t t = begin; t < end; ++t) {
        const int64_t w = t / s.heads, h = t % s.heads;
        transpose(kp + t * n * d, n, d, kt.data());
        transpose(vp + t * n * d, n, d, vt.data());
        std::fill(dkt.begin(), dkt.end(), 0.0f);
        std::fill(dvt.begin(), dvt.end(), 0.0f);
        const float* mt = mp ? mp + (w % s.maskWindows) * n * n : nullptr;
        for (int64_t i = 0; i < n; ++i) {
          const float* qi = qp + (t * n + i) * d;
          const float* gi = gp + (t * n + i) * d;
          logitsRow(qi, kt.data(), bp + (h * n + i) * n, mt ? mt + i * n : nullptr, scale, n, d, p.data());
          const float l = lp[t * n + i];
          for (int64_t j = 0; j < n; ++j) p[j] -= l;
          expInPlace(p.data(), n);
          // ds_j = p_j (dout_i·v_j − dout_i·out_i)
          float di = 0;
          for (int64_t c = 0; c < d; ++c) di += gi[c] * op[(t * n + i) * d + c];
          std::fill(ds.begin(), ds.end(), -di);
          for (int64_t c = 0; c < d; ++c) axpy(gi[c], vt.data() + c * n, ds.data(), n);
          float* db = dbias + (h * n + i) * n;
#pragma omp simd
          for (int64_t j = 0; j < n; ++j) {
            ds[j] *= p[j];
            db[j] += ds[j];
          }
          float* dqi = dqp + (t * n + i) * d;
          for (int64_t c = 0; c < d; ++c) {
            dqi[c] = scale * dot(ds.data(), kt.data() + c * n, n);
            axpy(scale * qi[c], ds.data(), dkt.data() + c * n, n);
            axpy(gi[c], p.data(), dvt.data() + c * n, n);
          }
        }
        transpose(dkt.data(), d, n, dkp + t * n * d);
        transpose(dvt.data(), d, n, dvp + t * n * d);
      }
    });
    return {dq, dk, dv, dbiasParts.sum(0), at::Tensor(), at::Tensor()};
  }
};

}  // namespace

at::Tensor fusedWindowAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& bias,
                                const c10::optional<at::Tensor>& mask, double scale) {
  return WindowAttentionFunction::apply(q, k, v, bias, mask, scale);
}

}  // namespace smit
