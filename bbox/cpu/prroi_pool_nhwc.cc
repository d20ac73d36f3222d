#include "bbox/cpu/prroi_pool_nhwc.h"

#include <ATen/Parallel.h>
#include <immintrin.h>

#include <vector>

#include "bbox/cpu/avx512_sum.h"
#include "bbox/cpu/prroi_pool_weights.h"

namespace dimp::bbox::cpu {
namespace {

// Channel-vector primitives: y += a·x and x·y over n values. AVX-512 where the CPU has it
// (compiled through target attributes, so the rest of the build stays generic).
__attribute__((target("avx512f"))) void axpy_avx512(int64_t n, float a, const float* x, float* y) {
  const __m512 va = _mm512_set1_ps(a);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, _mm512_fmadd_ps(va, _mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i)));
  if (i < n) {
    const __mmask16 m = static_cast<__mmask16>((1u << (n - i)) - 1u);
    _mm512_mask_storeu_ps(y + i, m, _mm512_fmadd_ps(va, _mm512_maskz_loadu_ps(m, x + i), _mm512_maskz_loadu_ps(m, y + i)));
  }
}

__attribute__((target("avx512f"))) float dot_avx512(int64_t n, const float* x, const float* y) {
  __m512 acc = _mm512_setzero_ps();
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) acc = _mm512_fmadd_ps(_mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i), acc);
  if (i < n) {
    const __mmask16 m = static_cast<__mmask16>((1u << (n - i)) - 1u);
    acc = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, x + i), _mm512_maskz_loadu_ps(m, y + i), acc);
  }
  return horizontal_sum(acc);
}

bool has_avx512() {
  static const bool yes = __builtin_cpu_supports("avx512f");
  return yes;
}

template <typename T>
void axpy(int64_t n, T a, const T* x, T* y) {
  if constexpr (std::is_same_v<T, float>) {
    if (has_avx512()) return axpy_avx512(n, a, x, y);
  }
  for (int64_t i = 0; i < n; ++i) y[i] += a * x[i];
}

template <typename T>
T dot(int64_t n, const T* x, const T* y) {
  if constexpr (std::is_same_v<T, float>) {
    if (has_avx512()) return dot_avx512(n, x, y);
  }
  T s = 0;
  for (int64_t i = 0; i < n; ++i) s += x[i] * y[i];
  return s;
}

// for_each_sample: f(h, w, weight) for the samples of bin (i, j) of a RoI, weight being the
// sample's share of the bin average (tent integrals over the bin / area); zero weights skipped.
template <typename T, class F>
void for_each_sample(const RoIWeights<T>& rw, int i, int j, T area, F f) {
  for (int a = 0; a < rw.y.count[i]; ++a) {
    const T wy = rw.y.weight[rw.y.offset[i] + a] / area;
    for (int b = 0; b < rw.x.count[j]; ++b) {
      const T wxy = wy * rw.x.weight[rw.x.offset[j] + b];
      if (wxy != T(0)) f(rw.y.lo[i] + a, rw.x.lo[j] + b, wxy);
    }
  }
}

}  // namespace

template <typename T>
void prroi_forward_nhwc(const T* F, const T* rois, T* out, int64_t R, int64_t C, int64_t H, int64_t W, int ph, int pw,
                        T scale) {
  const auto weights = roi_weights(rois, R, static_cast<int>(H), static_cast<int>(W), ph, pw, scale);
  // One task per output row (r, i): its pw bins of C channels.
  at::parallel_for(0, R * ph, 1, [&](int64_t begin, int64_t end) {
    for (int64_t ri = begin; ri < end; ++ri) {
      const int64_t r = ri / ph;
      const int i = static_cast<int>(ri % ph);
      const auto& rw = weights[r];
      const T area = rw.x.bin_size * rw.y.bin_size;
      const T* image = F + rw.n * H * W * C;
      for (int j = 0; j < pw; ++j) {
        T* o = out + ((r * ph + i) * pw + j) * C;
        std::fill(o, o + C, T(0));
        if (!(area > T(0))) continue;
        for_each_sample(rw, i, j, area, [&](int h, int w, T wxy) { axpy(C, wxy, image + (h * W + w) * C, o); });
      }
    }
  });
}

