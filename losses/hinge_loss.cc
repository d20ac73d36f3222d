#include "losses/hinge_loss.h"

#include "losses/distance_map.h"

namespace dimp::losses {

HingeLoss::HingeLoss(HingeLossOptions o) : options_(o) {
  TORCH_CHECK(o.sigma > 0, "HingeLoss: sigma must be positive, got ", o.sigma);
  TORCH_CHECK(o.regularization >= 0, "HingeLoss: regularization must be >= 0, got ", o.regularization);
}

ResidualMaps HingeLoss::maps(const at::Tensor& centers, int64_t out_h, int64_t out_w) const {
  auto z = gaussian_label(distance_map(centers, out_h, out_w), options_.sigma);
  ResidualMaps m;
  m.mask = (z > options_.threshold).to(z.scalar_type());
  m.label = z * m.mask;
  return m;
}

at::Tensor HingeLoss::regularization() const { return at::scalar_tensor(options_.regularization, at::kFloat); }

}  // namespace dimp::losses
