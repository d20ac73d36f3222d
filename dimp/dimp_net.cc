#include "dimp/dimp_net.h"

#include <cmath>
#include <stdexcept>

namespace dimp {

DiMPNetConfig DiMPNetConfig::dimp18() { return DiMPNetConfig{}; }

DiMPNetConfig DiMPNetConfig::dimp50() {
  DiMPNetConfig c;
  c.backbone_depth = 50;
  c.clf_feat_blocks = 0;
  c.out_feature_dim = 512;
  c.iou.input_dim = {4 * 128, 4 * 256};
  return c;
}

DiMPNetConfig DiMPNetConfig::mobilenet() {
  DiMPNetConfig c;
  c.backbone = "mobilenet";
  c.clf_feat_blocks = 0;
  c.out_feature_dim = 256;
  c.iou.input_dim = {192, 528};  // the stride-8 and stride-16 activations
  return c;
}

namespace {

// with_kl_objective: PrDiMP's classifier on a DiMP network (pytracking's prdimp18/50 training
// settings: label σ = 1/4 of the target over the search area, in feature cells; λ from 0.05
// with the same floor; ε = 0.05; labels normalised on the grid).
DiMPNetConfig with_kl_objective(DiMPNetConfig c, double sigma) {
  c.objective = "kl";
  c.kl.sigma = sigma;
  c.kl.init_filter_reg = 0.05;
  c.kl.min_filter_reg = 0.05;
  c.kl.normalize = true;
  c.alpha_eps = 0.05;
  c.init_step_length = 1.0;
  return c;
}

}  // namespace

DiMPNetConfig DiMPNetConfig::prdimp18() { return with_kl_objective(dimp18(), 0.25 / 5 * 18); }
DiMPNetConfig DiMPNetConfig::prdimp50() { return with_kl_objective(dimp50(), 0.25 / 5 * 18); }
DiMPNetConfig DiMPNetConfig::prdimp_mobilenet() { return with_kl_objective(mobilenet(), 0.25 / 5 * 18); }

const std::vector<std::string>& DiMPNetConfig::architectures() {
  static const std::vector<std::string> names{"dimp18",   "dimp50",    "dimp-mobilenet",
                                              "prdimp18", "prdimp50",  "superdimp",
                                              "prdimp-mobilenet"};
  return names;
}

DiMPNetConfig DiMPNetConfig::from_arch(const std::string& arch) {
  if (arch == "dimp18") return dimp18();
  if (arch == "dimp50" || arch == "superdimp") return dimp50();
  if (arch == "dimp-mobilenet") return mobilenet();
  if (arch == "prdimp18") return prdimp18();
  if (arch == "prdimp50") return prdimp50();
  if (arch == "prdimp-mobilenet") return prdimp_mobilenet();
  std::string known;
  for (const auto& a : architectures()) known += (known.empty() ? "" : ", ") + a;
  throw std::invalid_argument("unknown architecture '" + arch + "' (" + known + ")");
}

int64_t DiMPNetConfig::backbone_layer3_channels() const {
  if (backbone == "mobilenet") return 528;
  return backbone_depth == 50 ? 1024 : 256;
}

double DiMPNetConfig::norm_scale() const {
  return std::sqrt(1.0 / static_cast<double>(out_feature_dim * filter_size * filter_size));
}

at::Tensor InstanceL2NormImpl::forward(const at::Tensor& x) {
  const double chw = static_cast<double>(x.size(1) * x.size(2) * x.size(3));
  const auto xf = x.scalar_type() == at::kBFloat16 ? x.to(at::kFloat) : x;  // the norm, the features in float
  auto sumsq = (xf * xf).sum({1, 2, 3}, /*keepdim=*/true);
  return xf * (scale_ * ((chw / (sumsq + 1e-5)).sqrt()));
}

FilterOptimizerModuleImpl::FilterOptimizerModuleImpl(const DiMPNetConfig& c) {
  // Initial values as the reference's constructor (overwritten by loaded weights).
  TORCH_CHECK(c.objective == "learned" || c.objective == "kl", "DiMPNet: unknown objective '", c.objective,
              "' (learned, kl)");
  log_step_length = register_parameter("log_step_length", at::full({1}, std::log(c.init_step_length)));
  if (c.objective == "kl") {
    filter_reg = register_parameter("filter_reg", at::full({1}, c.kl.init_filter_reg));
    return;
  }
  losses::LearnedLoss init(c.loss);
  const int64_t n = c.loss.num_bins;
  filter_reg = register_parameter("filter_reg", init.filter_reg.clone());
  auto conv1x1 = [n] { return torch::nn::Conv2d(torch::nn::Conv2dOptions(n, 1, 1).bias(false)); };
  label_map_predictor = register_module("label_map_predictor", conv1x1());
  target_mask_predictor = register_module("target_mask_predictor", torch::nn::Sequential(conv1x1()));
  spatial_weight_predictor = register_module("spatial_weight_predictor", conv1x1());
  at::NoGradGuard ng;
  label_map_predictor->weight.copy_(init.label_coeffs.view({1, n, 1, 1}));
  target_mask_predictor->ptr<torch::nn::Conv2dImpl>(0)->weight.copy_(init.mask_coeffs.view({1, n, 1, 1}));
  spatial_weight_predictor->weight.copy_(init.weight_coeffs.view({1, n, 1, 1}));
}

FilterInitializerModuleImpl::FilterInitializerModuleImpl(int64_t channels) {
  filter_conv = register_module("filter_conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(channels, channels, 3).padding(1)));
  // He-normal weights, zero bias (the reference's initialisation).
  at::NoGradGuard ng;
  filter_conv->weight.normal_(0, std::sqrt(2.0 / (9.0 * static_cast<double>(channels))));
  filter_conv->bias.zero_();
}

ClassifierModuleImpl::ClassifierModuleImpl(const DiMPNetConfig& c) {
  // Registration order matches the reference's state dict: initializer, optimizer, features.
  filter_initializer = register_module("filter_initializer", FilterInitializerModule(c.out_feature_dim));
  filter_optimizer = register_module("filter_optimizer", FilterOptimizerModule(c));
  torch::nn::Sequential features;
  const int64_t in = c.backbone_layer3_channels();
  TORCH_CHECK(c.clf_feat_blocks == 0 || (c.backbone == "resnet" && c.backbone_depth == 18),
              "DiMPNet: residual classification blocks are built for ResNet-18 only");
  TORCH_CHECK(c.clf_kernel % 2 == 1, "DiMPNet: the classification conv's kernel must be odd, got ", c.clf_kernel);
  for (int64_t b = 0; b < c.clf_feat_blocks; ++b) features->push_back(backbones::ResidualBlock(in, in, 1, false));
  features->push_back(torch::nn::Conv2d(
      torch::nn::Conv2dOptions(in, c.out_feature_dim, c.clf_kernel).padding(c.clf_kernel / 2).bias(false)));
  features->push_back(InstanceL2Norm(c.norm_scale()));
  feature_extractor = register_module("feature_extractor", features);
}

DiMPNetImpl::DiMPNetImpl(DiMPNetConfig config) : config_(config) {
  TORCH_CHECK(config.backbone == "resnet" || config.backbone == "mobilenet", "DiMPNet: unknown backbone '",
              config.backbone, "' (resnet, mobilenet)");
  if (config.backbone == "resnet") {
    feature_extractor = register_module("feature_extractor", backbones::ResNet(backbones::ResNetOptions{config.backbone_depth}));
  } else {
    pretrained_ = std::make_shared<backbones::PretrainedBackbone>();
  }
  classifier = register_module("classifier", ClassifierModule(config));
  bb_regressor = register_module("bb_regressor", bbox::AtomIoUNet(config.iou));
  mean_ = at::tensor({0.485, 0.456, 0.406}, at::kFloat).view({1, 3, 1, 1}) * 255.0;
  std_ = at::tensor({0.229, 0.224, 0.225}, at::kFloat).view({1, 3, 1, 1}) * 255.0;
}

at::Tensor DiMPNetImpl::normalize(const at::Tensor& patches) const {
  TORCH_CHECK(patches.dim() == 4 && patches.size(1) == 3, "DiMPNet: patches must be (B, 3, H, W), got ", patches.sizes());
  auto x = patches.to(mean_.device(), at::kFloat);  // mean_ is where the network is (to())
  if (pretrained_) return x;
  auto out = (x - mean_) / std_;
  return channels_last_ ? out.contiguous(at::MemoryFormat::ChannelsLast) : out;
}

void DiMPNetImpl::to(torch::Device device, torch::Dtype dtype, bool non_blocking) {
  torch::nn::Module::to(device, dtype, non_blocking);
  mean_ = mean_.to(device);
  std_ = std_.to(device);
}

void DiMPNetImpl::to(torch::Device device, bool non_blocking) {
  torch::nn::Module::to(device, non_blocking);
  mean_ = mean_.to(device);
  std_ = std_.to(device);
}

std::map<std::string, at::Tensor> DiMPNetImpl::backbone(const at::Tensor& normalized) {
  if (pretrained_) {
    // The pretrained backbone runs in float (faster than bfloat16 here); what follows it takes
    // the inference type, as the ResNet's activations arrive in it.
    auto maps = pretrained_->forward(normalized, /*stride8=*/true);
    return {{"layer2", maps.stride8.to(compute_)}, {"layer3", maps.stride16.to(compute_)}};
  }
  return feature_extractor->forward(normalized, {"layer2", "layer3"});
}

at::Tensor DiMPNetImpl::classification_features(const at::Tensor& layer3) {
  return classifier->feature_extractor->forward(layer3);
}

losses::LearnedLoss DiMPNetImpl::loss() const {
  TORCH_CHECK(config_.objective == "learned", "DiMPNet: loss() is the learned loss; this network's objective is ",
              config_.objective, " (kl_loss())");
  losses::LearnedLoss l(config_.loss);
  const auto& m = classifier->filter_optimizer;
  const int64_t n = config_.loss.num_bins;
  l.label_coeffs = m->label_map_predictor->weight.view({n});
  l.mask_coeffs = m->target_mask_predictor->ptr<torch::nn::Conv2dImpl>(0)->weight.view({n});
  l.weight_coeffs = m->spatial_weight_predictor->weight.view({n});
  l.filter_reg = m->filter_reg;
  return l;
}

LinearFilterInitializer DiMPNetImpl::initializer() const {
  LinearFilterInitializer init({config_.out_feature_dim, config_.filter_size, config_.feature_stride, 3, false});
  init.conv_weight = classifier->filter_initializer->filter_conv->weight;
  init.conv_bias = classifier->filter_initializer->filter_conv->bias;
  return init;
}

optim::SteepestDescentOptions DiMPNetImpl::online_options(int num_iter) const {
  optim::SteepestDescentOptions o;
  o.num_iter = num_iter;
  o.compute_losses = false;
  o.alpha_eps = config_.alpha_eps;
  return o;
}

optim::SteepestDescentGN<losses::LearnedLoss> DiMPNetImpl::optimizer(int num_iter) const {
  optim::SteepestDescentGN<losses::LearnedLoss> sd(loss(), online_options(num_iter));
  sd.log_step_length = classifier->filter_optimizer->log_step_length;
  return sd;
}

losses::KLDivergenceLoss DiMPNetImpl::kl_loss() const {
  TORCH_CHECK(config_.objective == "kl", "DiMPNet: kl_loss() is PrDiMP's; this network's objective is ",
              config_.objective, " (loss())");
  losses::KLDivergenceLoss l(config_.kl);
  l.filter_reg = classifier->filter_optimizer->filter_reg;
  return l;
}

optim::SteepestDescentNewton<losses::KLDivergenceLoss> DiMPNetImpl::kl_optimizer(int num_iter) const {
  optim::SteepestDescentNewton<losses::KLDivergenceLoss> sd(kl_loss(), online_options(num_iter));
  sd.log_step_length = classifier->filter_optimizer->log_step_length;
  return sd;
}

void DiMPNetImpl::prepare_inference(at::ScalarType compute) {
  TORCH_CHECK(compute == at::kFloat || compute == at::kBFloat16, "DiMPNet: inference in float or bfloat16, not ",
              compute);
  eval();
  // Channels-last weights and activations: oneDNN's convolutions then run without
  // re-ordering tensors at every layer (ResNet-18 to layer3: 18 -> 11 ms here).
  at::NoGradGuard ng;
  for (auto& p : parameters()) {
    if (p.dim() == 4) p.set_data(p.contiguous(at::MemoryFormat::ChannelsLast));
  }
  channels_last_ = true;
  compute_ = compute;
  if (feature_extractor) feature_extractor->fold_batchnorm(compute);
  bb_regressor->fold_batchnorm(compute);
  for (auto& m : classifier->feature_extractor->children()) {
    if (auto block = std::dynamic_pointer_cast<backbones::ResidualBlockImpl>(m)) block->fold_batchnorm(compute);
    if (auto conv = std::dynamic_pointer_cast<torch::nn::Conv2dImpl>(m)) {
      for (auto& p : conv->parameters()) p.set_data(p.to(compute));
    }
  }
}

}  // namespace dimp
