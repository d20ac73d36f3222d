// bbox/cpu/prroi_pool_cpu.h — Precise RoI Pooling as direct CPU loops over the few samples
// each bin overlaps (bbox/prroi_pool_bin.h), differentiable (first order) in features and
// rois. prroi_pool2d() uses it for CPU tensors.
#pragma once

#include <ATen/ATen.h>

namespace dimp::bbox::cpu {

at::Tensor prroi_pool2d_cpu(const at::Tensor& features, const at::Tensor& rois, int64_t pooled_h, int64_t pooled_w,
                            double spatial_scale);

}  // namespace dimp::bbox::cpu
