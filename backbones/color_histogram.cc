#include "backbones/color_histogram.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>

namespace dimp::backbones {
namespace {

inline int64_t quantize(float v, float bins_per_level, int64_t bins) {
  const auto q = static_cast<int64_t>(v * bins_per_level);
  return std::clamp<int64_t>(q, 0, bins - 1);
}

}  // namespace

ColorHistogram::ColorHistogram(int64_t bins_per_channel) : bins_(bins_per_channel) {
  TORCH_CHECK(bins_ >= 2 && bins_ <= 64, "ColorHistogram: bins per channel must be in [2, 64], got ", bins_);
}

void ColorHistogram::check(const at::Tensor& patches, const char* what) const {
  TORCH_CHECK(patches.dim() == 4 && patches.size(1) == 3 && patches.scalar_type() == at::kFloat,
              "ColorHistogram::", what, ": float (B, 3, H, W) RGB patches expected, got ", patches.toString(), " ",
              patches.sizes());
}

at::Tensor ColorHistogram::bin_index(const at::Tensor& rgb) const {
  auto q = (rgb * (static_cast<double>(bins_) / 256.0)).floor().clamp(0, static_cast<double>(bins_ - 1)).to(at::kLong);
  return (q.select(1, 0) * bins_ + q.select(1, 1)) * bins_ + q.select(1, 2);
}

void ColorHistogram::fit(const at::Tensor& patch_in, const at::Tensor& box) {
  const at::Tensor patch = patch_in.dim() == 3 ? patch_in.unsqueeze(0) : patch_in;
  check(patch, "fit");
  TORCH_CHECK(patch.size(0) == 1, "ColorHistogram::fit: one patch expected, got ", patch.size(0));
  TORCH_CHECK(box.numel() == 4, "ColorHistogram::fit: box must hold (x, y, w, h), got ", box.sizes());
  const auto b = box.to(at::kCPU, at::kDouble).contiguous();
  const double* p = b.data_ptr<double>();
  TORCH_CHECK(std::isfinite(p[0]) && std::isfinite(p[1]) && p[2] > 0 && p[3] > 0,
              "ColorHistogram::fit: box must be finite with positive size, got ", b);
  const int64_t H = patch.size(2), W = patch.size(3);
  // Pixel (x, y) is inside when its centre is.
  auto xs = at::arange(W, patch.options()) + 0.5, ys = at::arange(H, patch.options()) + 0.5;
  auto inside = (ys.ge(p[1]) & ys.lt(p[1] + p[3])).view({H, 1}) & (xs.ge(p[0]) & xs.lt(p[0] + p[2])).view({1, W});
  const int64_t n = bins_ * bins_ * bins_;
  auto idx = bin_index(patch)[0];
  auto fg = at::bincount(idx.masked_select(inside), {}, n).to(at::kDouble);
  auto bg = at::bincount(idx.masked_select(inside.logical_not()), {}, n).to(at::kDouble);
  const double nf = fg.sum().item<double>(), nb = bg.sum().item<double>();
  TORCH_CHECK(nf > 0, "ColorHistogram::fit: the box ", b, " covers no pixel of the ", W, "x", H, " patch");
  // Densities per region, so that the target's share of the patch does not bias P.
  auto rf = fg / nf, rb = nb > 0 ? bg / nb : at::zeros_like(bg);
  auto sum = rf + rb;
  table_ = at::where(sum.gt(0), rf / sum.clamp_min(1e-300), at::full_like(sum, 0.5)).to(at::kFloat).to(patch.device());
}

at::Tensor ColorHistogram::likelihood(const at::Tensor& patches) const {
  TORCH_CHECK(fitted(), "ColorHistogram::likelihood: fit() the target's colours first");
  check(patches, "likelihood");
  return table_.take(bin_index(patches)).unsqueeze(1);
}

at::Tensor ColorHistogram::cell_likelihood(const at::Tensor& patches, int64_t cell) const {
  TORCH_CHECK(fitted(), "ColorHistogram::cell_likelihood: fit() the target's colours first");
  check(patches, "cell_likelihood");
  TORCH_CHECK(cell >= 1 && patches.size(2) % cell == 0 && patches.size(3) % cell == 0,
              "ColorHistogram::cell_likelihood: patch size ", patches.size(2), "x", patches.size(3),
              " is not a multiple of the cell size ", cell);
  if (!patches.is_cpu()) return at::avg_pool2d(likelihood(patches), {cell, cell}, {cell, cell});
  const auto x = patches.contiguous();
  const int64_t B = x.size(0), H = x.size(2), W = x.size(3), h = H / cell, w = W / cell, plane = H * W;
  auto out = at::zeros({B, 1, h, w}, x.options());
  const float* px = x.data_ptr<float>();
  const float* table = table_.data_ptr<float>();
  float* po = out.data_ptr<float>();
  const float per_level = static_cast<float>(bins_) / 256.0f, inv_area = 1.0f / static_cast<float>(cell * cell);
  const int64_t bins = bins_;
  at::parallel_for(0, B * h, 1, [&](int64_t begin, int64_t end) {
    for (int64_t row = begin; row < end; ++row) {  // one row of cells
      const int64_t b = row / h, cy = row % h;
      const float* r = px + b * 3 * plane;
      const float *g = r + plane, *bl = g + plane;
      float* o = po + b * h * w + cy * w;
      for (int64_t y = cy * cell; y < (cy + 1) * cell; ++y) {
        for (int64_t xx = 0; xx < W; ++xx) {
          const int64_t i = y * W + xx;
          const int64_t k = (quantize(r[i], per_level, bins) * bins + quantize(g[i], per_level, bins)) * bins +
                            quantize(bl[i], per_level, bins);
          o[xx / cell] += table[k] * inv_area;
        }
      }
    }
  });
  return out;
}

}  // namespace dimp::backbones
