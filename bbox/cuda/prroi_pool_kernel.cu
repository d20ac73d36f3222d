// CUDA kernels of Precise RoI Pooling: one thread per output bin, the bin's exact integral
// of the bilinear interpolant as sum_{h,w} F[h, w]·A_w·B_h over the few samples whose
// tents overlap the bin (see bbox/cpu/prroi_pool_aten.cc for the closed form).
#include "bbox/cuda/prroi_pool_kernel.h"

namespace dimp::bbox::cuda {
namespace {

constexpr int kThreads = 256;

// T(t) = ∫_{-inf}^{t} max(0, 1 − |u|) du.
template <typename T>
__device__ __forceinline__ T tri_integral(T t) {
  t = t < T(-1) ? T(-1) : (t > T(1) ? T(1) : t);
  return t <= T(0) ? T(0.5) * (t + 1) * (t + 1) : T(1) - T(0.5) * (1 - t) * (1 - t);
}

template <typename T>
__device__ __forceinline__ T tri(T t) {
  const T a = t < T(0) ? -t : t;
  return a < T(1) ? T(1) - a : T(0);
}

// Bin geometry of output element (r, i, j) in feature coordinates.
template <typename T>
struct Bin {
  int n;
  T x0, y0, bw, bh, xa, xb, ya, yb;
  int w_lo, w_hi, h_lo, h_hi;  // samples whose tents overlap the bin
};

template <typename T>
__device__ Bin<T> make_bin(const T* roi, int i, int j, const PrRoIPoolShape& s, T scale) {
  Bin<T> b;
  b.n = static_cast<int>(roi[0]);
  b.x0 = roi[1] * scale;
  b.y0 = roi[2] * scale;
  const T x1 = roi[3] * scale, y1 = roi[4] * scale;
  b.bw = (x1 > b.x0 ? x1 - b.x0 : T(0)) / s.pooled_w;
  b.bh = (y1 > b.y0 ? y1 - b.y0 : T(0)) / s.pooled_h;
  b.xa = b.x0 + j * b.bw;
  b.xb = b.xa + b.bw;
  b.ya = b.y0 + i * b.bh;
  b.yb = b.ya + b.bh;
  b.w_lo = max(0, static_cast<int>(floor(b.xa)));
  b.w_hi = min(s.W - 1, static_cast<int>(ceil(b.xb)));
  b.h_lo = max(0, static_cast<int>(floor(b.ya)));
  b.h_hi = min(s.H - 1, static_cast<int>(ceil(b.yb)));
  return b;
}

template <typename T>
__global__ void forward_kernel(const T* features, const T* rois, T* output, PrRoIPoolShape s, T scale) {
  const long total = static_cast<long>(s.R) * s.C * s.pooled_h * s.pooled_w;
  for (long idx = blockIdx.x * static_cast<long>(blockDim.x) + threadIdx.x; idx < total;
       idx += static_cast<long>(blockDim.x) * gridDim.x) {
    const int j = idx % s.pooled_w;
    const int i = (idx / s.pooled_w) % s.pooled_h;
    const int c = (idx / (s.pooled_w * s.pooled_h)) % s.C;
    const int r = idx / (static_cast<long>(s.pooled_w) * s.pooled_h * s.C);
    const Bin<T> b = make_bin(rois + 5 * r, i, j, s, scale);
    const T area = b.bw * b.bh;
    if (area <= T(0)) {
      output[idx] = T(0);
      continue;
    }
    const T* f = features + (static_cast<long>(b.n) * s.C + c) * s.H * s.W;
    T sum = 0;
    for (int h = b.h_lo; h <= b.h_hi; ++h) {
      const T wy = tri_integral(b.yb - h) - tri_integral(b.ya - h);
      if (wy == T(0)) continue;
      T row = 0;
      for (int w = b.w_lo; w <= b.w_hi; ++w) {
        row += f[h * s.W + w] * (tri_integral(b.xb - w) - tri_integral(b.xa - w));
      }
      sum += wy * row;
    }
    output[idx] = sum / area;
  }
}

template <typename T>
__global__ void backward_kernel(const T* features, const T* rois, const T* grad_output, T* grad_features,
                                T* grad_rois, PrRoIPoolShape s, T scale) {
  const long total = static_cast<long>(s.R) * s.C * s.pooled_h * s.pooled_w;
  for (long idx = blockIdx.x * static_cast<long>(blockDim.x) + threadIdx.x; idx < total;
       idx += static_cast<long>(blockDim.x) * gridDim.x) {
    const int j = idx % s.pooled_w;
    const int i = (idx / s.pooled_w) % s.pooled_h;
    const int c = (idx / (s.pooled_w * s.pooled_h)) % s.C;
    const int r = idx / (static_cast<long>(s.pooled_w) * s.pooled_h * s.C);
    const T g = grad_output[idx];
    const Bin<T> b = make_bin(rois + 5 * r, i, j, s, scale);
    const T area = b.bw * b.bh;
    if (area <= T(0) || g == T(0)) continue;
    const long plane = (static_cast<long>(b.n) * s.C + c) * s.H * s.W;
    const T* f = features + plane;
    T* gf = grad_features + plane;
    T S = 0, dS_xa = 0, dS_xb = 0, dS_ya = 0, dS_yb = 0;
    for (int h = b.h_lo; h <= b.h_hi; ++h) {
      const T wy = tri_integral(b.yb - h) - tri_integral(b.ya - h);
      const T ty_a = tri(b.ya - h), ty_b = tri(b.yb - h);
      for (int w = b.w_lo; w <= b.w_hi; ++w) {
        const T wx = tri_integral(b.xb - w) - tri_integral(b.xa - w);
        const T v = f[h * s.W + w];
        if (wx != T(0) && wy != T(0)) atomicAdd(gf + h * s.W + w, g * wx * wy / area);
        S += v * wx * wy;
        dS_xa -= v * tri(b.xa - w) * wy;
        dS_xb += v * tri(b.xb - w) * wy;
        dS_ya -= v * ty_a * wx;
        dS_yb += v * ty_b * wx;
      }
    }
    // Chain rule through the bin edges and the area; the image-coordinate gradient carries
    // the spatial scale. A side of zero length has no gradient (its clamp is flat).
    const T out = S / area;
    const T pw = s.pooled_w, ph = s.pooled_h;
    T gx0 = 0, gx1 = 0, gy0 = 0, gy1 = 0;
    if (b.bw > T(0)) {
      const T dS_x0 = dS_xa * (1 - j / pw) + dS_xb * (1 - (j + 1) / pw);
      const T dS_x1 = dS_xa * (j / pw) + dS_xb * ((j + 1) / pw);
      gx0 = dS_x0 / area + out * (b.bh / pw) / area;
      gx1 = dS_x1 / area - out * (b.bh / pw) / area;
    }
    if (b.bh > T(0)) {
      const T dS_y0 = dS_ya * (1 - i / ph) + dS_yb * (1 - (i + 1) / ph);
      const T dS_y1 = dS_ya * (i / ph) + dS_yb * ((i + 1) / ph);
      gy0 = dS_y0 / area + out * (b.bw / ph) / area;
      gy1 = dS_y1 / area - out * (b.bw / ph) / area;
    }
    T* gr = grad_rois + 5 * r;
    atomicAdd(gr + 1, g * gx0 * scale);
    atomicAdd(gr + 2, g * gy0 * scale);
    atomicAdd(gr + 3, g * gx1 * scale);
    atomicAdd(gr + 4, g * gy1 * scale);
  }
}

int blocks_for(long total) {
  const long b = (total + kThreads - 1) / kThreads;
  return static_cast<int>(b < 65535 ? (b > 0 ? b : 1) : 65535);
}

}  // namespace

template <typename T>
cudaError_t prroi_pool_forward(const T* features, const T* rois, T* output, PrRoIPoolShape s, T scale,
                               cudaStream_t stream) {
  const long total = static_cast<long>(s.R) * s.C * s.pooled_h * s.pooled_w;
  if (total == 0) return cudaSuccess;
  forward_kernel<T><<<blocks_for(total), kThreads, 0, stream>>>(features, rois, output, s, scale);
  return cudaGetLastError();
}

template <typename T>
cudaError_t prroi_pool_backward(const T* features, const T* rois, const T* grad_output, T* grad_features,
                                T* grad_rois, PrRoIPoolShape s, T scale, cudaStream_t stream) {
  const long total = static_cast<long>(s.R) * s.C * s.pooled_h * s.pooled_w;
  if (total == 0) return cudaSuccess;
  backward_kernel<T><<<blocks_for(total), kThreads, 0, stream>>>(features, rois, grad_output, grad_features,
                                                                  grad_rois, s, scale);
  return cudaGetLastError();
}

template cudaError_t prroi_pool_forward<float>(const float*, const float*, float*, PrRoIPoolShape, float,
                                               cudaStream_t);
template cudaError_t prroi_pool_forward<double>(const double*, const double*, double*, PrRoIPoolShape, double,
                                                cudaStream_t);
template cudaError_t prroi_pool_backward<float>(const float*, const float*, const float*, float*, float*,
                                                PrRoIPoolShape, float, cudaStream_t);
template cudaError_t prroi_pool_backward<double>(const double*, const double*, const double*, double*, double*,
                                                 PrRoIPoolShape, double, cudaStream_t);

}  // namespace dimp::bbox::cuda
