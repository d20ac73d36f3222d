// losses/hinge_loss.h — the fixed hinge regression error of eq. 8:
//
//   r(s, z) = s − z        where the Gaussian label z > T   (target region)
//           = max(0, s)    where z <= T                     (background)
//
// i.e. eq. 2 with m = [z > T], y = z·m, v = 1, and a fixed λ. Used online by the weight-free
// tracker and offline as the classification loss of eq. 9.
#pragma once

#include <ATen/ATen.h>

#include "losses/residual.h"

namespace dimp::losses {

// HingeLossOptions: label width, threshold and regularisation.
struct HingeLossOptions {
  double sigma = 1.0;           // Gaussian label σ, in score cells
  double threshold = 0.05;      // T: label values above it are target
  double regularization = 1e-2;  // λ
};

class HingeLoss : public MaskedResidualLoss {
 public:
  explicit HingeLoss(HingeLossOptions options = {});
  ResidualMaps maps(const at::Tensor& centers, int64_t out_h, int64_t out_w) const;
  at::Tensor regularization() const;
  const HingeLossOptions& options() const { return options_; }

 private:
  HingeLossOptions options_;
};

}  // namespace dimp::losses
