#include "dimp/deep_tracker.h"

#include "backbones/graph_features.h"
#include "dimp/fixed_loss_tracker.h"

namespace dimp {

TrackerParams deep_params() {
  TrackerParams p;
  p.image_sample_size = 288;  // 18 x 18 cells at stride 16
  p.search_area_scale = 5.0;
  p.filter_size = 4;
  p.deep_stride8_weight = 0;
  p.deep_center = true;
  p.deep_handcrafted_weight = 0;
  p.relative_scores = true;
  p.target_not_found_threshold = 0.5;
  p.scale_factors = {1.0};
  p.scale_filter_scales = 13;
  p.aspect_filter_scales = 9;
  p.subpixel_peak = true;
  p.learning_rate = 0.02;
  p.init_samples_minimum_weight = 0.5;
  p.train_skipping = 10;
  p.label_sigma_factor = 0.25;
  p.hinge_threshold = 0.05;
  p.filter_reg = 0.1;
  p.feature_color_histogram_bins = 16;
  p.feature_color_histogram_weight = 0.5;
  return p;
}

std::unique_ptr<VisualTracker> make_deep(const TrackerParams& p) {
  backbones::GraphFeaturesOptions o;
  o.weight8 = p.deep_stride8_weight;
  o.center = p.deep_center;
  if (p.deep_handcrafted_weight > 0) {
    o.hog_orientations = p.feature_orientations;
    o.color_histogram_bins = p.feature_color_histogram_bins;
    o.color_histogram_weight = p.feature_color_histogram_weight;
    o.handcrafted_weight = p.deep_handcrafted_weight;
  }
  o.backbone.bfloat16 = p.network_precision == "bfloat16";
  return build_fixed_loss_tracker<backbones::GraphFeatures, losses::HingeLoss, optim::SteepestDescentGN, SampleMemory>(
      "deep", p, backbones::GraphFeatures(o));
}

}  // namespace dimp
