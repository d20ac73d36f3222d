#include "backbones/handcrafted_features.h"

#include <cmath>
#include <tuple>

namespace dimp::backbones {

HandcraftedFeatures::HandcraftedFeatures(HandcraftedFeaturesOptions o) : options_(o) {
  TORCH_CHECK(o.cell_size >= 1, "HandcraftedFeatures: cell_size must be >= 1");
  TORCH_CHECK(o.orientations >= 0, "HandcraftedFeatures: orientations must be >= 0");
  TORCH_CHECK(o.orientations > 0 || o.color, "HandcraftedFeatures: no channels selected");
}

ExtractedFeatures HandcraftedFeatures::extract(const at::Tensor& patches) const {
  TORCH_CHECK(patches.dim() == 4 && patches.size(1) == 3, "HandcraftedFeatures: patches must be (B, 3, H, W), got ",
              patches.sizes());
  const int64_t c = options_.cell_size;
  TORCH_CHECK(patches.size(2) % c == 0 && patches.size(3) % c == 0, "HandcraftedFeatures: patch size ",
              patches.size(2), "x", patches.size(3), " is not a multiple of the cell size ", c);
  auto rgb = patches.to(at::kFloat) / 255.0;
  std::vector<at::Tensor> parts;
  if (options_.orientations > 0) {
    const int64_t nb = options_.orientations;
    const int64_t ns = options_.signed_orientations ? 2 * nb : nb;
    const int64_t B = rgb.size(0), C = rgb.size(1), H = rgb.size(2), W = rgb.size(3);
    // Central differences (replicated border) of each colour channel, both axes in one conv;
    // per pixel the channel with the strongest gradient is kept.
    auto kernel = at::zeros({2, 1, 3, 3}, rgb.options());
    kernel[0][0][1][0] = -0.5;
    kernel[0][0][1][2] = 0.5;
    kernel[1][0][0][1] = -0.5;
    kernel[1][0][2][1] = 0.5;
    auto grad = at::conv2d(at::replication_pad2d(rgb.reshape({B * C, 1, H, W}), {1, 1, 1, 1}), kernel)
                    .view({B, C, 2, H, W});
    auto mag2 = grad.pow(2).sum(2);                        // (B, C, H, W)
    auto best = std::get<1>(mag2.max(1, /*keepdim=*/true));  // (B, 1, H, W)
    auto g = grad.gather(1, best.unsqueeze(2).expand({B, 1, 2, H, W})).squeeze(1);  // (B, 2, H, W)
    auto gx = g.narrow(1, 0, 1), gy = g.narrow(1, 1, 1);
    auto mag = (gx * gx + gy * gy).sqrt();
    // Orientation over [0, 2π) (signed) or [0, π), soft-assigned to the two nearest bins.
    const double period = options_.signed_orientations ? 2 * M_PI : M_PI;
    auto t = at::atan2(gy, gx).remainder(period) * (static_cast<double>(ns) / period);
    auto lower = t.floor();
    auto frac = t - lower;
    auto b0 = lower.to(at::kLong).remainder(ns), b1 = (b0 + 1).remainder(ns);
    auto hist = at::zeros({B, ns, H, W}, rgb.options());
    hist.scatter_add_(1, b0, mag * (1 - frac));
    hist.scatter_add_(1, b1, mag * frac);
    auto cells = at::avg_pool2d(hist, {c, c}, {c, c});     // (B, ns, h, w)
    auto unsigned_cells = options_.signed_orientations ? cells.narrow(1, 0, nb) + cells.narrow(1, nb, nb) : cells;
    // Normalise by the contrast-insensitive energy of the 3x3 block around each cell, clip.
    auto energy = (unsigned_cells * unsigned_cells).sum(1, true);
    auto block = at::avg_pool2d(energy, {3, 3}, {1, 1}, {1, 1}, false, /*count_include_pad=*/false);
    auto norm = (block * static_cast<double>(nb) + 1e-4).sqrt();
    if (options_.signed_orientations) parts.push_back((cells / norm).clamp_max(options_.clip));
    parts.push_back((unsigned_cells / norm).clamp_max(options_.clip));
    parts.push_back((energy / (block + 1e-4)).sqrt() * 0.2);  // texture energy (FHOG's last channels)
  }
  if (options_.color) {
    auto means = at::avg_pool2d(rgb, {c, c}, {c, c});
    auto r = means.narrow(1, 0, 1), g = means.narrow(1, 1, 1), b = means.narrow(1, 2, 1);
    const double s2 = std::sqrt(2.0), s6 = std::sqrt(6.0), s3 = std::sqrt(3.0);
    // Opponent colour: two chromatic channels and a centred intensity.
    parts.push_back((r - g) / s2);
    parts.push_back((r + g - 2 * b) / s6);
    parts.push_back((r + g + b) / s3 - 0.5 * s3);
  }
  auto x = at::cat(parts, 1);
  // Centre each channel over the patch and scale to unit RMS: removes the constant direction
  // that makes the filter's least-squares problem ill-conditioned (slow steepest descent).
  x = x - x.mean({2, 3}, true);
  x = x / (x.pow(2).mean({1, 2, 3}, true).sqrt() + 1e-6);
  return {x, {}};
}

}  // namespace dimp::backbones
