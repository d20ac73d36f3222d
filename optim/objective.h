// optim/objective.h — the discriminative objective of eq. 1 on a training set, and its
// Gauss-Newton pieces, shared by the optimizers. Internal to optim/.
#pragma once

#include <ATen/ATen.h>

#include <cmath>
#include <utility>

#include "optim/filter_ops.h"
#include "optim/training_set.h"

namespace dimp::optim {

// sample_weights: (images, sequences, 1, 1) sample weights w_j (undefined in `set`: 1/images
// each), or their square roots (the residual losses weigh residuals by sqrt(w_j)).
inline at::Tensor sample_weights(const TrainingSet& set, bool square_root) {
  const auto& f = set.features;
  const int64_t n = f.size(0), s = f.dim() == 5 ? f.size(1) : 1;
  if (!set.sample_weights.defined()) {
    const double w = 1.0 / static_cast<double>(n);
    return at::full({n, s, 1, 1}, square_root ? std::sqrt(w) : w, f.options());
  }
  const auto& w = set.sample_weights;
  TORCH_CHECK((w.dim() == 1 && w.size(0) == n) || (w.dim() == 2 && w.size(0) == n && w.size(1) == s),
              "optimizer: sample weights must be (images=", n, ") or (images, sequences=", s, "), got ", w.sizes());
  auto sw = w.to(f.scalar_type()).clamp_min(0);
  if (square_root) sw = sw.sqrt();
  return (w.dim() == 1 ? sw.view({n, 1, 1, 1}).expand({n, s, 1, 1}) : sw.view({n, s, 1, 1}));
}

inline at::Tensor sqrt_sample_weights(const TrainingSet& set) { return sample_weights(set, /*square_root=*/true); }

// Objective: L(f) = sum_j w_j ||r_j||^2 + λ||f||^2 for one loss policy and training set.
template <class Loss_>
struct Objective {
  const Loss_& loss;
  const TrainingSet& set;
  std::pair<int64_t, int64_t> filter_size;
  FilterBackend backend;
  at::Tensor sqrt_w;    // (N, S, 1, 1)
  at::Tensor reg;       // λ, 0-dim, the features' dtype
  at::Tensor features;  // set.features; when differentiated, with their gradient fused over every op

  Objective(const Loss_& l, const TrainingSet& s, std::pair<int64_t, int64_t> ksize, FilterBackend b)
      : loss(l), set(s), filter_size(ksize), backend(b), sqrt_w(sqrt_sample_weights(s)) {
    features = s.features.dim() == 5 ? fuse_feature_gradients(s.features) : s.features;
    reg = loss.regularization().to(s.features.options());
  }

  int64_t num_sequences() const { return set.features.dim() == 5 ? set.features.size(1) : 1; }

  at::Tensor scores(const at::Tensor& filter) const { return apply_filter(features, filter, backend); }

  // Weighted residuals and their derivatives w.r.t. the scores.
  std::pair<at::Tensor, at::Tensor> residuals(const at::Tensor& scores) const {
    return {sqrt_w * loss.residual(scores, set.maps), sqrt_w * loss.residual_derivative(scores, set.maps)};
  }

  // value: L(f) averaged over sequences (as the reference reports it).
  at::Tensor value(const at::Tensor& r, const at::Tensor& filter) const {
    return ((r * r).sum() + reg * (filter * filter).sum()) / static_cast<double>(num_sequences());
  }

  // half_gradient: ∇L/2 = J^T r + λ f (the factor 2 cancels in every step rule).
  at::Tensor half_gradient(const at::Tensor& r, const at::Tensor& dr, const at::Tensor& filter) const {
    return apply_filter_transpose(features, dr * r, filter_size, backend) + reg * filter;
  }
};

}  // namespace dimp::optim
