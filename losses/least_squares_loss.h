// losses/least_squares_loss.h — plain least squares against a Gaussian label: r = s − z.
// The residual is linear in the filter, so steepest descent's Gauss-Newton step is the exact
// line minimiser (the tests check this).
#pragma once

#include <ATen/ATen.h>

#include "losses/residual.h"

namespace dimp::losses {

// LeastSquaresLossOptions: label width and regularisation.
struct LeastSquaresLossOptions {
  double sigma = 1.0;            // Gaussian label σ, in score cells
  double regularization = 1e-2;  // λ
};

class LeastSquaresLoss : public MaskedResidualLoss {
 public:
  explicit LeastSquaresLoss(LeastSquaresLossOptions options = {});
  ResidualMaps maps(const at::Tensor& centers, int64_t out_h, int64_t out_w) const;
  at::Tensor regularization() const;
  const LeastSquaresLossOptions& options() const { return options_; }

 private:
  LeastSquaresLossOptions options_;
};

}  // namespace dimp::losses
