// optim/steepest_descent_impl.h — member definitions of SteepestDescentGN. Included by
// steepest_descent.cc (the shipped losses) and by code instantiating it with its own loss.
#pragma once

#include <cmath>

#include "optim/objective.h"
#include "optim/steepest_descent.h"

namespace dimp::optim {

template <class Loss_>
SteepestDescentGN<Loss_>::SteepestDescentGN(Loss_ loss, SteepestDescentOptions options)
    : loss_(std::move(loss)), options_(options) {
  TORCH_CHECK(options.num_iter >= 0, "SteepestDescentGN: num_iter must be >= 0, got ", options.num_iter);
  TORCH_CHECK(options.init_step_length > 0, "SteepestDescentGN: init_step_length must be positive");
  log_step_length = at::full({1}, std::log(options.init_step_length), at::kFloat);
}

template <class Loss_>
OptimizerResult SteepestDescentGN<Loss_>::run(const at::Tensor& filter0, const TrainingSet& set, int num_iter) const {
  if (num_iter < 0) num_iter = options_.num_iter;
  TORCH_CHECK(filter0.defined() && filter0.dim() == 4, "SteepestDescentGN: filter must be (sequences, C, kh, kw)");
  const Objective<Loss_> obj(loss_, set, {filter0.size(2), filter0.size(3)}, options_.backend);
  const auto& opts = set.features.options();
  const at::Tensor gamma = log_step_length.to(opts).exp();
  const int64_t S = filter0.size(0);

  OptimizerResult out;
  at::Tensor f = filter0;
  out.iterates.push_back(f);
  at::Tensor s = obj.scores(f);
  for (int i = 0; i < num_iter; ++i) {
    auto [r, dr] = obj.residuals(s);
    if (options_.compute_losses) out.losses.push_back(obj.value(r, f));
    at::Tensor g = obj.half_gradient(r, dr, f);
    at::Tensor sg = obj.scores(g);  // x * g: the scores' change per unit step
    at::Tensor h = dr * sg;         // J g
    at::Tensor gg = (g * g).sum({1, 2, 3});  // per sequence
    at::Tensor hh = (h * h).sum({0, 2, 3});
    at::Tensor alpha = gg / (hh + (obj.reg + options_.alpha_eps) * gg).clamp_min(1e-8);
    at::Tensor step = gamma * alpha;  // (S)
    f = f - step.view({S, 1, 1, 1}) * g;
    s = s - step.view({1, S, 1, 1}) * sg;
    out.iterates.push_back(f);
  }
  if (options_.compute_losses) out.losses.push_back(obj.value(obj.residuals(s).first, f));
  out.filter = f;
  return out;
}

}  // namespace dimp::optim
