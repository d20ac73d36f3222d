// optim/steepest_descent.h — steepest descent with the Gauss-Newton step length (Alg. 1).
//
// Each iteration takes g = ∇L(f)/2, maps it with the residuals' Jacobian (h = J g) and steps
// f <- f − γ·α·g with α = ||g||² / (||h||² + (λ + ε)||g||²) (eq. 5 with Q = JᵀJ), per
// sequence; γ = exp(log_step_length) is learnable. Scores are updated by linearity
// (x*(f − αg) = x*f − α·x*g), so one iteration costs one filter apply and one transpose.
//
// Differentiable when autograd is on (training back-propagates through every iterate, eq. 9);
// under at::NoGradGuard it is the fast online path.
//
//   SteepestDescentGN<losses::HingeLoss> sd(losses::HingeLoss{}, {/*num_iter=*/10});
//   auto result = sd.run(f0, set);
#pragma once

#include <ATen/ATen.h>

#include <string>
#include <utility>
#include <vector>

#include "losses/hinge_loss.h"
#include "losses/learned_loss.h"
#include "losses/least_squares_loss.h"
#include "losses/loss_concept.h"
#include "optim/filter_ops.h"
#include "optim/training_set.h"

namespace dimp::optim {

// SteepestDescentOptions: iteration count and step rule settings.
struct SteepestDescentOptions {
  int num_iter = 5;               // default iterations of run()
  double init_step_length = 1.0;  // initial γ (learned as log γ)
  double alpha_eps = 0.0;         // ε added to λ in the step's denominator
  bool compute_losses = true;     // fill OptimizerResult::losses
  FilterBackend backend = FilterBackend::kAuto;
};

// SteepestDescentGN: Loss_ models the loss concept of losses/loss_concept.h.
template <class Loss_>
class SteepestDescentGN {
  static_assert(losses::is_loss_v<Loss_>,
                "SteepestDescentGN<Loss_>: Loss_ must provide maps(), residual(), residual_derivative() and "
                "regularization(); see losses/loss_concept.h");

 public:
  explicit SteepestDescentGN(Loss_ loss, SteepestDescentOptions options = {});

  // run: num_iter steps from `filter` (sequences, C, kh, kw); num_iter < 0 uses the options'.
  OptimizerResult run(const at::Tensor& filter, const TrainingSet& set, int num_iter = -1) const;

  Loss_& loss() { return loss_; }
  const Loss_& loss() const { return loss_; }
  const SteepestDescentOptions& options() const { return options_; }

  at::Tensor log_step_length;  // (1)

  // parameters: the optimizer's own learnable tensors, named as in the reference.
  std::vector<std::pair<std::string, at::Tensor>> parameters() const { return {{"log_step_length", log_step_length}}; }

 private:
  Loss_ loss_;
  SteepestDescentOptions options_;
};

}  // namespace dimp::optim

namespace dimp::optim {
extern template class SteepestDescentGN<losses::LearnedLoss>;
extern template class SteepestDescentGN<losses::HingeLoss>;
extern template class SteepestDescentGN<losses::LeastSquaresLoss>;
}  // namespace dimp::optim
