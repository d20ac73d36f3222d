// bbox/cuda/prroi_pool_kernel.h — launchers of the Precise RoI Pooling CUDA kernels.
//
// Raw-pointer interface (no LibTorch types), so the .cu file compiles with nvcc alone.
// Tensors are contiguous: features (N, C, H, W), rois (R, 5) [batch, x0, y0, x1, y1],
// output (R, C, ph, pw). Same definition as bbox/prroi_pool.h. The backward accumulates
// (atomically) into grad_features and grad_rois, which the caller zeroes.
#pragma once

#include <cuda_runtime_api.h>

namespace dimp::bbox::cuda {

struct PrRoIPoolShape {
  int R, C, H, W, pooled_h, pooled_w;
};

template <typename T>
cudaError_t prroi_pool_forward(const T* features, const T* rois, T* output, PrRoIPoolShape shape, T spatial_scale,
                               cudaStream_t stream);

template <typename T>
cudaError_t prroi_pool_backward(const T* features, const T* rois, const T* grad_output, T* grad_features,
                                T* grad_rois, PrRoIPoolShape shape, T spatial_scale, cudaStream_t stream);

}  // namespace dimp::bbox::cuda
