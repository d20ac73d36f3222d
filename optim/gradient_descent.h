// optim/gradient_descent.h — gradient descent on the discriminative loss with a fixed or
// learned step (eq. 3), the baseline of the paper's Table 1.
//
// f <- f − α ⊙ ∇L(f)/2, with α = exp(log_step_length): one scalar, or one step per filter
// coefficient (C x kh x kw, "coefficient-wise", as the paper's GD variant learns it).
//
//   GradientDescent<losses::HingeLoss> gd(losses::HingeLoss{}, {/*num_iter=*/5, /*step=*/0.5});
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

// GradientDescentOptions: iteration count and the step.
struct GradientDescentOptions {
  int num_iter = 5;            // default iterations of run()
  double step_length = 1.0;    // initial α (learned as log α)
  // Non-empty: one step per filter coefficient, of this (C, kh, kw) shape.
  std::vector<int64_t> coefficient_shape;
  bool compute_losses = true;  // fill OptimizerResult::losses
  FilterBackend backend = FilterBackend::kAuto;
};

// GradientDescent: Loss_ models the loss concept of losses/loss_concept.h.
template <class Loss_>
class GradientDescent {
  static_assert(losses::is_loss_v<Loss_>,
                "GradientDescent<Loss_>: Loss_ must provide maps(), residual(), residual_derivative() and "
                "regularization(); see losses/loss_concept.h");

 public:
  explicit GradientDescent(Loss_ loss, GradientDescentOptions options = {});

  OptimizerResult run(const at::Tensor& filter, const TrainingSet& set, int num_iter = -1) const;

  Loss_& loss() { return loss_; }
  const Loss_& loss() const { return loss_; }
  const GradientDescentOptions& options() const { return options_; }

  at::Tensor log_step_length;  // (1) or (C, kh, kw)

  std::vector<std::pair<std::string, at::Tensor>> parameters() const { return {{"log_step_length", log_step_length}}; }

 private:
  Loss_ loss_;
  GradientDescentOptions options_;
};

}  // namespace dimp::optim

namespace dimp::optim {
extern template class GradientDescent<losses::LearnedLoss>;
extern template class GradientDescent<losses::HingeLoss>;
extern template class GradientDescent<losses::LeastSquaresLoss>;
}  // namespace dimp::optim
