#include "losses/kl_loss.h"

#include <cmath>

#include "losses/distance_map.h"

namespace dimp::losses {

KLDivergenceLoss::KLDivergenceLoss(KLDivergenceLossOptions o) : options_(o) {
  TORCH_CHECK(o.sigma > 0, "KLDivergenceLoss: sigma must be positive, got ", o.sigma);
  TORCH_CHECK(o.min_filter_reg >= 0, "KLDivergenceLoss: min_filter_reg must be >= 0, got ", o.min_filter_reg);
  TORCH_CHECK(o.uniform_weight >= 0 && o.uniform_weight <= 1, "KLDivergenceLoss: uniform_weight must lie in [0, 1], got ",
              o.uniform_weight);
  TORCH_CHECK(o.label_shrink >= 0 && o.label_shrink < 1, "KLDivergenceLoss: label_shrink must lie in [0, 1), got ",
              o.label_shrink);
  filter_reg = at::full({1}, o.init_filter_reg, at::kFloat);
}

ResidualMaps KLDivergenceLoss::maps(const at::Tensor& centers, int64_t out_h, int64_t out_w) const {
  const double s2 = options_.sigma * options_.sigma;
  // The 2-D Gaussian density at the cell centres (not normalised on the grid unless asked).
  at::Tensor p = gaussian_label(distance_map(centers, out_h, out_w), options_.sigma) / (2 * M_PI * s2);
  if (options_.label_threshold > 0) p = p * p.gt(options_.label_threshold).to(p.scalar_type());
  if (options_.normalize) p = p / (p.sum({-2, -1}, true) + 1e-8);
  const double cells = static_cast<double>(out_h * out_w);
  p = (1 - options_.label_shrink) * ((1 - options_.uniform_weight) * p + options_.uniform_weight / cells);
  ResidualMaps m;
  m.label = p;
  return m;
}

at::Tensor KLDivergenceLoss::softmax(const at::Tensor& scores) {
  return at::softmax(scores.flatten(-2), -1).view_as(scores);
}

at::Tensor KLDivergenceLoss::sample_losses(const at::Tensor& scores, const ResidualMaps& maps) const {
  return at::logsumexp(scores.flatten(-2), -1) - (maps.label * scores).sum({-2, -1});
}

at::Tensor KLDivergenceLoss::score_gradient(const at::Tensor& scores, const ResidualMaps& maps) const {
  return softmax(scores) - maps.label;
}

at::Tensor KLDivergenceLoss::hessian_product(const at::Tensor& probs, const at::Tensor& v) {
  const at::Tensor pv = probs * v;
  return pv - probs * pv.sum({-2, -1}, true);
}

at::Tensor KLDivergenceLoss::regularization() const {
  const double m = options_.min_filter_reg;
  return (filter_reg * filter_reg).clamp_min(m * m).squeeze(0);
}

}  // namespace dimp::losses
