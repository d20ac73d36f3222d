#include "bbox/atom_iou_net.h"

#include <torch/nn/modules/activation.h>

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
  fc3_rt = register_module("fc3_rt", LinearBlock(o.pred_input_dim.first, o.pred_inter_dim.first, 5));
  fc4_rt = register_module("fc4_rt", LinearBlock(o.pred_input_dim.second, o.pred_inter_dim.second, 3));
  iou_predictor = register_module("iou_predictor", torch::nn::Linear(o.pred_inter_dim.first + o.pred_inter_dim.second, 1));
}

IoUModulation AtomIoUNetImpl::modulation(const at::Tensor& layer2, const at::Tensor& layer3, const at::Tensor& boxes) {
  auto rois = rois_of(boxes.to(layer2.options()));
  auto c3 = conv3_1r->forward(layer2);
  auto roi3 = prroi_pool2d(c3, rois, 3, 3, 1.0 / 8);
  auto c4 = conv4_1r->forward(layer3);
  auto roi4 = prroi_pool2d(c4, rois, 1, 1, 1.0 / 16);
  auto fc34 = at::cat({fc3_1r->forward(roi3), roi4}, 1);
  return {fc34_3r->forward(fc34), fc34_4r->forward(fc34)};
}

IoUFeatures AtomIoUNetImpl::iou_features(const at::Tensor& layer2, const at::Tensor& layer3) {
  return {conv3_2t->forward(conv3_1t->forward(layer2)), conv4_2t->forward(conv4_1t->forward(layer3))};
}

at::Tensor AtomIoUNetImpl::predict_iou(const IoUModulation& m, const IoUFeatures& f, const at::Tensor& proposals) {
  TORCH_CHECK(proposals.dim() == 3 && proposals.size(2) == 4, "AtomIoUNet: proposals must be (B, P, 4), got ",
              proposals.sizes());
  const int64_t B = f.layer2.size(0), P = proposals.size(1);
  TORCH_CHECK(proposals.size(0) == B && m.layer2.size(0) == B, "AtomIoUNet: ", B, " test images but ",
              proposals.size(0), " proposal sets and ", m.layer2.size(0), " modulation vectors");
  auto c3 = f.layer2 * m.layer2.reshape({B, -1, 1, 1});
  auto c4 = f.layer3 * m.layer3.reshape({B, -1, 1, 1});
  auto rois = xywh_to_rois(proposals.to(c3.options()));  // image-major, proposal-minor
  auto roi3 = prroi_pool2d(c3, rois, 5, 5, 1.0 / 8);
  auto roi4 = prroi_pool2d(c4, rois, 3, 3, 1.0 / 16);
  auto fc = at::cat({fc3_rt(roi3), fc4_rt(roi4)}, 1);
  return iou_predictor(fc).reshape({B, P});
}

}  // namespace dimp::bbox
