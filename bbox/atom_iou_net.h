// bbox/atom_iou_net.h — the IoU-Net of ATOM (§3.5): predicts the overlap of candidate boxes
// with the target, given a reference frame's target (through a modulation vector computed
// from its layer2/layer3 features) and a test frame's features. Differentiable w.r.t. the
// candidate boxes, which the tracker refines by gradient ascent on the predicted IoU.
// Parameter names follow the reference's bb_regressor state dict.
//
//   AtomIoUNet net(AtomIoUNetOptions{{128, 256}});                 // DiMP-18
//   auto mod = net->modulation(ref_layer2, ref_layer3, ref_boxes);  // boxes (B, 4) x,y,w,h patch px
//   auto feat = net->iou_features(test_layer2, test_layer3);
//   at::Tensor iou = net->predict_iou(mod, feat, proposals);       // proposals (B, P, 4) -> (B, P)
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include <map>
#include <utility>

namespace dimp::bbox {

// AtomIoUNetOptions: input channels of the layer2 / layer3 features, and the widths.
struct AtomIoUNetOptions {
  std::pair<int64_t, int64_t> input_dim{128, 256};        // (128, 256) ResNet-18, (512, 1024) ResNet-50
  std::pair<int64_t, int64_t> pred_input_dim{256, 256};
  std::pair<int64_t, int64_t> pred_inter_dim{256, 256};
};

// LinearBlockImpl: fully connected layer over a pooled (C, s, s) map, BatchNorm, ReLU.
class LinearBlockImpl : public torch::nn::Module {
 public:
  LinearBlockImpl(int64_t in_planes, int64_t out_planes, int64_t input_size);
  at::Tensor forward(const at::Tensor& x);
  torch::nn::Linear linear{nullptr};
  torch::nn::BatchNorm2d bn{nullptr};
};
TORCH_MODULE(LinearBlock);

// IoUModulation / IoUFeatures: what modulation() and iou_features() return.
struct IoUModulation {
  at::Tensor layer2, layer3;  // (B, 256, 1, 1) each
};
struct IoUFeatures {
  at::Tensor layer2, layer3;  // (B, 256, H/8, W/8), (B, 256, H/16, W/16)
};

class AtomIoUNetImpl : public torch::nn::Module {
 public:
  explicit AtomIoUNetImpl(AtomIoUNetOptions options = {});

  IoUModulation modulation(const at::Tensor& layer2, const at::Tensor& layer3, const at::Tensor& boxes);
  IoUFeatures iou_features(const at::Tensor& layer2, const at::Tensor& layer3);
  // predict_iou: (B, P) predicted IoU of proposals (B, P, 4) x,y,w,h in patch pixels.
  at::Tensor predict_iou(const IoUModulation& modulation, const IoUFeatures& features, const at::Tensor& proposals);
  // modulate / predict_iou_modulated: the same in two steps, so that refinement, which scores
  // new proposals on the same frame several times, modulates the features once.
  IoUFeatures modulate(const IoUModulation& modulation, const IoUFeatures& features);
  at::Tensor predict_iou_modulated(const IoUFeatures& modulated, const at::Tensor& proposals);

  // fold_batchnorm: for inference, each conv (or linear) + BatchNorm + ReLU block runs as one
  // conv (or linear). The test branch's convolutions (iou_features, every frame) keep their
  // weights in `test_branch` type and run in it (at::kBFloat16: bfloat16 features); the rest
  // stays in float.
  void fold_batchnorm(at::ScalarType test_branch = at::kFloat);
  void train(bool on = true) override;
  // FoldedLayer: a folded block's weight and bias (conv: padding too).
  struct FoldedLayer {
    at::Tensor weight, bias;
    int64_t padding;
  };
  // folded: `block`'s folded layer; fails unless is_folded().
  const FoldedLayer& folded(const torch::nn::Module& block) const;
  bool is_folded() const { return !folded_.empty() && !is_training(); }
  // test_branch_type: the type fold_batchnorm gave the test branch (fails unless is_folded()).
  at::ScalarType test_branch_type() const { return folded(*conv3_1t).weight.scalar_type(); }

  // The test branch pools 5x5 bins of layer2 (stride 8) and 3x3 bins of layer3 (stride 16).
  static constexpr int kPooled2 = 5, kPooled3 = 3;
  static constexpr double kScale2 = 1.0 / 8, kScale3 = 1.0 / 16;

  torch::nn::Sequential conv3_1r{nullptr}, conv3_1t{nullptr}, conv3_2t{nullptr}, fc3_1r{nullptr};
  torch::nn::Sequential conv4_1r{nullptr}, conv4_1t{nullptr}, conv4_2t{nullptr}, fc34_3r{nullptr}, fc34_4r{nullptr};
  LinearBlock fc3_rt{nullptr}, fc4_rt{nullptr};
  torch::nn::Linear iou_predictor{nullptr};

 private:
  at::Tensor block(torch::nn::Sequential& b, const at::Tensor& x);
  at::Tensor linear_block(LinearBlock& b, const at::Tensor& x);
  std::map<const torch::nn::Module*, FoldedLayer> folded_;
};
TORCH_MODULE(AtomIoUNet);

}  // namespace dimp::bbox
