// PrDiMP-18/50: the DiMP tracker with PrDiMP's classifier objective, and the parameter files
// of PrDiMP and SuperDiMP (pytracking's parameter/dimp/prdimp18.py, prdimp50.py,
// super_dimp.py).
#include <stdexcept>

#include "dimp/dimp_tracker_factory.h"
#include "losses/kl_loss.h"
#include "optim/newton_descent.h"

namespace dimp {

std::unique_ptr<VisualTracker> make_prdimp18(const TrackerParams& params, const std::string& weights) {
  return build_net_tracker<PrDiMP18Net, losses::KLDivergenceLoss, optim::SteepestDescentNewton>("prdimp18", params,
                                                                                               weights);
}

std::unique_ptr<VisualTracker> make_prdimp50(const TrackerParams& params, const std::string& weights) {
  return build_net_tracker<PrDiMP50Net, losses::KLDivergenceLoss, optim::SteepestDescentNewton>("prdimp50", params,
                                                                                               weights);
}

std::unique_ptr<VisualTracker> make_prdimp_mobilenet(const TrackerParams& params, const std::string& weights) {
  return build_net_tracker<PrDiMPMobileNetNet, losses::KLDivergenceLoss, optim::SteepestDescentNewton>(
      "prdimp-mobilenet", params, weights);
}

TrackerParams prdimp_params(const std::string& variant) {
  TrackerParams p = dimp_params();
  // Common to the three files: refinement in the relative box space, 10 steps of 2.5e-3.
  p.box_refinement_space = "relative";
  p.box_refinement_iter = 10;
  p.box_refinement_step_length = 2.5e-3;
  p.box_refinement_step_decay = 1;
  if (variant == "prdimp18" || variant == "prdimp-mobilenet") {
    p.image_sample_size = 18 * 16;
    p.search_area_scale = 5;
    if (variant == "prdimp-mobilenet") p.network_precision = "float32";  // as dimp-mobilenet
  } else if (variant == "prdimp50" || variant == "superdimp") {
    p.image_sample_size = 22 * 16;
    p.search_area_scale = 6;
    p.border_mode = "inside_major";
    p.patch_max_scale_change = 1.5;
  } else {
    throw std::invalid_argument("prdimp_params: unknown variant '" + variant + "' (prdimp18, prdimp50, superdimp, prdimp-mobilenet)");
  }
  if (variant == "superdimp") {
    p.target_not_found_threshold = 0.25;  // DiMP's classifier: raw scores
  } else {
    p.score_preprocess = "softmax";  // PrDiMP's scores are a log density; the threshold a probability
    p.target_not_found_threshold = 0.04;
  }
  return p;
}

}  // namespace dimp