template <typename T>
void prroi_backward_nhwc(const T* F, const T* rois, const T* grad_out, T* grad_F, T* grad_rois, int64_t R, int64_t C,
                         int64_t H, int64_t W, int ph, int pw, T scale) {
  const auto weights = roi_weights(rois, R, static_cast<int>(H), static_cast<int>(W), ph, pw, scale);
  // Boxes: per bin, D(h, w) = Σ_c g[c]·F[h, w, c] for each sample it overlaps, then the same
  // edge sums as the NCHW kernel. One task per output row; rows are summed per RoI after.
  std::vector<T> row_grads(static_cast<size_t>(R * ph * 4), T(0));
  at::parallel_for(0, R * ph, 1, [&](int64_t begin, int64_t end) {
    for (int64_t ri = begin; ri < end; ++ri) {
      const int64_t r = ri / ph;
      const int i = static_cast<int>(ri % ph);
      const auto& rw = weights[r];
      const T bw = rw.x.bin_size, bh = rw.y.bin_size;
      if (!(bw * bh > T(0))) continue;
      const T* image = F + rw.n * H * W * C;
      const int64_t oy = rw.y.offset[i];
      for (int j = 0; j < pw; ++j) {
        const T* g = grad_out + ((r * ph + i) * pw + j) * C;
        const int64_t ox = rw.x.offset[j];
        T S = 0, dxa = 0, dxb = 0, dya = 0, dyb = 0;
        for (int a = 0; a < rw.y.count[i]; ++a) {
          const T* line = image + (rw.y.lo[i] + a) * W * C;
          T row = 0, row_lo = 0, row_hi = 0;
          for (int b = 0; b < rw.x.count[j]; ++b) {
            const T d = dot(C, g, line + (rw.x.lo[j] + b) * C);
            row += d * rw.x.weight[ox + b];
            row_lo += d * rw.x.tent_lo[ox + b];
            row_hi += d * rw.x.tent_hi[ox + b];
          }
          const T wy = rw.y.weight[oy + a];
          S += wy * row;
          dxa -= wy * row_lo;
          dxb += wy * row_hi;
          dya -= rw.y.tent_lo[oy + a] * row;
          dyb += rw.y.tent_hi[oy + a] * row;
        }
        const auto d = prroi::corner_gradient(S, dxa, dxb, dya, dyb, bw, bh, i, j, ph, pw, scale);
        T* rg = row_grads.data() + ri * 4;
        rg[0] += d.x0;
        rg[1] += d.y0;
        rg[2] += d.x1;
        rg[3] += d.y1;
      }
    }
  });
  for (int64_t r = 0; r < R; ++r) {
    for (int i = 0; i < ph; ++i) {
      for (int k = 0; k < 4; ++k) grad_rois[5 * r + 1 + k] += row_grads[(r * ph + i) * 4 + k];
    }
  }
  if (!grad_F) return;
  // Features: each sample receives g·w/area for every bin that overlaps it. RoIs of one image
  // overlap, so threads own channel blocks rather than RoIs.
  constexpr int64_t kBlock = 64;
  at::parallel_for(0, (C + kBlock - 1) / kBlock, 1, [&](int64_t b0, int64_t b1) {
    for (int64_t blk = b0; blk < b1; ++blk) {
      const int64_t c0 = blk * kBlock, n = std::min(kBlock, C - c0);
      for (int64_t r = 0; r < R; ++r) {
        const auto& rw = weights[r];
        const T area = rw.x.bin_size * rw.y.bin_size;
        if (!(area > T(0))) continue;
        T* image = grad_F + rw.n * H * W * C + c0;
        for (int i = 0; i < ph; ++i) {
          for (int j = 0; j < pw; ++j) {
            const T* g = grad_out + ((r * ph + i) * pw + j) * C + c0;
            for_each_sample(rw, i, j, area, [&](int h, int w, T wxy) { axpy(n, wxy, g, image + (h * W + w) * C); });
          }
        }
      }
    }
  });
}

template void prroi_forward_nhwc<float>(const float*, const float*, float*, int64_t, int64_t, int64_t, int64_t, int,
                                        int, float);
template void prroi_forward_nhwc<double>(const double*, const double*, double*, int64_t, int64_t, int64_t, int64_t,
                                         int, int, double);
template void prroi_backward_nhwc<float>(const float*, const float*, const float*, float*, float*, int64_t, int64_t,
                                         int64_t, int64_t, int, int, float);
template void prroi_backward_nhwc<double>(const double*, const double*, const double*, double*, double*, int64_t,
                                          int64_t, int64_t, int64_t, int, int, double);

}  // namespace dimp::bbox::cpu
