#include "bbox/atom_iou_net.h"

#include <torch/nn/modules/activation.h>

#include <vector>

#include "bbox/prroi_pool.h"

namespace dimp::bbox {
namespace {

// conv + BatchNorm + ReLU, as the reference's conv() helper (biased convolution).
torch::nn::Sequential conv_block(int64_t in, int64_t out, int64_t k, int64_t pad) {
  return torch::nn::Sequential(torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, k).padding(pad).bias(true)),
                               torch::nn::BatchNorm2d(out), torch::nn::ReLU());
}

// (B, 4) x,y,w,h -> (B, 5) [b, x0, y0, x1, y1].
at::Tensor rois_of(const at::Tensor& boxes) {
  TORCH_CHECK(boxes.dim() == 2 && boxes.size(1) == 4, "AtomIoUNet: boxes must be (B, 4), got ", boxes.sizes());
  return xywh_to_rois(boxes.unsqueeze(1));
}

}  // namespace

LinearBlockImpl::LinearBlockImpl(int64_t in, int64_t out, int64_t size) {
  linear = register_module("linear", torch::nn::Linear(in * size * size, out));
  bn = register_module("bn", torch::nn::BatchNorm2d(out));
}

at::Tensor LinearBlockImpl::forward(const at::Tensor& x) {
  auto y = linear(x.reshape({x.size(0), -1}));
  y = bn(y.reshape({y.size(0), y.size(1), 1, 1}));
  return y.relu().reshape({y.size(0), -1});
}

AtomIoUNetImpl::AtomIoUNetImpl(AtomIoUNetOptions o) {
  const auto [c2, c3] = o.input_dim;
  conv3_1r = register_module("conv3_1r", conv_block(c2, 128, 3, 1));
  conv3_1t = register_module("conv3_1t", conv_block(c2, 256, 3, 1));
  conv3_2t = register_module("conv3_2t", conv_block(256, o.pred_input_dim.first, 3, 1));
  fc3_1r = register_module("fc3_1r", conv_block(128, 256, 3, 0));
  conv4_1r = register_module("conv4_1r", conv_block(c3, 256, 3, 1));
  conv4_1t = register_module("conv4_1t", conv_block(c3, 256, 3, 1));
  conv4_2t = register_module("conv4_2t", conv_block(256, o.pred_input_dim.second, 3, 1));
  fc34_3r = register_module("fc34_3r", conv_block(256 + 256, o.pred_input_dim.first, 1, 0));
  fc34_4r = register_module("fc34_4r", conv_block(256 + 256, o.pred_input_dim.second, 1, 0));
  fc3_rt = register_module("fc3_rt", LinearBlock(o.pred_input_dim.first, o.pred_inter_dim.first, kPooled2));
  fc4_rt = register_module("fc4_rt", LinearBlock(o.pred_input_dim.second, o.pred_inter_dim.second, kPooled3));
  iou_predictor = register_module("iou_predictor", torch::nn::Linear(o.pred_inter_dim.first + o.pred_inter_dim.second, 1));
}

void AtomIoUNetImpl::fold_batchnorm(at::ScalarType test_branch) {
  at::NoGradGuard ng;
  folded_.clear();
  // A layer y = W·x + c followed by eval-mode BatchNorm is W'·x + c' with W' = W·s (per
  // output) and c' = β − μ·s + c·s, s = γ / sqrt(σ² + ε).
  auto fold = [&](const torch::nn::Module* key, const at::Tensor& weight, const at::Tensor& bias,
                  const torch::nn::BatchNorm2dImpl& bn, int64_t padding) {
    auto scale = bn.weight / (bn.running_var + bn.options.eps()).sqrt();
    std::vector<int64_t> per_output(weight.dim(), 1);
    per_output[0] = -1;
    auto w = (weight * scale.view(per_output)).contiguous(weight.suggest_memory_format());
    folded_[key] = {w, bn.bias - bn.running_mean * scale + bias * scale, padding};
  };
  for (auto* b : {&conv3_1r, &conv3_1t, &conv3_2t, &fc3_1r, &conv4_1r, &conv4_1t, &conv4_2t, &fc34_3r, &fc34_4r}) {
    auto conv = std::dynamic_pointer_cast<torch::nn::Conv2dImpl>((*b)->ptr(0));
    auto bn = std::dynamic_pointer_cast<torch::nn::BatchNorm2dImpl>((*b)->ptr(1));
    const int64_t pad = b == &fc3_1r ? 0 : conv->weight.size(-1) / 2;  // fc3_1r is the only unpadded 3x3
    fold(b->get(), conv->weight, conv->bias, *bn, pad);
  }
  for (auto* b : {&conv3_1t, &conv3_2t, &conv4_1t, &conv4_2t}) {
    auto& f = folded_[b->get()];
    f.weight = f.weight.to(test_branch);
    f.bias = f.bias.to(test_branch);
  }
  for (auto* b : {&fc3_rt, &fc4_rt}) fold(b->get(), (*b)->linear->weight, (*b)->linear->bias, *(*b)->bn, 0);
}

