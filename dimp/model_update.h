// dimp/model_update.h — model update strategies (the paper's Table 3): how the target model
// follows the target after the first frame.
//
// UpdateStrategy concept:
//   // First frame: samples (N, C, h, w), boxes (N, 4) patch px -> the initial filter.
//   template <class P> at::Tensor initialize(const P& predictor, const at::Tensor& feat,
//                                            const at::Tensor& boxes, const TrackerParams&);
//   // Later frames: the tracked sample (1, C, h, w) and its box (4); returns the new filter.
//   template <class P> at::Tensor update(const P& predictor, const at::Tensor& filter,
//                                        const at::Tensor& feat, const at::Tensor& box,
//                                        UpdateKind kind, int frame_num);
//
// NoUpdate keeps the first frame's model; ModelAveraging blends in a model predicted from
// each new frame alone; SampleMemory is the paper's: a memory of up to 50 weighted samples,
// re-optimised every train_skipping frames and after distractors.
#pragma once

#include <ATen/ATen.h>

#include <algorithm>
#include <optional>
#include <type_traits>
#include <vector>

#include "dimp/tracker_params.h"
#include "losses/residual.h"
#include "optim/filter_ops.h"

namespace dimp {

// UpdateKind: what the localization said about the new sample.
enum class UpdateKind { kNormal, kHardNegative, kSkip };

// fit_is_last_v: whether an update policy declares kFitIsLast (its optimizer run may be deferred).
template <class U, class = void>
struct fit_is_last : std::false_type {};
template <class U>
struct fit_is_last<U, std::void_t<decltype(U::kFitIsLast)>> : std::bool_constant<U::kFitIsLast> {};
template <class U>
inline constexpr bool fit_is_last_v = fit_is_last<U>::value;

// PendingFit: an optimizer run recorded instead of run (filter, samples, iterations).
struct PendingFit {
  at::Tensor filter, features, weights;
  losses::ResidualMaps maps;
  int iters = 0;
};

// fit_shape_key: pending fits with equal keys stack into one run (stack_fits).
std::vector<int64_t> fit_shape_key(const PendingFit& fit);
// stack_fits: fits of equal keys as one, the targets along the sequence dimension: filters
// (targets, C, kh, kw), samples (N, targets, ...) in the filter ops' layout, weights (N,
// targets). One fit is returned as it is.
PendingFit stack_fits(const std::vector<const PendingFit*>& fits);

// DeferredFit: a predictor stand-in whose optimize() records the run and returns the filter
// unchanged; maps() and initial_filter() are the predictor's.
template <class P>
struct DeferredFit {
  const P& predictor;
  mutable std::optional<PendingFit> pending;
  losses::ResidualMaps maps(const at::Tensor& boxes) const { return predictor.maps(boxes); }
  at::Tensor initial_filter(const at::Tensor& feat, const at::Tensor& boxes) const {
    return predictor.initial_filter(feat, boxes);
  }
  at::Tensor optimize(const at::Tensor& filter, const at::Tensor& feat, const losses::ResidualMaps& maps,
                      const at::Tensor& weights, int iters) const {
    if (iters > 0) pending = PendingFit{filter, feat, weights, maps, iters};
    return filter;
  }
};

// SampleWeights: the reference's sample-weight bookkeeping (learning-rate weighting,
// replacement of the lowest-weight sample once full, a floor on the first frame's samples).
// When the floor applies, the later samples share the rest in their proportions (weights sum
// to 1), or, with `pytracking_renormalisation`, are divided by floor + their sum as pytracking
// divides them (the total then exceeds 1).
class SampleWeights {
 public:
  SampleWeights(int capacity, double init_minimum_weight, bool pytracking_renormalisation = false);
  // reset: `num_init` first-frame samples with equal weights.
  void reset(int num_init);
  // add: the slot the next sample goes to, with weights updated for learning rate `lr`.
  int add(double lr);
  const std::vector<double>& weights() const { return w_; }
  int num_stored() const { return num_stored_; }
  int num_init() const { return num_init_; }

