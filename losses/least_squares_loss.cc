#include "losses/least_squares_loss.h"

#include "losses/distance_map.h"

namespace dimp::losses {

LeastSquaresLoss::LeastSquaresLoss(LeastSquaresLossOptions o) : options_(o) {
  TORCH_CHECK(o.sigma > 0, "LeastSquaresLoss: sigma must be positive, got ", o.sigma);
  TORCH_CHECK(o.regularization >= 0, "LeastSquaresLoss: regularization must be >= 0");
}

ResidualMaps LeastSquaresLoss::maps(const at::Tensor& centers, int64_t out_h, int64_t out_w) const {
  ResidualMaps m;
  m.label = gaussian_label(distance_map(centers, out_h, out_w), options_.sigma);
  return m;
}

at::Tensor LeastSquaresLoss::regularization() const {
  return at::scalar_tensor(options_.regularization, at::kFloat);
}

}  // namespace dimp::losses
