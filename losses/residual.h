// losses/residual.h — the residual function shared by every loss (eq. 2 of the paper):
//
//   r(s, c) = v_c · (m_c·s + (1 − m_c)·max(0, s) − y_c)
//
// with label y, target mask m in [0, 1] and spatial weight v, all maps over the score grid
// that depend on the target centre c. m = 1 gives least squares; m in {0, 1} the hinge of
// eq. 8. The residual is piecewise linear in s, so its derivative (the Gauss-Newton Jacobian
// of r w.r.t. the scores) is v·(m + (1 − m)·[s > 0]).
#pragma once

#include <ATen/ATen.h>

#include <cstdint>

namespace dimp::losses {

// ResidualMaps: per training sample, the maps the residual needs; (images, sequences, Ho, Wo).
// An undefined mask means m = 1 everywhere (least squares); an undefined weight means v = 1.
struct ResidualMaps {
  at::Tensor label;
  at::Tensor mask;
  at::Tensor weight;

  // select: the maps of the given images (dim 0), e.g. to update a sample memory.
  ResidualMaps index_images(const at::Tensor& index) const;
};

// masked_residual: r(s) above.
at::Tensor masked_residual(const at::Tensor& scores, const ResidualMaps& maps);

// masked_residual_derivative: dr/ds, elementwise (treated as a constant: its only
// dependence on s is through a step function).
at::Tensor masked_residual_derivative(const at::Tensor& scores, const ResidualMaps& maps);

// MaskedResidualLoss: the residual half of the loss policy (losses/loss_concept.h), which
// every loss of eq. 2 shares; a loss adds maps() and regularization().
struct MaskedResidualLoss {
  at::Tensor residual(const at::Tensor& scores, const ResidualMaps& maps) const {
    return masked_residual(scores, maps);
  }
  at::Tensor residual_derivative(const at::Tensor& scores, const ResidualMaps& maps) const {
    return masked_residual_derivative(scores, maps);
  }
};

}  // namespace dimp::losses
