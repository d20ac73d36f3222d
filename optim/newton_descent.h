// optim/newton_descent.h — PrDiMP's online optimizer: steepest descent on the KL objective
// (losses/kl_loss.h) with the step length of a Newton step along the gradient.
//
// Each iteration takes the gradient g = Σ_j w_j x_jᵀ(softmax(s_j) − p_j) + λf and steps
// f <- f − γ·α·g with α = ||g||² / (gᵀHg + (λ + ε)||g||²), where gᵀHg = Σ_j w_j (x_j*g)ᵀ H_j
// (x_j*g) uses the softmax Hessian H_j of each sample (clamped at 0), per sequence; γ =
// exp(log_step_length) is learnable. These are the equations of pytracking's
// PrDiMPSteepestDescentNewton; the loss reported per iterate is the one its gradient belongs
// to, Σ_j w_j KL_j + (λ/2)||f||², averaged over sequences.
//
// Differentiable when autograd is on (training back-propagates through every iterate); the
// features' gradient is fused over all filter ops (optim/filter_ops.h).
//
//   SteepestDescentNewton<losses::KLDivergenceLoss> sd(losses::KLDivergenceLoss{}, {/*num_iter=*/5});
//   auto result = sd.run(f0, {features, loss.maps(centers, 19, 19), weights});
#pragma once

#include <ATen/ATen.h>

#include <string>
#include <utility>
#include <vector>

#include "losses/kl_loss.h"
#include "optim/filter_ops.h"
#include "optim/steepest_descent.h"
#include "optim/training_set.h"

namespace dimp::optim {

// NewtonDescentOptions: iterations, initial γ, ε, losses, backend — steepest descent's.
using NewtonDescentOptions = SteepestDescentOptions;

template <class Loss_>
class SteepestDescentNewton {
  static_assert(losses::is_density_loss_v<Loss_>,
                "SteepestDescentNewton<Loss_>: Loss_ must provide sample_losses(), score_gradient(), "
                "hessian_product() and regularization(); see losses/kl_loss.h");

 public:
  explicit SteepestDescentNewton(Loss_ loss, NewtonDescentOptions options = {});

  // run: num_iter steps from `filter` (sequences, C, kh, kw); num_iter < 0 uses the options'.
  // set.maps.label holds the label densities; set.sample_weights (images) or (images,
  // sequences), undefined: 1/images each.
  OptimizerResult run(const at::Tensor& filter, const TrainingSet& set, int num_iter = -1) const;

  Loss_& loss() { return loss_; }
  const Loss_& loss() const { return loss_; }
  const NewtonDescentOptions& options() const { return options_; }

  at::Tensor log_step_length;  // (1)
  std::vector<std::pair<std::string, at::Tensor>> parameters() const { return {{"log_step_length", log_step_length}}; }

 private:
  Loss_ loss_;
  NewtonDescentOptions options_;
};

extern template class SteepestDescentNewton<losses::KLDivergenceLoss>;

}  // namespace dimp::optim
