// backbones/tfjs/resize_bilinear.h — TensorFlow's ResizeBilinear in its three coordinate modes:
// legacy (src = dst * in / out, TF 1's default, what centernet's upsampling uses), align_corners
// (src = dst * (in - 1) / (out - 1)) and half_pixel_centers (src = (dst + 0.5) * in / out - 0.5).
// LibTorch's upsample_bilinear2d has only the last two, so the legacy mode needs its own path;
// all three share one: per-axis source rows/columns and weights, then TF's lerp order
// (top = tl + (tr - tl) * dx, bottom likewise, out = top + (bottom - top) * dy).
//
//   at::Tensor y = resize_bilinear(x_nhwc, 128, 128, /*align_corners=*/false, /*half_pixel_centers=*/false);
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <vector>

namespace dimp::backbones::tfjs {

// ResizeAxis: for each output index the two source indices and the weight of the second.
struct ResizeAxis {
  std::vector<int64_t> lower, upper;
  std::vector<float> lerp;
};

// resize_axis: TensorFlow's compute_interpolation_weights for one axis (scale and source
// coordinate in float, as TF computes them).
ResizeAxis resize_axis(int64_t in, int64_t out, bool align_corners, bool half_pixel_centers);

// resize_bilinear: (N, H, W, C) -> (N, out_h, out_w, C) float32 (TF's output type), any strides.
// Throws std::invalid_argument for sizes that are not positive or both modes at once.
at::Tensor resize_bilinear(const at::Tensor& nhwc, int64_t out_h, int64_t out_w, bool align_corners,
                           bool half_pixel_centers);

}  // namespace dimp::backbones::tfjs
