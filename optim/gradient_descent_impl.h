// optim/gradient_descent_impl.h — member definitions of GradientDescent (see
// steepest_descent_impl.h for the instantiation scheme).
#pragma once

#include <cmath>

#include "optim/gradient_descent.h"
#include "optim/objective.h"

namespace dimp::optim {

template <class Loss_>
GradientDescent<Loss_>::GradientDescent(Loss_ loss, GradientDescentOptions options)
    : loss_(std::move(loss)), options_(std::move(options)) {
  TORCH_CHECK(options_.num_iter >= 0, "GradientDescent: num_iter must be >= 0, got ", options_.num_iter);
  TORCH_CHECK(options_.step_length > 0, "GradientDescent: step_length must be positive, got ", options_.step_length);
  TORCH_CHECK(options_.coefficient_shape.empty() || options_.coefficient_shape.size() == 3,
              "GradientDescent: coefficient_shape must be empty or (C, kh, kw)");
  const std::vector<int64_t> shape = options_.coefficient_shape.empty() ? std::vector<int64_t>{1}
                                                                        : options_.coefficient_shape;
  log_step_length = at::full(shape, std::log(options_.step_length), at::kFloat);
}

template <class Loss_>
OptimizerResult GradientDescent<Loss_>::run(const at::Tensor& filter0, const TrainingSet& set, int num_iter) const {
  if (num_iter < 0) num_iter = options_.num_iter;
  TORCH_CHECK(filter0.defined() && filter0.dim() == 4, "GradientDescent: filter must be (sequences, C, kh, kw)");
  if (!options_.coefficient_shape.empty()) {
    TORCH_CHECK(filter0.sizes().slice(1) == at::IntArrayRef(options_.coefficient_shape),
                "GradientDescent: coefficient-wise steps of shape ", at::IntArrayRef(options_.coefficient_shape),
                " do not fit a filter of shape ", filter0.sizes());
  }
  const Objective<Loss_> obj(loss_, set, {filter0.size(2), filter0.size(3)}, options_.backend);
  const at::Tensor alpha = log_step_length.to(set.features.options()).exp();

  OptimizerResult out;
  at::Tensor f = filter0;
  out.iterates.push_back(f);
  at::Tensor s = obj.scores(f);
  for (int i = 0; i < num_iter; ++i) {
    auto [r, dr] = obj.residuals(s);
    if (options_.compute_losses) out.losses.push_back(obj.value(r, f));
    at::Tensor step = alpha * obj.half_gradient(r, dr, f);
    f = f - step;
    s = s - obj.scores(step);
    out.iterates.push_back(f);
  }
  if (options_.compute_losses) out.losses.push_back(obj.value(obj.residuals(s).first, f));
  out.filter = f;
  return out;
}

}  // namespace dimp::optim
