// losses/learned_loss.h — the learned discriminative loss of §3.1 and §3.4.
//
// Label y_c, target mask m_c (through a sigmoid) and spatial weight v_c are radial functions
// of the distance to the target centre, each sum_k phi_k rho_k(||t − c||) over N triangular
// bases with knot displacement Δ (eqs. 6, 7); λ is learned too. Initialisation (§3.4):
// y = Gaussian (minus its minimum), v = 1, m = sigmoid(mask_init_factor·tanh(2 − d)).
//
//   dimp::losses::LearnedLoss loss({/*num_bins=*/100, /*displacement=*/0.1});
//   auto maps = loss.maps(centers, 19, 19);
//
// Parameters are plain tensors (requires_grad when learnable); the network modules register
// them under the reference's names (see parameters()).
#pragma once

#include <ATen/ATen.h>

#include <string>
#include <utility>
#include <vector>

#include "losses/residual.h"

namespace dimp::losses {

// LearnedLossOptions: shape and initialisation of the learned loss.
struct LearnedLossOptions {
  int64_t num_bins = 100;         // N radial basis functions
  double displacement = 0.1;      // Δ, knot spacing in score cells
  double init_gauss_sigma = 1.0;  // σ of the initial label, in cells
  double mask_init_factor = 4.0;  // scale of the initial tanh mask
  double init_filter_reg = 1e-2;  // initial λ parameter (λ used = max(p², min_filter_reg²))
  double min_filter_reg = 1e-3;   // floor of the regularisation parameter
};

class LearnedLoss : public MaskedResidualLoss {
 public:
  explicit LearnedLoss(LearnedLossOptions options = {});

  ResidualMaps maps(const at::Tensor& centers, int64_t out_h, int64_t out_w) const;
  at::Tensor regularization() const;

  // Learnable coefficients (num_bins) and the regularisation parameter (1).
  at::Tensor label_coeffs, mask_coeffs, weight_coeffs, filter_reg;

  // parameters: name -> tensor, named as in the reference's optimizer module
  // (label_map_predictor.weight etc. are (1, N, 1, 1) views of the coefficients).
  std::vector<std::pair<std::string, at::Tensor>> parameters() const;
  // set_requires_grad: make every coefficient learnable (or not).
  void set_requires_grad(bool on);

  const LearnedLossOptions& options() const { return options_; }

 private:
  LearnedLossOptions options_;
};

}  // namespace dimp::losses
