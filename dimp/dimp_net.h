// dimp/dimp_net.h — the DiMP network (§3): backbone, classification features, the model
// predictor's learned parts (initializer conv, learned loss, step length) and the IoU-Net,
// in the DiMP-18 and DiMP-50 configurations of the reference's training settings. Parameter
// names are the reference's state-dict names, so converted pytracking weights load directly.
// A third configuration, DiMPNetConfig::mobilenet(), puts the same head on the pretrained
// MobileNetV3 of CenterNet (backbones/pretrained_backbone.h), frozen and not part of the
// module's state: its weights file holds the head alone.
//
//   dimp::DiMPNet net(dimp::DiMPNetConfig::dimp50());
//   dimp::weights::load_module(*net, "dimp50.safetensors");
//   net->prepare_inference();                         // eval mode, BatchNorms folded
//   auto backbone = net->backbone(net->normalize(patches));        // layer2, layer3
//   at::Tensor x = net->classification_features(backbone.at("layer3"));
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/pimpl.h>

#include <map>
#include <string>
#include <vector>

#include "backbones/pretrained_backbone.h"
#include "backbones/resnet.h"
#include "bbox/atom_iou_net.h"
#include "dimp/initializer.h"
#include "losses/kl_loss.h"
#include "losses/learned_loss.h"
#include "optim/newton_descent.h"
#include "optim/steepest_descent.h"

namespace dimp {

// DiMPNetConfig: the architecture (the reference's dimpnet18 / dimpnet50 with its training
// settings; the parameter values only matter until weights are loaded).
struct DiMPNetConfig {
  // The backbone: "resnet" (ResNet-backbone_depth, trained with the head) or "mobilenet" (the
  // pretrained MobileNetV3 of CenterNet, frozen: its stride-8 and stride-16 activations).
  std::string backbone = "resnet";
  int backbone_depth = 18;
  int64_t clf_feat_blocks = 1;        // residual blocks before the final conv
  int64_t clf_kernel = 3;             // the final conv's kernel size
  int64_t out_feature_dim = 256;      // classification feature channels (C)
  int64_t filter_size = 4;
  double feature_stride = 16;
  // The classifier's objective: "learned" (DiMP's learned loss, steepest descent with the
  // Gauss-Newton step) or "kl" (PrDiMP's KL divergence to a label density, steepest descent
  // with the Newton step: losses/kl_loss.h, optim/newton_descent.h).
  std::string objective = "learned";
  losses::LearnedLossOptions loss{100, 0.1, 0.9, 3.0, 0.1, 1e-3};
  losses::KLDivergenceLossOptions kl;  // objective "kl": its label density and regulariser
  double alpha_eps = 0;                // ε of the step length's denominator
  double init_step_length = 0.9;
  int optim_iter = 5;                 // optimizer iterations in training
  bbox::AtomIoUNetOptions iou{{128, 256}};

  static DiMPNetConfig dimp18();
  static DiMPNetConfig dimp50();
  static DiMPNetConfig mobilenet();
  // PrDiMP-18/50 (pytracking's klcedimpnet18/50 with its training settings). SuperDiMP's
  // network is DiMP-50's (its checkpoint has dimp50's layout).
  static DiMPNetConfig prdimp18();
  static DiMPNetConfig prdimp50();
  // The mobilenet head with PrDiMP's objective (trained by this project: the DiMP-vs-PrDiMP
  // ablation on one backbone).
  static DiMPNetConfig prdimp_mobilenet();
  // architectures / from_arch: the configurations by name ("dimp18", "dimp50",
  // "dimp-mobilenet", "prdimp18", "prdimp50", "superdimp", "prdimp-mobilenet"); from_arch
  // throws std::invalid_argument listing them for another name.
  static const std::vector<std::string>& architectures();
  static DiMPNetConfig from_arch(const std::string& arch);
  // The backbone's stride-16 ("layer3") channels, the classification features' input.
  int64_t backbone_layer3_channels() const;
  // The L2 normalisation's scale: sqrt(1 / (C k²)).
  double norm_scale() const;
};

// InstanceL2NormImpl: x·scale·sqrt(C·H·W / (Σx² + 1e-5)) per sample.
class InstanceL2NormImpl : public torch::nn::Module {
 public:
  explicit InstanceL2NormImpl(double scale) : scale_(scale) {}
  at::Tensor forward(const at::Tensor& x);

