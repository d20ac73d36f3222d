// dimp/dimp_tracker.h — the paper's trackers, DiMP-18 and DiMP-50: the DiMP network's
// backbone and classification features, its learned loss and steepest-descent optimizer,
// its initializer, the IoU-Net box estimator (§3.5), and the sample memory (§3.7).
//
//   using DiMP18 = Tracker<DiMPFeatures<DiMP18Net>, losses::LearnedLoss, optim::SteepestDescentGN,
//                          LinearFilterInitializer, IoUNetBoxEstimator, SampleMemory>;
//   auto t = dimp::make_tracker("dimp50", dimp::default_params("dimp50"), "dimp50.safetensors");
//
// Weights: pytracking's dimp18.pth / dimp50.pth converted with `dimp_weights convert` (C++,
// dimp/weights/convert.h), or our own training's checkpoint.
#pragma once

#include <functional>
#include <memory>
#include <random>
#include <string>

#include "backbones/feature_extractor.h"
#include "bbox/iou_head.h"
#include "dimp/box_estimator.h"
#include "dimp/dimp_net.h"
#include "dimp/model_update.h"
#include "dimp/trace.h"
#include "dimp/tracker.h"

namespace dimp {

// Network configurations as types (the backbone is part of the tracker's type).
struct DiMP18Net {
  static DiMPNetConfig config() { return DiMPNetConfig::dimp18(); }
};
struct DiMP50Net {
  static DiMPNetConfig config() { return DiMPNetConfig::dimp50(); }
};
struct DiMPMobileNetNet {
  static DiMPNetConfig config() { return DiMPNetConfig::mobilenet(); }
};
struct PrDiMP18Net {
  static DiMPNetConfig config() { return DiMPNetConfig::prdimp18(); }
};
struct PrDiMP50Net {
  static DiMPNetConfig config() { return DiMPNetConfig::prdimp50(); }
};
struct PrDiMPMobileNetNet {
  static DiMPNetConfig config() { return DiMPNetConfig::prdimp_mobilenet(); }
};

// DiMPFeatures: the network's classification features, plus layer2/layer3 for the IoU-Net.
template <class NetConfig_>
class DiMPFeatures {
 public:
  explicit DiMPFeatures(DiMPNet net) : net_(std::move(net)) {}
  // extract: patches from any device (normalize() moves them to the network's).
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

// IoUWindow: the part of a patch's layer2/layer3 maps (strides 8, 16) that refinement's
// proposals can reach. The IoU features (two 3x3 convolutions per layer) of a crop are exact
// except in its outer two cells, where the crop's zero padding stands in for the real
// neighbours (unless the crop edge is the map's edge). Pooled boxes read the cells from
// floor(x0/stride) to ceil(x1/stride), so a box whose cells avoid both crops' rims scores as
// on the whole map. Windows start at a layer3 cell, so one pixel shift (origin) moves boxes
// into both crops; the layer2 crop ends as soon as its own rim allows (about three layer2
// cells before the layer3 crop's end: a fifth less of the costlier branch).
struct IoUWindow {
  int64_t y0, x0, y1, x1;  // layer3 cells [y0, y1) x [x0, x1)
  int64_t y1_2, x1_2;      // layer2 cells [2 y0, y1_2) x [2 x0, x1_2)
  int64_t H2, W2, H3, W3;  // the whole maps

  // around: the proposals' (x, y, w, h, patch pixels) bounding box grown by a fifth of its larger
  // side, plus the halo; the whole map for non-finite proposals.
  static IoUWindow around(const at::Tensor& proposals, int64_t H2, int64_t W2, int64_t H3, int64_t W3);
  bool whole() const { return y0 == 0 && x0 == 0 && y1 == H3 && x1 == W3; }
  double origin_x() const { return 16.0 * static_cast<double>(x0); }
  double origin_y() const { return 16.0 * static_cast<double>(y0); }
  at::Tensor crop2(const at::Tensor& layer2) const;
  at::Tensor crop3(const at::Tensor& layer3) const;
  // exact: every box (x, y, w, h in window pixels) reads only exact cells of both crops.
  bool exact(const at::Tensor& boxes) const;
};

// IoUNetBoxEstimator: the box refinement of ATOM/DiMP — proposals jittered around the
// classifier's estimate, refined by gradient ascent on the IoU-Net's predicted overlap, the
// best (iounet_k) averaged; extreme aspect ratios discarded. The centre is the average box's
// (x + w/2); geometry pytracking adds pytracking's half a patch pixel (it takes x + w/2 where
// its pixel-centre coordinates put the centre at x + (w-1)/2).
class IoUNetBoxEstimator {
 public:
  explicit IoUNetBoxEstimator(DiMPNet net) : net_(std::move(net)) {}
  void initialize(const BoxInitContext& ctx);
  bbox::CenterBox estimate(const BoxContext& ctx);
  // refined: whether the last estimate came from refined boxes (false: every box had an
  // extreme aspect ratio, and the estimate is the classifier's).
  bool refined() const { return refined_; }
  // set_trace: record the modulation, the IoU features and the refinement (dimp/trace.h).
  void set_trace(TraceSink* sink) { trace_ = sink; }
  // refine: the refinement itself on one patch's IoU features; proposals and result in
  // patch pixels (x, y, w, h); exposed for tests. Returns the final boxes and their scores,
  // or undefined tensors as soon as `inside` (if given) rejects the boxes about to be scored.
  std::pair<at::Tensor, at::Tensor> refine(const bbox::IoUFeatures& features, const at::Tensor& proposals,
                                           const TrackerParams& params,
                                           const std::function<bool(const at::Tensor&)>& inside = {});
  const bbox::IoUModulation& modulation() const { return modulation_; }

