#include "losses/distance_map.h"

#include <cmath>

namespace dimp::losses {

at::Tensor distance_map(const at::Tensor& centers, int64_t out_h, int64_t out_w) {
  TORCH_CHECK(centers.dim() == 3 && centers.size(2) == 2, "distance_map: centres must be (images, sequences, 2), got ",
              centers.sizes());
  TORCH_CHECK(out_h > 0 && out_w > 0, "distance_map: output size must be positive");
  auto opts = centers.options();
  auto xs = at::arange(out_w, opts).view({1, 1, 1, out_w});
  auto ys = at::arange(out_h, opts).view({1, 1, out_h, 1});
  auto dx = xs - centers.select(2, 0).unsqueeze(-1).unsqueeze(-1);
  auto dy = ys - centers.select(2, 1).unsqueeze(-1).unsqueeze(-1);
  return (dx * dx + dy * dy).sqrt();
}

at::Tensor triangular_basis(const at::Tensor& dist, int64_t num_bins, double displacement) {
  TORCH_CHECK(num_bins >= 1 && displacement > 0, "triangular_basis: need num_bins >= 1 and displacement > 0");
  auto k = at::arange(num_bins, dist.options());
  auto diff = dist.unsqueeze(-1) / displacement - k;  // (d − kΔ)/Δ
  auto inner = (1 - diff.abs()).clamp_min(0);
  auto last = (1 + diff).clamp(0, 1);
  auto is_last = (k == num_bins - 1);
  return at::where(is_last, last, inner);
}

at::Tensor radial_function(const at::Tensor& dist, const at::Tensor& coeffs, double displacement) {
  TORCH_CHECK(coeffs.dim() == 1 && coeffs.size(0) >= 1, "radial_function: coefficients must be (num_bins), got ",
              coeffs.sizes());
  TORCH_CHECK(displacement > 0, "radial_function: displacement must be positive");
  const int64_t n = coeffs.size(0);
  if (n == 1) return coeffs.expand(dist.sizes()).clone();
  auto t = (dist.detach() / displacement).clamp_min(0);
  auto idx = t.floor().clamp_max(n - 2);
  auto frac = (dist / displacement - idx).clamp(0, 1);  // differentiable in dist
  auto i0 = idx.to(at::kLong).flatten();
  auto c0 = coeffs.index_select(0, i0).view(dist.sizes());
  auto c1 = coeffs.index_select(0, i0 + 1).view(dist.sizes());
  return c0 + frac * (c1 - c0);
}

at::Tensor gaussian_label(const at::Tensor& dist, double sigma) {
  TORCH_CHECK(sigma > 0, "gaussian_label: sigma must be positive, got ", sigma);
  return at::exp(-0.5 * (dist * dist) / (sigma * sigma));
}

}  // namespace dimp::losses
