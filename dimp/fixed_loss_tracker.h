// dimp/fixed_loss_tracker.h — composing a tracker whose loss is fixed rather than learned (the
// hinge of eq. 8 or least squares) on any feature extractor: the weight-free variants and the
// deep variant on the pretrained backbone share it. The target size comes from DSST-style scale
// and aspect filters on hand-crafted features (dimp/scale_filter.h), or from the classifier's
// multi-scale search when scale_filter_scales is 0.
// Heavy: includes tracker_impl.h; only the .cc file of each shipped variant includes it.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <type_traits>

#include "backbones/handcrafted_features.h"
#include "dimp/scale_filter.h"
#include "dimp/tracker_impl.h"
#include "losses/hinge_loss.h"
#include "losses/least_squares_loss.h"
#include "optim/gradient_descent.h"
#include "optim/no_optimizer.h"
#include "optim/steepest_descent.h"

namespace dimp {

// scale_filter_features: what the scale and aspect filters describe the target with: HOG and
// colour at feature_cell_size, never the colour likelihood (fitted on the classifier's patch).
inline backbones::HandcraftedFeaturesOptions scale_filter_features(const TrackerParams& p) {
  return {p.feature_cell_size, p.feature_orientations, p.feature_color};
}

// label_sigma: the label's width in score cells, a fixed fraction of the target's size in
// cells (the target always spans image_sample_size / search_area_scale patch pixels).
inline double label_sigma(const TrackerParams& p, double stride) {
  return p.label_sigma_factor * p.image_sample_size / p.search_area_scale / stride;
}

template <class Loss>
Loss make_fixed_loss(const TrackerParams& p, double stride) {
  if constexpr (std::is_same_v<Loss, losses::HingeLoss>) {
    return losses::HingeLoss({label_sigma(p, stride), p.hinge_threshold, p.filter_reg});
  } else {
    static_assert(std::is_same_v<Loss, losses::LeastSquaresLoss>, "make_fixed_loss: a fixed loss policy");
    return losses::LeastSquaresLoss({label_sigma(p, stride), p.filter_reg});
  }
}

template <class Loss, template <class> class Opt>
Opt<Loss> make_fixed_loss_optimizer(const Loss& loss, const TrackerParams& p) {
  if constexpr (std::is_same_v<Opt<Loss>, optim::GradientDescent<Loss>>) {
    optim::GradientDescentOptions o;
    o.compute_losses = false;
    o.step_length = p.gd_step_length;
    return Opt<Loss>(loss, o);
  } else if constexpr (std::is_same_v<Opt<Loss>, optim::SteepestDescentGN<Loss>>) {
    optim::SteepestDescentOptions o;
    o.compute_losses = false;
    return Opt<Loss>(loss, o);
  } else {
    return Opt<Loss>(loss);
  }
}

// build_fixed_loss_tracker: Tracker<Features, Loss, Opt, target template, size estimator,
// Update> on `features`, named `name`, with parameters `p`.
template <class Features, class Loss, template <class> class Opt, class Update>
std::unique_ptr<VisualTracker> build_fixed_loss_tracker(const std::string& name, const TrackerParams& p,
                                                        Features features) {
  auto make = [&](auto box) -> std::unique_ptr<VisualTracker> {
    using T = Tracker<Features, Loss, Opt, LinearFilterInitializer, decltype(box), Update>;
    const double stride = static_cast<double>(features.stride());
    const int64_t cells = p.image_sample_size / features.stride();
    optim::FilterGeometry geometry{stride, p.filter_size, p.filter_size, cells, cells};
    auto loss = make_fixed_loss<Loss>(p, stride);
    typename T::Predictor predictor(make_fixed_loss_optimizer<Loss, Opt>(loss, p),
                                    LinearFilterInitializer::target_template(features.channels(), p.filter_size, stride),
                                    geometry);
    return std::make_unique<T>(name, std::move(features), std::move(predictor), std::move(box), p);
  };
  if (p.scale_filter_scales == 0) return make(MultiScaleSearch{});
  ScaleFilterOptions o;
  o.scales = p.scale_filter_scales;
  o.step = p.scale_filter_step;
  o.learning_rate = p.scale_filter_learning_rate;
  std::optional<ScaleFilterOptions> aspect;
  if (p.aspect_filter_scales > 0) {
    aspect = o;
    aspect->aspect = true;
    aspect->scales = p.aspect_filter_scales;
  }
  return make(ScaleFilterSearch(o, aspect, scale_filter_features(p)));
}

}  // namespace dimp
