// CUDA kernels of Precise RoI Pooling: one thread per output bin; the arithmetic is shared
// with the CPU kernel (bbox/prroi_pool_bin.h).
#include "bbox/cuda/prroi_pool_kernel.h"
#include "bbox/prroi_pool_bin.h"

namespace dimp::bbox::cuda {
namespace {

constexpr int kThreads = 256;

struct AtomicAdd {
  template <typename T>
  __device__ void operator()(T* p, T v) const { atomicAdd(p, v); }
};

template <typename T>
__global__ void forward_kernel(const T* features, const T* rois, T* output, PrRoIPoolShape s, T scale) {
  const long total = static_cast<long>(s.R) * s.C * s.pooled_h * s.pooled_w;
  for (long idx = blockIdx.x * static_cast<long>(blockDim.x) + threadIdx.x; idx < total;
       idx += static_cast<long>(blockDim.x) * gridDim.x) {
    const int j = idx % s.pooled_w;
    const int i = (idx / s.pooled_w) % s.pooled_h;
    const int c = (idx / (s.pooled_w * s.pooled_h)) % s.C;
    const int r = idx / (static_cast<long>(s.pooled_w) * s.pooled_h * s.C);
    const auto b = prroi::make_bin(rois + 5 * r, i, j, s.pooled_h, s.pooled_w, s.H, s.W, scale);
    output[idx] = prroi::pool_bin(features + (static_cast<long>(b.n) * s.C + c) * s.H * s.W, s.W, b);
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
    const auto b = prroi::make_bin(rois + 5 * r, i, j, s.pooled_h, s.pooled_w, s.H, s.W, scale);
    const long plane = (static_cast<long>(b.n) * s.C + c) * s.H * s.W;
    const auto g = prroi::backward_bin(features + plane, grad_features + plane, s.W, b, i, j, s.pooled_h,
                                       s.pooled_w, scale, grad_output[idx], AtomicAdd{});
    T* gr = grad_rois + 5 * r;
    atomicAdd(gr + 1, g.x0);
    atomicAdd(gr + 2, g.y0);
    atomicAdd(gr + 3, g.x1);
    atomicAdd(gr + 4, g.y1);
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
