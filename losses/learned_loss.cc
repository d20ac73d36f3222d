#include "losses/learned_loss.h"

#include <cmath>

#include "losses/distance_map.h"

namespace dimp::losses {

LearnedLoss::LearnedLoss(LearnedLossOptions o) : options_(o) {
  TORCH_CHECK(o.num_bins >= 2, "LearnedLoss: num_bins must be >= 2, got ", o.num_bins);
  TORCH_CHECK(o.displacement > 0, "LearnedLoss: displacement must be positive, got ", o.displacement);
  TORCH_CHECK(o.init_gauss_sigma >= 0, "LearnedLoss: init_gauss_sigma must be >= 0");
  auto d = at::arange(o.num_bins, at::kFloat) * o.displacement;  // knot distances
  at::Tensor gauss;
  if (o.init_gauss_sigma == 0) {
    gauss = at::zeros_like(d);
    gauss[0] = 1;
  } else {
    gauss = at::exp(-0.5 * (d / o.init_gauss_sigma).pow(2));
  }
  label_coeffs = gauss - gauss.min();
  mask_coeffs = o.mask_init_factor * at::tanh(2.0 - d);
  weight_coeffs = at::ones_like(d);
  filter_reg = at::full({1}, o.init_filter_reg, at::kFloat);
}

ResidualMaps LearnedLoss::maps(const at::Tensor& centers, int64_t out_h, int64_t out_w) const {
  auto dist = distance_map(centers.to(label_coeffs.scalar_type()), out_h, out_w);
  auto dev = dist.device();
  ResidualMaps m;
  m.label = radial_function(dist, label_coeffs.to(dev), options_.displacement);
  m.mask = at::sigmoid(radial_function(dist, mask_coeffs.to(dev), options_.displacement));
  m.weight = radial_function(dist, weight_coeffs.to(dev), options_.displacement);
  return m;
}

at::Tensor LearnedLoss::regularization() const {
  return (filter_reg * filter_reg).clamp_min(options_.min_filter_reg * options_.min_filter_reg).squeeze();
}

std::vector<std::pair<std::string, at::Tensor>> LearnedLoss::parameters() const {
  const int64_t n = options_.num_bins;
  return {{"label_map_predictor.weight", label_coeffs.view({1, n, 1, 1})},
          {"target_mask_predictor.0.weight", mask_coeffs.view({1, n, 1, 1})},
          {"spatial_weight_predictor.weight", weight_coeffs.view({1, n, 1, 1})},
          {"filter_reg", filter_reg}};
}

void LearnedLoss::set_requires_grad(bool on) {
  for (at::Tensor* t : {&label_coeffs, &mask_coeffs, &weight_coeffs, &filter_reg}) t->requires_grad_(on);
}

}  // namespace dimp::losses
