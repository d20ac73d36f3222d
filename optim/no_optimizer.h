// optim/no_optimizer.h — the do-nothing optimizer policy: the model is the initializer's
// output (Table 1's "Init" row: target appearance only, no discriminative learning).
//
//   Tracker<..., optim::NoOptimizer, LinearFilterInitializer, ...>
#pragma once

#include <ATen/ATen.h>

#include <string>
#include <utility>
#include <vector>

#include "losses/loss_concept.h"
#include "optim/training_set.h"

namespace dimp::optim {

// NoOptimizerOptions: nothing to set; kept for a uniform construction interface.
struct NoOptimizerOptions {};

template <class Loss_>
class NoOptimizer {
  static_assert(losses::is_loss_v<Loss_>, "NoOptimizer<Loss_>: Loss_ must model losses/loss_concept.h");

 public:
  explicit NoOptimizer(Loss_ loss, NoOptimizerOptions = {}) : loss_(std::move(loss)) {}

  // run: returns `filter` unchanged (no iterations, no losses).
  OptimizerResult run(const at::Tensor& filter, const TrainingSet&, int = -1) const {
    OptimizerResult r;
    r.filter = filter;
    r.iterates.push_back(filter);
    return r;
  }
  Loss_& loss() { return loss_; }
  const Loss_& loss() const { return loss_; }
  std::vector<std::pair<std::string, at::Tensor>> parameters() const { return {}; }

 private:
  Loss_ loss_;
};

}  // namespace dimp::optim
