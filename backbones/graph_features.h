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

namespace dimp::backbones {

namespace tfjs {
class GraphModel;
}

// GraphFeaturesOptions: which network and nodes, and the blocks' weights.
struct GraphFeaturesOptions {
  std::string model = "human-models-3.0.4/centernet.json";  // under the model folder (tfjs::find_model_file)
  std::string input = "tower_0/images";                     // (1, S, S, 3) RGB, raw 0..255
  std::string node16 = "tower_0/MobilenetV3/expanded_conv_12/expand/hard_swish/mul_1";  // stride 16, 528 channels
  std::string node8 = "tower_0/MobilenetV3/expanded_conv_6/expand/hard_swish/mul_1";     // stride 8, 192 channels
  double weight8 = 0;          // the stride-8 block's weight (0: not used)
  bool center = true;          // centre each deep channel over the patch before scaling
  int64_t hog_orientations = 0;  // > 0: HOG and opponent colour at 16-pixel cells
  int64_t color_histogram_bins = 0;     // > 0: the target's colour likelihood as a channel
  double color_histogram_weight = 0.5;  // its scale within the hand-crafted block
  double handcrafted_weight = 0.5;      // the hand-crafted block's weight (HOG, colour, likelihood)
  bool bfloat16 = false;       // the network's convolutions in bfloat16 (float32 is faster here)
};

class GraphFeatures {
 public:
  explicit GraphFeatures(GraphFeaturesOptions options = {});
  // extract: patches (B, 3, S, S) float RGB in [0, 255], S a multiple of 16.
  ExtractedFeatures extract(const at::Tensor& patches) const;
  void adapt_to_target(const at::Tensor& patch, const at::Tensor& box);
  int64_t stride() const { return 16; }
  int64_t channels() const;
  const GraphFeaturesOptions& options() const { return options_; }

 private:
  GraphFeaturesOptions options_;
  std::shared_ptr<const tfjs::GraphModel> model_;  // one per model file and precision, shared
  int64_t channels16_ = 0, channels8_ = 0;
  std::optional<HandcraftedFeatures> handcrafted_;  // HOG/colour and the colour likelihood
};

}  // namespace dimp::backbones
