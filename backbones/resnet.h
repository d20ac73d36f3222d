// backbones/resnet.h — ResNet-18 and ResNet-50 in torchvision's layout (parameter names as in
// its state dicts, so ImageNet and DiMP checkpoints load by name), returning any requested
// layers (conv1, layer1 .. layer4) and stopping as soon as those are computed.
//
//   dimp::backbones::ResNet net(dimp::backbones::ResNetOptions{50});
//   net->eval();
//   auto out = net->forward(images, {"layer2", "layer3"});   // name -> (B, C, H/s, W/s)
//
// For inference, fold_batchnorm() bakes each eval-mode BatchNorm into the preceding
// convolution (one conv with bias instead of conv + BN); call it after loading weights.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include <map>
#include <string>
#include <vector>

namespace dimp::backbones {

// ResNetOptions: the depth (18: BasicBlocks [2,2,2,2]; 50: Bottlenecks [3,4,6,3]).
struct ResNetOptions {
  int depth = 18;
};

// FoldedConv: a convolution with its BatchNorm folded in. It computes in its weight's type
// (inputs are cast to it), so a bfloat16 copy runs the layer in bfloat16.
//
// A bfloat16 CPU copy also keeps its weight pre-packed in oneDNN's blocked layout (`packed`):
// at::conv2d re-orders the weight on every call, and blocked activations skip the per-layer
// NHWC conversions (ResNet-50 to layer3 at 288x288: 26 -> 21 ms here). Packed convolutions take
// and return oneDNN tensors (x.is_mkldnn()); to_onednn / from_onednn convert at the edges.
struct FoldedConv {
  at::Tensor weight, bias;
  at::Tensor packed;  // oneDNN-blocked bfloat16 weight, or undefined
  int64_t stride = 1, padding = 0;
  at::Tensor operator()(const at::Tensor& x) const;
  bool is_packed() const { return packed.defined(); }
};

// to_onednn / from_onednn: a dense (B, C, H, W) tensor to a bfloat16 oneDNN tensor and back
// (channels-last, the layout the rest of the inference path uses).
at::Tensor to_onednn(const at::Tensor& x);
at::Tensor from_onednn(const at::Tensor& x);

// ResidualBlockImpl: torchvision's BasicBlock (two 3x3) or Bottleneck (1x1, 3x3 with the
// stride, 1x1 expanding 4x), with an optional 1x1 downsampling shortcut.
class ResidualBlockImpl : public torch::nn::Module {
 public:
  ResidualBlockImpl(int64_t in_channels, int64_t planes, int64_t stride, bool bottleneck);
  at::Tensor forward(const at::Tensor& x);
  // fold_batchnorm: folded weights in `compute` type (at::kBFloat16: the block runs in it).
  void fold_batchnorm(at::ScalarType compute = at::kFloat);
  void unfold() { folded_.clear(); }
  int64_t out_channels() const { return out_channels_; }

  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr}, conv3{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr}, bn2{nullptr}, bn3{nullptr};
  torch::nn::Sequential downsample{nullptr};

 private:
  bool bottleneck_;
  int64_t out_channels_;
  std::vector<FoldedConv> folded_;  // conv1, conv2, [conv3], [downsample]
};
TORCH_MODULE(ResidualBlock);

class ResNetImpl : public torch::nn::Module {
 public:
  explicit ResNetImpl(ResNetOptions options = {});
  // forward: the requested layers of (B, 3, H, W) input (normalised as torchvision expects).
  std::map<std::string, at::Tensor> forward(const at::Tensor& x, const std::vector<std::string>& layers);
  // out_channels: channels of a named layer's output.
  int64_t out_channels(const std::string& layer) const;
  // fold_batchnorm / unfold: see the header comment; train() unfolds automatically. The folded
  // weights are kept in `compute` type; at::kBFloat16 runs the network in bfloat16.
  void fold_batchnorm(at::ScalarType compute = at::kFloat);
  void unfold();
  void train(bool on = true) override;

  torch::nn::Conv2d conv1{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr};
  torch::nn::Sequential layer1{nullptr}, layer2{nullptr}, layer3{nullptr}, layer4{nullptr};
  torch::nn::Linear fc{nullptr};

 private:
  ResNetOptions options_;
  std::vector<FoldedConv> folded_stem_;
};
TORCH_MODULE(ResNet);

// fold: a conv's weight and a BatchNorm's statistics to one conv (eval-mode semantics).
FoldedConv fold(const torch::nn::Conv2dImpl& conv, const torch::nn::BatchNorm2dImpl& bn,
                at::ScalarType compute = at::kFloat);

}  // namespace dimp::backbones
