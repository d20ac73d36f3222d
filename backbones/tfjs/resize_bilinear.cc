#include "backbones/tfjs/resize_bilinear.h"

#include <ATen/ops/from_blob.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace dimp::backbones::tfjs {

ResizeAxis resize_axis(int64_t in, int64_t out, bool align_corners, bool half_pixel_centers) {
  if (in < 1 || out < 1) {
    throw std::invalid_argument("resize from " + std::to_string(in) + " to " + std::to_string(out) +
                                ": sizes must be positive");
  }
  if (align_corners && half_pixel_centers) {
    throw std::invalid_argument("align_corners and half_pixel_centers cannot both be true");
  }
  // TF's CalculateResizeScale and HalfPixelScaler / LegacyScaler, in float.
  const float scale = (align_corners && out > 1) ? static_cast<float>(in - 1) / static_cast<float>(out - 1)
                                                 : static_cast<float>(in) / static_cast<float>(out);
  ResizeAxis a;
  a.lower.resize(out);
  a.upper.resize(out);
  a.lerp.resize(out);
  for (int64_t i = 0; i < out; ++i) {
    const float src = half_pixel_centers ? (static_cast<float>(i) + 0.5f) * scale - 0.5f : static_cast<float>(i) * scale;
    const float fl = std::floor(src);
    a.lower[i] = std::max<int64_t>(static_cast<int64_t>(fl), 0);
    a.upper[i] = std::min<int64_t>(static_cast<int64_t>(std::ceil(src)), in - 1);
    a.lerp[i] = src - fl;
  }
  return a;
}

at::Tensor resize_bilinear(const at::Tensor& x, int64_t out_h, int64_t out_w, bool align_corners,
                           bool half_pixel_centers) {
  TORCH_CHECK(x.dim() == 4, "ResizeBilinear needs a (N, H, W, C) tensor, got ", x.sizes());
  ResizeAxis r = resize_axis(x.size(1), out_h, align_corners, half_pixel_centers);
  ResizeAxis c = resize_axis(x.size(2), out_w, align_corners, half_pixel_centers);
  const auto index = [](std::vector<int64_t>& v) {
    return at::from_blob(v.data(), {static_cast<int64_t>(v.size())}, at::TensorOptions().dtype(at::kLong)).clone();
  };
  const auto weight = [](std::vector<float>& v, at::IntArrayRef shape) {
    return at::from_blob(v.data(), shape, at::TensorOptions().dtype(at::kFloat)).clone();
  };
  const at::Tensor xf = x.to(at::kFloat);
  const at::Tensor top_rows = xf.index_select(1, index(r.lower));
  const at::Tensor bottom_rows = xf.index_select(1, index(r.upper));
  const at::Tensor left = index(c.lower), right = index(c.upper);
  const at::Tensor dx = weight(c.lerp, {1, 1, out_w, 1});
  const at::Tensor dy = weight(r.lerp, {1, out_h, 1, 1});
  const at::Tensor tl = top_rows.index_select(2, left), tr = top_rows.index_select(2, right);
  const at::Tensor bl = bottom_rows.index_select(2, left), br = bottom_rows.index_select(2, right);
  const at::Tensor top = tl + (tr - tl) * dx;
  const at::Tensor bottom = bl + (br - bl) * dx;
  return top + (bottom - top) * dy;
}

}  // namespace dimp::backbones::tfjs