void AtomIoUNetImpl::train(bool on) {
  if (on) folded_.clear();
  torch::nn::Module::train(on);
}

const AtomIoUNetImpl::FoldedLayer& AtomIoUNetImpl::folded(const torch::nn::Module& block) const {
  auto it = folded_.find(&block);
  TORCH_CHECK(it != folded_.end() && is_folded(), "AtomIoUNet: block ", block.name(),
              " is not folded (call fold_batchnorm() and keep the net in eval mode)");
  return it->second;
}

at::Tensor AtomIoUNetImpl::block(torch::nn::Sequential& b, const at::Tensor& x) {
  auto it = folded_.find(b.get());
  if (it == folded_.end() || is_training()) return b->forward(x);
  const auto& f = it->second;  // computes in the folded weight's type
  return at::conv2d(x.to(f.weight.scalar_type()), f.weight, f.bias, 1, f.padding).relu_();
}

at::Tensor AtomIoUNetImpl::linear_block(LinearBlock& b, const at::Tensor& x) {
  auto it = folded_.find(b.get());
  if (it == folded_.end() || is_training()) return b->forward(x);
  return at::linear(x.reshape({x.size(0), -1}), it->second.weight, it->second.bias).relu_();
}

IoUModulation AtomIoUNetImpl::modulation(const at::Tensor& layer2, const at::Tensor& layer3, const at::Tensor& boxes) {
  auto rois = rois_of(boxes.to(layer2.options()));
  auto c3 = block(conv3_1r, layer2);
  auto roi3 = prroi_pool2d(c3, rois, 3, 3, 1.0 / 8);
  auto c4 = block(conv4_1r, layer3);
  auto roi4 = prroi_pool2d(c4, rois, 1, 1, 1.0 / 16);
  auto fc34 = at::cat({block(fc3_1r, roi3), roi4}, 1);
  return {block(fc34_3r, fc34), block(fc34_4r, fc34)};
}

IoUFeatures AtomIoUNetImpl::iou_features(const at::Tensor& layer2, const at::Tensor& layer3) {
  return {block(conv3_2t, block(conv3_1t, layer2)), block(conv4_2t, block(conv4_1t, layer3))};
}

IoUFeatures AtomIoUNetImpl::modulate(const IoUModulation& m, const IoUFeatures& f) {
  const int64_t B = f.layer2.size(0);
  TORCH_CHECK(m.layer2.size(0) == B, "AtomIoUNet: ", B, " test images but ", m.layer2.size(0), " modulation vectors");
  return {f.layer2 * m.layer2.reshape({B, -1, 1, 1}), f.layer3 * m.layer3.reshape({B, -1, 1, 1})};
}

at::Tensor AtomIoUNetImpl::predict_iou_modulated(const IoUFeatures& f, const at::Tensor& proposals) {
  TORCH_CHECK(proposals.dim() == 3 && proposals.size(2) == 4, "AtomIoUNet: proposals must be (B, P, 4), got ",
              proposals.sizes());
  const int64_t B = f.layer2.size(0), P = proposals.size(1);
  TORCH_CHECK(proposals.size(0) == B, "AtomIoUNet: ", B, " test images but ", proposals.size(0), " proposal sets");
  auto rois = xywh_to_rois(proposals.to(f.layer2.options()));  // image-major, proposal-minor
  auto roi3 = prroi_pool2d(f.layer2, rois, kPooled2, kPooled2, kScale2);
  auto roi4 = prroi_pool2d(f.layer3, rois, kPooled3, kPooled3, kScale3);
  auto fc = at::cat({linear_block(fc3_rt, roi3), linear_block(fc4_rt, roi4)}, 1);
  return iou_predictor(fc).reshape({B, P});
}

at::Tensor AtomIoUNetImpl::predict_iou(const IoUModulation& m, const IoUFeatures& f, const at::Tensor& proposals) {
  return predict_iou_modulated(modulate(m, f), proposals);
}

}  // namespace dimp::bbox
