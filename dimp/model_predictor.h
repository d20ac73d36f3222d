// dimp/model_predictor.h — the target model predictor D (Alg. 1): an initializer and an
// optimizer over a loss, on one sequence's training samples.
//
//   ModelPredictor<losses::HingeLoss, optim::SteepestDescentGN, ZeroInitializer> d(sd, init, geometry);
//   auto maps = d.maps(boxes);                         // per-sample residual maps (cached by memories)
//   at::Tensor f = d.optimize(d.initial_filter(x, boxes), x, maps, weights, 10);
#pragma once

#include <ATen/ATen.h>

#include <utility>

#include "dimp/initializer.h"
#include "losses/distance_map.h"
#include "losses/residual.h"
#include "optim/filter_geometry.h"
#include "optim/filter_ops.h"
#include "optim/training_set.h"

namespace dimp {

// ModelPredictor: Loss_ models losses/loss_concept.h; Optimizer_<Loss_> is an optimizer
// policy (SteepestDescentGN, GradientDescent, NoOptimizer); Initializer_ models
// dimp/initializer.h.
template <class Loss_, template <class> class Optimizer_, class Initializer_>
class ModelPredictor {
  static_assert(is_initializer_v<Initializer_>, "Initializer_ must provide initial_filter(); see dimp/initializer.h");

 public:
  using Loss = Loss_;
  using Optimizer = Optimizer_<Loss_>;
  using Initializer = Initializer_;

  ModelPredictor(Optimizer optimizer, Initializer_ initializer, optim::FilterGeometry geometry)
      : optimizer_(std::move(optimizer)), initializer_(std::move(initializer)), geometry_(geometry) {}

  // maps: residual maps of samples whose targets are `boxes` (N, 4) in patch pixels.
  losses::ResidualMaps maps(const at::Tensor& boxes) const {
    auto centers = optim::score_centers(boxes.unsqueeze(1), geometry_);  // (N, 1, 2)
    return optimizer_.loss().maps(centers, geometry_.output_h(), geometry_.output_w());
  }

  // initial_filter: f(0) from features (N, C, h, w) and boxes (N, 4).
  at::Tensor initial_filter(const at::Tensor& feat, const at::Tensor& boxes) const {
    return initializer_.initial_filter(feat.unsqueeze(1), boxes.unsqueeze(1));
  }

  // optimize: `iters` optimizer steps from `filter` on features (N, 1, C, h, w) — ideally in
  // optim::to_filter_layout — with maps and sample weights (N) (undefined: uniform).
  at::Tensor optimize(const at::Tensor& filter, const at::Tensor& feat, const losses::ResidualMaps& maps,
                      const at::Tensor& weights, int iters) const {
    if (iters <= 0) return filter;
    optim::TrainingSet set{feat, maps, weights};
    return optimizer_.run(filter, set, iters).filter;
  }

  // optimize with the sequences dimension: filters (S, C, kh, kw), features (N, S, C, h, w),
  // weights (N, S) — several targets' memories as one run (each sequence's step is its own).
  // scores: the filter applied to features (B, C, h, w) -> (B, Ho, Wo).
  at::Tensor scores(const at::Tensor& filter, const at::Tensor& feat) const {
    return optim::apply_filter(feat.unsqueeze(1), filter).squeeze(1);
  }

  const optim::FilterGeometry& geometry() const { return geometry_; }
  void set_geometry(const optim::FilterGeometry& g) { geometry_ = g; }
  Optimizer& optimizer() { return optimizer_; }
  Initializer_& initializer() { return initializer_; }

 private:
  Optimizer optimizer_;
  Initializer_ initializer_;
  optim::FilterGeometry geometry_;
};

}  // namespace dimp
