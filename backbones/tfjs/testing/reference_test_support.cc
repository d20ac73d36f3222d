#include "backbones/tfjs/testing/reference_test_support.h"

#include <ATen/ops/upsample_bilinear2d.h>

#include <algorithm>
#include <cmath>

#include "data/cv/image_io.h"

namespace dimp::backbones::tfjs {

at::Tensor synthetic_image(int64_t h, int64_t w) {
  const auto opts = at::TensorOptions().dtype(at::kFloat);
  const at::Tensor y = at::arange(h, opts).view({h, 1}) / static_cast<double>(h);
  const at::Tensor x = at::arange(w, opts).view({1, w}) / static_cast<double>(w);
  at::Tensor r = 128 + 90 * at::sin(6.0 * x + 2.0 * y);
  at::Tensor g = 120 + 80 * at::cos(4.0 * y - 3.0 * x);
  at::Tensor b = 110 + 70 * at::sin(9.0 * x * y + 1.0);
  const at::Tensor texture = 20 * at::sin(157.0 * x) * at::cos(131.0 * y);
  auto paint = [&](const at::Tensor& mask, double rv, double gv, double bv) {
    r = at::where(mask, at::full_like(r, rv), r);
    g = at::where(mask, at::full_like(g, gv), g);
    b = at::where(mask, at::full_like(b, bv), b);
  };
  paint((x > 0.15) & (x < 0.35) & (y > 0.2) & (y < 0.7), 230, 40, 30);
  paint((x > 0.55) & (x < 0.9) & (y > 0.6) & (y < 0.8), 20, 60, 200);
  paint((x - 0.7).pow(2) + (y - 0.3).pow(2) < 0.015, 250, 240, 60);
  paint((x - 0.3).pow(2) + (y - 0.85).pow(2) < 0.006, 15, 15, 15);
  return at::stack({r + texture, g - texture, b + 0.5 * texture}, -1).clamp(0, 255).unsqueeze(0).contiguous();
}

at::Tensor scaled_frame(const std::string& path, int64_t h, int64_t w) {
  const at::Tensor rgb = data::load_image(path).to(at::kFloat).unsqueeze(0);  // (1, 3, H, W)
  return at::upsample_bilinear2d(rgb, {h, w}, false).permute({0, 2, 3, 1}).contiguous();
}

double expect_same_detections(const at::Tensor& ours_in, const at::Tensor& ref_in, double tol) {
  EXPECT_EQ(ours_in.sizes(), ref_in.sizes());
  if (ours_in.sizes() != ref_in.sizes()) return HUGE_VAL;
  const at::Tensor ours = ours_in.reshape({-1, 6}).to(at::kDouble).contiguous();
  const at::Tensor ref = ref_in.reshape({-1, 6}).to(at::kDouble).contiguous();
  const int64_t k = ours.size(0);
  const double top = std::max(ref.select(1, 4).abs().max().item<double>(), 1e-12);
  const double last = ref[k - 1][4].item<double>();
  auto row_error = [&](int64_t i, int64_t j) -> double {
    if (ours[i][5].item<double>() != ref[j][5].item<double>()) return HUGE_VAL;
    const double box = (ours[i].narrow(0, 0, 4) - ref[j].narrow(0, 0, 4)).abs().max().item<double>() / 512.0;
    const double score = std::abs(ours[i][4].item<double>() - ref[j][4].item<double>()) / top;
    return std::max(box, score);
  };
  double worst = 0;
  for (int64_t i = 0; i < k; ++i) {
    double best = row_error(i, i);
    for (int64_t j = 0; j < k && best > tol; ++j) {
      if (std::abs(ref[j][4].item<double>() - ours[i][4].item<double>()) <= tol * top) best = std::min(best, row_error(i, j));
    }
    if (best > tol && std::abs(ours[i][4].item<double>() - last) <= tol * top) continue;  // top-k's boundary
    EXPECT_LE(best, tol) << "detection " << i << " (score " << ours[i][4].item<double>() << ", class "
                         << ours[i][5].item<double>() << ") has no match in the reference";
    worst = std::max(worst, best);
  }
  const double scores = (ours.select(1, 4) - ref.select(1, 4)).abs().max().item<double>() / top;
  EXPECT_LE(scores, tol) << "the sorted scores differ";
  return std::max(worst, scores);
}

}  // namespace dimp::backbones::tfjs