 private:
  std::vector<double> w_;
  double init_min_;
  bool pytracking_;
  int num_stored_ = 0, num_init_ = 0, prev_replace_ = -1;
};

// NoUpdate: the first frame's model throughout (Table 3, "No update").
class NoUpdate {
 public:
  explicit NoUpdate(const TrackerParams&) {}
  template <class P>
  at::Tensor initialize(const P& predictor, const at::Tensor& feat, const at::Tensor& boxes, const TrackerParams& p) {
    auto x = optim::to_filter_layout(feat.unsqueeze(1));
    return predictor.optimize(predictor.initial_filter(feat, boxes), x, predictor.maps(boxes), at::Tensor(),
                              p.net_opt_iter);
  }
  template <class P>
  at::Tensor update(const P&, const at::Tensor& filter, const at::Tensor&, const at::Tensor&, UpdateKind, int) {
    return filter;
  }
};

// ModelAveraging: f <- (1 − r)·f + r·f_new, f_new predicted from the current frame alone
// (Table 3, "Model averaging").
class ModelAveraging {
 public:
  explicit ModelAveraging(const TrackerParams& p) : rate_(p.model_averaging_rate), iters_(p.net_opt_iter) {}
  template <class P>
  at::Tensor initialize(const P& predictor, const at::Tensor& feat, const at::Tensor& boxes, const TrackerParams& p) {
    return NoUpdate(p).initialize(predictor, feat, boxes, p);
  }
  template <class P>
  at::Tensor update(const P& predictor, const at::Tensor& filter, const at::Tensor& feat, const at::Tensor& box,
                    UpdateKind kind, int) {
    if (kind == UpdateKind::kSkip) return filter;
    auto boxes = box.view({1, 4});
    auto x = optim::to_filter_layout(feat.unsqueeze(1));
    auto fresh = predictor.optimize(predictor.initial_filter(feat, boxes), x, predictor.maps(boxes), at::Tensor(), iters_);
    return (1 - rate_) * filter + rate_ * fresh;
  }

 private:
  double rate_;
  int iters_;
};

// SampleMemory: the paper's update (§3.7).
class SampleMemory {
 public:
  // kFitIsLast: update() returns the predictor's optimize() result unchanged, so that run can
  // be deferred and batched with other targets' (dimp/multi_tracker.h).
  static constexpr bool kFitIsLast = true;
  explicit SampleMemory(const TrackerParams& p);

  template <class P>
  at::Tensor initialize(const P& predictor, const at::Tensor& feat, const at::Tensor& boxes, const TrackerParams& p) {
    const int64_t n = std::min<int64_t>(feat.size(0), capacity_);
    TORCH_CHECK(n == feat.size(0), "SampleMemory: ", feat.size(0), " first-frame samples exceed the memory size ",
                capacity_);
    // Storage in the filter ops' fast layout: (1 sequence, capacity, h, w, C) in memory.
    memory_ = optim::to_filter_layout(
        at::zeros({capacity_, 1, feat.size(1), feat.size(2), feat.size(3)}, feat.options()));
    memory_.narrow(0, 0, n).copy_(feat.unsqueeze(1));
    boxes_ = at::zeros({capacity_, 4}, boxes.options());
    boxes_.narrow(0, 0, n).copy_(boxes);
    auto m = predictor.maps(boxes_);
    maps_ = m;
    weights_.reset(static_cast<int>(n));
    return predictor.optimize(predictor.initial_filter(feat, boxes), stored_features(), stored_maps(), stored_weights(),
                              p.net_opt_iter);
  }

  template <class P>
  at::Tensor update(const P& predictor, const at::Tensor& filter, const at::Tensor& feat, const at::Tensor& box,
                    UpdateKind kind, int frame_num) {
    if (kind == UpdateKind::kSkip) return filter;
    const bool hard_negative = kind == UpdateKind::kHardNegative;
    if (hard_negative || frame_num % params_.train_sample_interval == 0) {
      const int slot = weights_.add(hard_negative ? params_.hard_negative_learning_rate : params_.learning_rate);
      memory_.narrow(0, slot, 1).copy_(feat.unsqueeze(1));
      boxes_[slot].copy_(box.view({4}));
      auto m = predictor.maps(box.view({1, 4}));
      maps_.label.narrow(0, slot, 1).copy_(m.label);
      if (maps_.mask.defined()) maps_.mask.narrow(0, slot, 1).copy_(m.mask);
      if (maps_.weight.defined()) maps_.weight.narrow(0, slot, 1).copy_(m.weight);
    }
    int iters = 0;
    if (hard_negative) {
      iters = params_.net_opt_hn_iter;
    } else if ((frame_num - 1) % params_.train_skipping == 0) {
      iters = params_.net_opt_update_iter;
    }
    if (iters == 0) return filter;
    return predictor.optimize(filter, stored_features(), stored_maps(), stored_weights(), iters);
  }

  int num_stored() const { return weights_.num_stored(); }
  const SampleWeights& weights() const { return weights_; }

 private:
  at::Tensor stored_features() const { return memory_.narrow(0, 0, weights_.num_stored()); }
  losses::ResidualMaps stored_maps() const;
  at::Tensor stored_weights() const;

  TrackerParams params_;
  int64_t capacity_;
  at::Tensor memory_, boxes_;
  losses::ResidualMaps maps_;
  SampleWeights weights_;
};

}  // namespace dimp