 private:
  double scale_;
};
TORCH_MODULE(InstanceL2Norm);

// FilterOptimizerModule: the step length and regulariser, and the learned loss's coefficients
// (objective "learned" only), under the reference's names (classifier.filter_optimizer.*).
class FilterOptimizerModuleImpl : public torch::nn::Module {
 public:
  explicit FilterOptimizerModuleImpl(const DiMPNetConfig& config);
  at::Tensor log_step_length, filter_reg;
  torch::nn::Conv2d label_map_predictor{nullptr}, spatial_weight_predictor{nullptr};
  torch::nn::Sequential target_mask_predictor{nullptr};
};
TORCH_MODULE(FilterOptimizerModule);

// FilterInitializerModule: the initializer's conv (classifier.filter_initializer.filter_conv).
class FilterInitializerModuleImpl : public torch::nn::Module {
 public:
  explicit FilterInitializerModuleImpl(int64_t channels);
  torch::nn::Conv2d filter_conv{nullptr};
};
TORCH_MODULE(FilterInitializerModule);

// ClassifierModule: the target classifier (classifier.*).
class ClassifierModuleImpl : public torch::nn::Module {
 public:
  explicit ClassifierModuleImpl(const DiMPNetConfig& config);
  FilterInitializerModule filter_initializer{nullptr};
  FilterOptimizerModule filter_optimizer{nullptr};
  torch::nn::Sequential feature_extractor{nullptr};
};
TORCH_MODULE(ClassifierModule);

class DiMPNetImpl : public torch::nn::Module {
 public:
  explicit DiMPNetImpl(DiMPNetConfig config);

  // normalize: RGB patches in [0, 255], on any device, to the backbone's input on the
  // network's device (ResNet: ImageNet mean and std; the MobileNet takes raw values).
  at::Tensor normalize(const at::Tensor& patches) const;
  // to: the module's tensors and the input normalisation's constants to `device`.
  using torch::nn::Module::to;
  void to(torch::Device device, torch::Dtype dtype, bool non_blocking = false) override;
  void to(torch::Device device, bool non_blocking = false) override;
  // backbone: layer2 (stride 8) and layer3 (stride 16) features (the MobileNet's stride-8 and
  // stride-16 activations, without gradients).
  std::map<std::string, at::Tensor> backbone(const at::Tensor& normalized);
  // classification_features: the classifier's features of layer3, (B, C, H/16, W/16).
  at::Tensor classification_features(const at::Tensor& layer3);

  // The model predictor's policies, sharing this module's tensors (loaded weights apply).
  // loss/optimizer: objective "learned"; kl_loss/kl_optimizer: objective "kl".
  losses::LearnedLoss loss() const;
  LinearFilterInitializer initializer() const;
  optim::SteepestDescentGN<losses::LearnedLoss> optimizer(int num_iter) const;
  losses::KLDivergenceLoss kl_loss() const;
  optim::SteepestDescentNewton<losses::KLDivergenceLoss> kl_optimizer(int num_iter) const;

  // prepare_inference: eval mode, BatchNorms folded into the convolutions, channels-last
  // weights and activations. `compute` at::kBFloat16 runs the convolutions of every frame
  // (backbone, classification features, the IoU-Net's test branch) in bfloat16; features
  // leave them as float for the model predictor and the IoU head. On a CUDA device, move the
  // network there first (net->to(device)): the folded weights are made where the net is.
  void prepare_inference(at::ScalarType compute = at::kFloat);

  const DiMPNetConfig& config() const { return config_; }

  backbones::ResNet feature_extractor{nullptr};  // the ResNet backbone; null with the MobileNet
  ClassifierModule classifier{nullptr};
  bbox::AtomIoUNet bb_regressor{nullptr};

 private:
  // online_options: the optimizers' settings as the tracker runs them (no loss bookkeeping).
  optim::SteepestDescentOptions online_options(int num_iter) const;

  DiMPNetConfig config_;
  std::shared_ptr<backbones::PretrainedBackbone> pretrained_;  // the MobileNet backbone
  at::Tensor mean_, std_;
  bool channels_last_ = false;
  at::ScalarType compute_ = at::kFloat;  // prepare_inference's type for the layers after the backbone
};
TORCH_MODULE(DiMPNet);

}  // namespace dimp
