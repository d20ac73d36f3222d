// bbox/prroi_pool.h — Precise RoI Pooling (Jiang et al., "Acquisition of Localization
// Confidence for Accurate Object Detection", ECCV 2018), as DiMP's initializer and IoU-Net
// use it.
//
// Each output bin is the exact average of the bilinearly interpolated feature map over the
// bin: (1 / area) ∫∫_bin f(x, y) dx dy, where f interpolates the samples F[h, w] placed at
// the integer points (x = w, y = h) and is zero beyond the map. Being an integral, it is
// differentiable everywhere in the box coordinates (what IoU-Net refinement needs) as well as
// in the features. Boxes in image coordinates are multiplied by spatial_scale (1/stride).
//
//   // rois: (R, 5) rows [batch_index, x0, y0, x1, y1]
//   at::Tensor pooled = dimp::bbox::prroi_pool2d(feat, rois, 4, 4, 1.0 / 16);  // (R, C, 4, 4)
//
// CPU tensors run a direct kernel over the few samples each bin overlaps; builds with CUDA run
// the same arithmetic as a CUDA kernel; other devices use the LibTorch implementation
// (prroi_pool2d_reference, whose autograd gives both gradients). prroi_pool_backend() says
// which runs.
#pragma once

#include <ATen/ATen.h>

#include <string>

namespace dimp::bbox {

// prroi_pool2d: features (N, C, H, W), rois (R, 5) -> (R, C, pooled_h, pooled_w). A bin of
// zero area pools to 0. Differentiable in features and rois.
at::Tensor prroi_pool2d(const at::Tensor& features, const at::Tensor& rois, int64_t pooled_h, int64_t pooled_w,
                        double spatial_scale);

// prroi_pool2d_reference: the LibTorch implementation, whatever the device (for tests and
// benchmarks of the dedicated kernels).
at::Tensor prroi_pool2d_reference(const at::Tensor& features, const at::Tensor& rois, int64_t pooled_h,
                                  int64_t pooled_w, double spatial_scale);

// prroi_pool_backend: which implementation prroi_pool2d uses for tensors on `device`.
std::string prroi_pool_backend(const at::Device& device);

// xywh_to_rois: (..., 4) x,y,w,h boxes of image i (leading dim = images) to (R, 5) rois.
at::Tensor xywh_to_rois(const at::Tensor& boxes_xywh);

}  // namespace dimp::bbox
