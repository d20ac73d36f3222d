// dimp/dimp_tracker.h — the paper's trackers, DiMP-18 and DiMP-50: the DiMP network's
// backbone and classification features, its learned loss and steepest-descent optimizer,
// its initializer, the IoU-Net box estimator (§3.5), and the sample memory (§3.7).
//
//   using DiMP18 = Tracker<DiMPFeatures<DiMP18Net>, losses::LearnedLoss, optim::SteepestDescentGN,
//                          LinearFilterInitializer, IoUNetBoxEstimator, SampleMemory>;
//   auto t = dimp::make_tracker("dimp50", dimp::default_params("dimp50"), "dimp50.safetensors");
//
// Weights: pytracking's dimp18.pth / dimp50.pth converted with tools/convert_pytracking.py,
// or our own training's checkpoint.
#pragma once

#include <memory>
#include <random>
#include <string>

#include "backbones/feature_extractor.h"
#include "dimp/box_estimator.h"
#include "dimp/dimp_net.h"
#include "dimp/model_update.h"
#include "dimp/tracker.h"

namespace dimp {

// Network configurations as types (the backbone is part of the tracker's type).
struct DiMP18Net {
  static DiMPNetConfig config() { return DiMPNetConfig::dimp18(); }
};
struct DiMP50Net {
  static DiMPNetConfig config() { return DiMPNetConfig::dimp50(); }
};

// DiMPFeatures: the network's classification features, plus layer2/layer3 for the IoU-Net.
template <class NetConfig_>
class DiMPFeatures {
 public:
  explicit DiMPFeatures(DiMPNet net) : net_(std::move(net)) {}
  backbones::ExtractedFeatures extract(const at::Tensor& patches) const {
    auto layers = net_->backbone(net_->normalize(patches));
    return {net_->classification_features(layers.at("layer3")), {layers.at("layer2"), layers.at("layer3")}};
  }
  int64_t stride() const { return static_cast<int64_t>(net_->config().feature_stride); }
  int64_t channels() const { return net_->config().out_feature_dim; }
  const DiMPNet& net() const { return net_; }

 private:
  mutable DiMPNet net_;  // a shared handle; running the network does not change the tracker
};

// IoUNetBoxEstimator: the box refinement of ATOM/DiMP — proposals jittered around the
// classifier's estimate, refined by gradient ascent on the IoU-Net's predicted overlap, the
// best (iounet_k) averaged; extreme aspect ratios discarded.
class IoUNetBoxEstimator {
 public:
  explicit IoUNetBoxEstimator(DiMPNet net) : net_(std::move(net)) {}
  void initialize(const backbones::ExtractedFeatures& features, const at::Tensor& boxes, const bbox::PatchRegion& region,
                  const TrackerParams& params);
  bbox::CenterBox estimate(const BoxContext& ctx);
  // refine: the refinement itself on one patch's IoU features; proposals and result in
  // patch pixels (x, y, w, h); exposed for tests. Returns the final boxes and their scores.
  std::pair<at::Tensor, at::Tensor> refine(const bbox::IoUFeatures& features, const at::Tensor& proposals,
                                           const TrackerParams& params);
  const bbox::IoUModulation& modulation() const { return modulation_; }

 private:
  DiMPNet net_;
  bbox::IoUModulation modulation_;
  std::mt19937_64 rng_;
};

// dimp_params: the reference's DiMP-18/50 parameter files' values.
TrackerParams dimp_params();

// make_dimp18 / make_dimp50: trackers on a network whose weights come from `weights`.
std::unique_ptr<VisualTracker> make_dimp18(const TrackerParams& params, const std::string& weights);
std::unique_ptr<VisualTracker> make_dimp50(const TrackerParams& params, const std::string& weights);

}  // namespace dimp
