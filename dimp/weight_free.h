// dimp/weight_free.h — the weight-free tracker: DiMP's model predictor and online loop on
// hand-crafted features, so it runs with no downloaded weights (the default tracker).
//
// The default composition: hand-crafted features (HOG, opponent colour and the target's
// colour likelihood, backbones/color_histogram.h), the fixed hinge loss of eq. 8, steepest
// descent with the Gauss-Newton step, the pooled target template as f(0), scores read as
// fractions of the first frame's peak (params.relative_scores), DSST-style scale and aspect
// filters for the size (dimp/scale_filter.h; the classifier's multi-scale search when
// scale_filter_scales is 0), and the paper's sample memory:
//
//   using WeightFree = Tracker<backbones::HandcraftedFeatures, losses::HingeLoss,
//                              optim::SteepestDescentGN, LinearFilterInitializer,
//                              ScaleFilterSearch, SampleMemory>;
//   auto t = dimp::make_tracker("weight-free", dimp::default_params("weight-free"));
//
// The registry also holds the ablations of Tables 1 and 3: -gd, -init (optimizer), -ls
// (least-squares loss), -noupdate, -averaging (update strategy).
#pragma once

#include <memory>

#include "backbones/handcrafted_features.h"
#include "dimp/box_estimator.h"
#include "dimp/initializer.h"
#include "dimp/model_update.h"
#include "dimp/scale_filter.h"
#include "dimp/tracker.h"
#include "losses/hinge_loss.h"
#include "optim/steepest_descent.h"

namespace dimp {

template <class Features_, class Loss_, template <class> class Optimizer_, class Initializer_, class BoxEstimator_,
          class Update_>
class Tracker;

// WeightFreeTracker: the default tracker's type.
using WeightFreeTracker = Tracker<backbones::HandcraftedFeatures, losses::HingeLoss, optim::SteepestDescentGN,
                                  LinearFilterInitializer, ScaleFilterSearch, SampleMemory>;

// weight_free_params: the variant's defaults (dimp/params/weight-free.json holds the same).
TrackerParams weight_free_params();

// WeightFreeChoice: the policy choices the registered weight-free variants differ in.
enum class WeightFreeOptimizer { kSteepestDescent, kGradientDescent, kInitializerOnly };
enum class WeightFreeLoss { kHinge, kLeastSquares };
enum class WeightFreeUpdate { kSampleMemory, kModelAveraging, kNone };

std::unique_ptr<VisualTracker> make_weight_free(const TrackerParams& params,
                                                WeightFreeOptimizer optimizer = WeightFreeOptimizer::kSteepestDescent,
                                                WeightFreeLoss loss = WeightFreeLoss::kHinge,
                                                WeightFreeUpdate update = WeightFreeUpdate::kSampleMemory);

}  // namespace dimp
