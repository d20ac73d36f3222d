#include "losses/probabilistic_regression.h"

#include <cmath>

namespace dimp::losses {

at::Tensor kl_regression_mc(const at::Tensor& scores, const at::Tensor& sample_density, const at::Tensor& gt_density,
                            int64_t dim, double eps) {
  TORCH_CHECK(scores.sizes() == sample_density.sizes() && scores.sizes() == gt_density.sizes(),
              "kl_regression_mc: scores ", scores.sizes(), ", sample densities ", sample_density.sizes(),
              " and ground-truth densities ", gt_density.sizes(), " must have one shape");
  const at::Tensor q = sample_density + eps;
  const double n = static_cast<double>(scores.size(dim));
  const at::Tensor log_z = at::logsumexp(scores - q.log(), dim) - std::log(n);
  return (log_z - (scores * (gt_density / q)).mean(dim)).mean();
}

at::Tensor ml_regression_mc(const at::Tensor& scores, const at::Tensor& sample_density, double eps) {
  TORCH_CHECK(scores.dim() >= 2 && scores.sizes() == sample_density.sizes() && scores.size(1) >= 2,
              "ml_regression_mc: scores and sample densities must share a shape with the ground truth and >= 1 "
              "proposal along dim 1, got ", scores.sizes(), " and ", sample_density.sizes());
  const int64_t n = scores.size(1) - 1;
  const at::Tensor proposals = scores.narrow(1, 1, n), q = sample_density.narrow(1, 1, n) + eps;
  const at::Tensor log_z = at::logsumexp(proposals - q.log(), 1) - std::log(static_cast<double>(n));
  return (log_z - scores.select(1, 0)).mean();
}

at::Tensor kl_regression_grid(const at::Tensor& scores, const at::Tensor& gt_density, std::vector<int64_t> dims,
                              double grid_scale) {
  TORCH_CHECK(scores.sizes() == gt_density.sizes(), "kl_regression_grid: scores ", scores.sizes(),
              " and ground-truth densities ", gt_density.sizes(), " must have one shape");
  TORCH_CHECK(grid_scale > 0, "kl_regression_grid: grid_scale must be positive, got ", grid_scale);
  const at::Tensor log_z = at::logsumexp(scores, dims) + std::log(grid_scale);
  return (log_z - grid_scale * (scores * gt_density).sum(dims)).mean();
}

}  // namespace dimp::losses
