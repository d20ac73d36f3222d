// dimp/deep_tracker.h — the deep tracker: DiMP's model predictor and online loop on features of
// a pretrained network that the set-up installs (CenterNet's MobileNetV3 trained on COCO,
// imported from TF.js: backbones/graph_features.h), with the fixed hinge loss of eq. 8,
// steepest descent with the Gauss-Newton step, the pooled target template as f(0), DSST-style
// scale and aspect filters for the size, and the paper's sample memory. No DiMP weights needed.
//
//   using DeepTracker = Tracker<backbones::GraphFeatures, losses::HingeLoss, optim::SteepestDescentGN,
//                               LinearFilterInitializer, ScaleFilterSearch, SampleMemory>;
//   auto t = dimp::make_tracker("deep", dimp::default_params("deep"));
#pragma once

#include <memory>

#include "dimp/tracker.h"

namespace dimp {

// deep_params: the variant's defaults (dimp/params/deep.json holds the same).
TrackerParams deep_params();

// make_deep: a deep tracker with these parameters (the network is loaded once per process).
std::unique_ptr<VisualTracker> make_deep(const TrackerParams& params);

}  // namespace dimp
