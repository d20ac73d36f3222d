// dimp/box_estimator.h — box estimators: how the tracker sets the target size (and may refine
// the centre) once the classifier has located the target.
//
// BoxEstimator concept:
//   // First frame: the image and target, features of the augmented patches, the target
//   // boxes in them (N, 4), the un-augmented patch's region.
//   void initialize(const BoxInitContext& ctx);
//   // Each frame: the new estimate from the context (the classifier's centre, old size).
//   bbox::CenterBox estimate(const BoxContext& ctx);
//
// MultiScaleSearch: the size follows the scale whose patch scored best. ScaleFilterSearch
// (dimp/scale_filter.h): a separate discriminative scale filter (DSST) sets the size.
// The IoU-Net estimator of the DiMP variants refines the box by gradient ascent (bbox/).
#pragma once

#include <ATen/ATen.h>

#include <cmath>
#include <vector>

#include "backbones/feature_extractor.h"
#include "bbox/box.h"
#include "bbox/patch_sampler.h"
#include "dimp/localization.h"
#include "dimp/tracker_params.h"

namespace dimp {

// BoxInitContext: what a box estimator sees of the first frame.
struct BoxInitContext {
  const at::Tensor& image;
  bbox::CenterBox target;
  const backbones::ExtractedFeatures& features;  // of the augmented patches
  const at::Tensor& boxes;                       // (N, 4) the target in each augmented patch
  const bbox::PatchRegion& region;               // the un-augmented patch's region
  const TrackerParams& params;
};

// BoxContext: what a box estimator sees of the current frame.
struct BoxContext {
  const at::Tensor& image;
  const backbones::ExtractedFeatures& features;       // one entry per sampled scale
  const std::vector<bbox::PatchRegion>& regions;      // the sampled patches' regions
  const Localization& localization;
  bbox::CenterBox classifier_estimate;                // new centre, previous size
  const TrackerParams& params;
};

// MultiScaleSearch: size *= f^scale_learning_rate, f the best scale, refined between the
// sampled scales by a parabola through the neighbouring scales' peak scores (in log scale).
class MultiScaleSearch {
 public:
  void initialize(const BoxInitContext&) {}
  bbox::CenterBox estimate(const BoxContext& ctx) const {
    const auto& f = ctx.params.scale_factors;
    const auto& s = ctx.localization.scale_scores;
    const int i = ctx.localization.scale_index;
    double log_factor = std::log(f[i]);
    if (i > 0 && i + 1 < static_cast<int>(f.size()) && s.size() == f.size()) {
      const double offset = parabola_offset(s[i - 1], s[i], s[i + 1]);
      const double step = offset > 0 ? std::log(f[i + 1] / f[i]) : std::log(f[i] / f[i - 1]);
      log_factor += offset * step;
    }
    const double factor = std::exp(log_factor * ctx.params.scale_learning_rate);
    bbox::CenterBox b = ctx.classifier_estimate;
    b.w *= factor;
    b.h *= factor;
    return b;
  }
};

}  // namespace dimp
