// bbox/cuda/prroi_pool_cuda.h — Precise RoI Pooling on CUDA tensors through the dedicated
// kernels, differentiable (first order) in features and rois. Built with DIMP_WITH_CUDA only;
// prroi_pool2d() dispatches here for CUDA tensors.
#pragma once

#include <ATen/ATen.h>

namespace dimp::bbox::cuda {

at::Tensor prroi_pool2d_cuda(const at::Tensor& features, const at::Tensor& rois, int64_t pooled_h,
                             int64_t pooled_w, double spatial_scale);

}  // namespace dimp::bbox::cuda
