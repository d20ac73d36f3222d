// backbones/graph_features.h — tracking features from a pretrained network imported from
// TF.js (backbones/tfjs/): the stride-16 activations of CenterNet's MobileNetV3 (COCO-trained,
// installed by the set-up), optionally fused with its stride-8 activations (pooled to stride
// 16) and with hand-crafted channels (HOG and colour at 16-pixel cells, and the target's colour
// likelihood). Each block is scaled to unit RMS per patch, then by its weight, so the blocks'
// shares of the features do not depend on the image's contrast; centring each channel over the
// patch first (as the hand-crafted features do) keeps the filter's least-squares problem well
// conditioned.
//
//   GraphFeatures f({});                                     // centernet, stride 16
//   auto x = f.extract(patches).classification;              // (B, 528, S/16, S/16)
#pragma once

#include <ATen/ATen.h>

#include <memory>
#include <optional>
#include <string>

#include "backbones/feature_extractor.h"
#include "backbones/handcrafted_features.h"
#include "backbones/pretrained_backbone.h"

namespace dimp::backbones {

// GraphFeaturesOptions: which network and nodes, and the blocks' weights.
struct GraphFeaturesOptions {
  PretrainedBackboneOptions backbone;  // the network, its nodes and precision
  double weight8 = 0;          // the stride-8 block's weight (0: not used)
  bool center = true;          // centre each deep channel over the patch before scaling
  int64_t hog_orientations = 0;  // > 0: HOG and opponent colour at 16-pixel cells
  int64_t color_histogram_bins = 0;     // > 0: the target's colour likelihood as a channel
  double color_histogram_weight = 0.5;  // its scale within the hand-crafted block
  double handcrafted_weight = 0.5;      // the hand-crafted block's weight (HOG, colour, likelihood)
};

class GraphFeatures {
 public:
  explicit GraphFeatures(GraphFeaturesOptions options = {});
  // extract: patches (B, 3, S, S) float RGB in [0, 255], S a multiple of 16.
  ExtractedFeatures extract(const at::Tensor& patches) const;
  // shared_features: the network's blocks (any target's patches); target_features: with the
  // hand-crafted block, which holds the target's colour likelihood, appended.
  ExtractedFeatures shared_features(const at::Tensor& patches) const;
  ExtractedFeatures target_features(const ExtractedFeatures& shared, const at::Tensor& patches) const;
  void adapt_to_target(const at::Tensor& patch, const at::Tensor& box);
  int64_t stride() const { return 16; }
  int64_t channels() const;
  const GraphFeaturesOptions& options() const { return options_; }

 private:
  GraphFeaturesOptions options_;
  PretrainedBackbone backbone_;
  std::optional<HandcraftedFeatures> handcrafted_;  // HOG/colour and the colour likelihood
};

}  // namespace dimp::backbones
