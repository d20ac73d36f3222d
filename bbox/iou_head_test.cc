#include "bbox/iou_head.h"

#include <gtest/gtest.h>

#include <utility>

#include "bbox/cpu/few_rows_matmul.h"
#include "tests/random_batchnorm.h"

namespace dimp::bbox {
namespace {

// A small IoU-Net (channel counts off the vector width) with BatchNorm statistics far from
// identity, so folding matters.
AtomIoUNet random_net(AtomIoUNetOptions options = {{16, 32}, {24, 40}, {20, 28}}) {
  at::manual_seed(11);
  AtomIoUNet net(options);
  testing::randomize_batchnorm(*net);
  for (auto& p : net->parameters()) p.requires_grad_(false);
  return net;
}

// reference: IoUs and their gradients w.r.t. the proposals through autograd on the unfolded
// eval-mode network (call before fold_batchnorm()).
std::pair<at::Tensor, at::Tensor> autograd_iou_and_gradient(AtomIoUNet& net, const IoUFeatures& modulated,
                                                            const at::Tensor& proposals) {
  at::AutoGradMode on(true);
  auto b = proposals.clone().requires_grad_();
  auto iou = net->predict_iou_modulated(modulated, b);
  iou.sum().backward();
  return {iou.detach(), b.grad()};
}

// The head's IoUs and hand-written box gradients equal autograd's through the unfolded
// eval-mode network, for several images and boxes partly outside the map.
TEST(IoUHead, EqualsAutogradThroughTheEvalNetwork) {
  auto net = random_net();
  net->eval();
  auto l2 = at::randn({2, 16, 36, 36}), l3 = at::randn({2, 32, 18, 18});
  auto ref_boxes = at::tensor({110.f, 100.f, 70.f, 90.f, 40.f, 50.f, 60.f, 30.f}).view({2, 4});
  auto proposals = at::rand({2, 7, 4}) * at::tensor({250.f, 250.f, 120.f, 120.f}) + at::tensor({-20.f, -20.f, 8.f, 8.f});
  IoUModulation mod;
  IoUFeatures feat;
  {
    at::NoGradGuard ng;
    mod = net->modulation(l2, l3, ref_boxes);
    feat = net->modulate(mod, net->iou_features(l2, l3));
  }
  const auto [expected_iou, expected_grad] = autograd_iou_and_gradient(net, feat, proposals);
  net->fold_batchnorm();
  const IoUHead head(*net);
  for (bool channels_last : {false, true}) {
    IoUFeatures f = feat;
    if (channels_last) {
      f.layer2 = f.layer2.contiguous(at::MemoryFormat::ChannelsLast);
      f.layer3 = f.layer3.contiguous(at::MemoryFormat::ChannelsLast);
    }
    const auto out = head.evaluate(f, proposals);
    EXPECT_TRUE(at::allclose(out.iou, expected_iou, 1e-4, 1e-5)) << out.iou << expected_iou;
    EXPECT_TRUE(at::allclose(out.box_gradient, expected_grad, 1e-3, 1e-6)) << out.box_gradient << expected_grad;
    EXPECT_FALSE(head.evaluate(f, proposals, /*box_gradient=*/false).box_gradient.defined());
  }
  EXPECT_GT(expected_grad.abs().sum().item<double>(), 0.0);
}

// bfloat16 FC layers: IoUs and box gradients within bfloat16's precision of float autograd
// (FC inputs of 32·25 and 32·9, multiples of 32 as the bfloat16 kernel needs).
TEST(IoUHead, BFloat16LayersStayWithinTheirPrecision) {
  if (!cpu::has_native_bf16()) GTEST_SKIP() << "this CPU has no AVX512-BF16";
  auto net = random_net(AtomIoUNetOptions{{16, 32}, {32, 32}, {20, 28}});
  net->eval();
  auto l2 = at::randn({1, 16, 36, 36}), l3 = at::randn({1, 32, 18, 18});
  auto proposals = at::rand({1, 10, 4}) * at::tensor({150.f, 150.f, 100.f, 100.f}) + at::tensor({20.f, 20.f, 30.f, 30.f});
  IoUFeatures feat;
  {
    at::NoGradGuard ng;
    feat = net->modulate(net->modulation(l2, l3, at::tensor({110.f, 100.f, 70.f, 90.f}).view({1, 4})),
                         net->iou_features(l2, l3));
  }
  const auto [iou, grad] = autograd_iou_and_gradient(net, feat, proposals);
  net->fold_batchnorm();
  const auto out = IoUHead(*net, /*bfloat16=*/true).evaluate(feat, proposals);
  const double range = (iou.max() - iou.min()).item<double>() + iou.abs().max().item<double>();
  EXPECT_LT((out.iou - iou).abs().max().item<double>(), 0.02 * range) << out.iou << iou;
  // The gradient (the refinement's step direction) keeps its direction.
  const double cosine = (out.box_gradient * grad).sum().item<double>() / (out.box_gradient.norm() * grad.norm()).item<double>();
  EXPECT_GT(cosine, 0.99);
  EXPECT_FALSE(at::equal(out.iou, iou));  // it did run in bfloat16
}

TEST(IoUHead, RefusesUnfoldedNetsAndBadProposals) {
  auto net = random_net();
  net->eval();
  EXPECT_THROW(IoUHead{*net}, c10::Error);
  net->fold_batchnorm();
  const IoUHead head(*net);
  IoUFeatures f{at::zeros({1, 24, 36, 36}), at::zeros({1, 40, 18, 18})};
  EXPECT_THROW(head.evaluate(f, at::zeros({1, 4})), c10::Error);
  EXPECT_THROW(head.evaluate(f, at::zeros({2, 3, 4})), c10::Error);
  EXPECT_THROW(head.evaluate(f, at::full({1, 2, 4}, NAN)), c10::Error);
  EXPECT_THROW(head.evaluate({at::zeros({1, 23, 36, 36}), f.layer3}, at::ones({1, 2, 4})), c10::Error);
}

}  // namespace
}  // namespace dimp::bbox