 private:
  DiMPNet net_;
  std::shared_ptr<const bbox::IoUHead> head_;  // the CPU inference path, once the net is folded
  bbox::IoUModulation modulation_;
  std::mt19937_64 rng_;
  TraceSink* trace_ = nullptr;
  bool refined_ = true;
};

// network_compute_type: the type TrackerParams::network_precision asks for on `device` (auto:
// bfloat16 on a CPU that multiplies it natively, float32 elsewhere and on CUDA).
at::ScalarType network_compute_type(const std::string& precision, const at::Device& device = at::kCPU);

// dimp_params: the reference's DiMP-18/50 parameter files' values.
TrackerParams dimp_params();

// resolve_geometry: `params` with geometry "auto" settled by the weights file: "pytracking"
// when it was converted from pytracking's checkpoint (safetensors metadata format =
// pytracking-state-dict, as dimp_weights convert writes it), "exact" otherwise. Other values
// pass unchanged. The make_* functions below call it.
TrackerParams resolve_geometry(TrackerParams params, const std::string& weights);

// make_dimp18 / make_dimp50: trackers on a network whose weights come from `weights`.
std::unique_ptr<VisualTracker> make_dimp18(const TrackerParams& params, const std::string& weights);
std::unique_ptr<VisualTracker> make_dimp50(const TrackerParams& params, const std::string& weights);
// PrDiMP-18/50 (PrDiMP, CVPR 2020): DiMP's network with the KL objective and Newton-step
// optimizer (losses/kl_loss.h, optim/newton_descent.h), softmax scores, refinement in the
// relative box space; SuperDiMP: DiMP-50's classifier with PrDiMP's box refinement and larger
// search area. Weights: pytracking's prdimp18.pth.tar, prdimp50.pth.tar, super_dimp.pth.tar
// converted with `dimp_weights convert --arch prdimp18|prdimp50|superdimp`.
std::unique_ptr<VisualTracker> make_prdimp18(const TrackerParams& params, const std::string& weights);
std::unique_ptr<VisualTracker> make_prdimp50(const TrackerParams& params, const std::string& weights);
std::unique_ptr<VisualTracker> make_superdimp(const TrackerParams& params, const std::string& weights);
// make_prdimp_mobilenet: the mobilenet head trained with PrDiMP's objective
// (training/settings/prdimp_mobilenet.json); `weights` is that training's output.
std::unique_ptr<VisualTracker> make_prdimp_mobilenet(const TrackerParams& params, const std::string& weights);
// prdimp_params: pytracking's parameter file of "prdimp18", "prdimp50" or "superdimp";
// "prdimp-mobilenet": prdimp18's at float32, as dimp-mobilenet runs.
TrackerParams prdimp_params(const std::string& variant);

// make_dimp: "dimp18", "dimp50" or "dimp-mobilenet" (weights empty: the shipped ones) with its
// intermediates recorded into `trace` (dimp/trace.h; nullptr: none), which must outlive the
// tracker's use.
std::unique_ptr<VisualTracker> make_dimp(const std::string& arch, const TrackerParams& params,
                                         const std::string& weights, TraceSink* trace);

// kMobileNetHeadWeights: the weights the project ships for the DiMP head on the pretrained
// MobileNetV3 (trained by dimp_train with training/settings/dimp_mobilenet.json), under the
// model folder (backbones/tfjs/model_files.h's find_model_file).
inline constexpr const char* kMobileNetHeadWeights = "dimp-cpp/dimp_mobilenet.safetensors";

// make_dimp_mobilenet: DiMP's head on the pretrained MobileNetV3; `weights` empty: the shipped ones.
std::unique_ptr<VisualTracker> make_dimp_mobilenet(const TrackerParams& params, const std::string& weights);

}  // namespace dimp
