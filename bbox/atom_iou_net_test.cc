#include "bbox/atom_iou_net.h"

#include <gtest/gtest.h>

namespace dimp::bbox {
namespace {

// Refinement needs d(predicted IoU)/d(box): checked against finite differences in double
// precision, on an IoU-Net with random weights and BatchNorm statistics.
TEST(AtomIoUNet, BoxGradientMatchesFiniteDifferences) {
  at::manual_seed(3);
  AtomIoUNet net(AtomIoUNetOptions{{16, 32}, {24, 24}, {20, 20}});
  {
    at::NoGradGuard ng;
    for (auto& item : net->named_buffers()) {
      if (item.key().find("running_var") != std::string::npos) item.value().uniform_(0.5, 2);
      if (item.key().find("running_mean") != std::string::npos) item.value().normal_(0, 0.1);
    }
  }
  net->eval();
  net->to(at::kDouble);
  auto l2_ref = at::randn({1, 16, 36, 36}, at::kDouble), l3_ref = at::randn({1, 32, 18, 18}, at::kDouble);
  auto l2 = at::randn({1, 16, 36, 36}, at::kDouble), l3 = at::randn({1, 32, 18, 18}, at::kDouble);
  at::NoGradGuard ng;
  auto mod = net->modulation(l2_ref, l3_ref, at::tensor({110.0, 100.0, 70.0, 90.0}, at::kDouble).view({1, 4}));
  auto feat = net->iou_features(l2, l3);
  auto boxes = at::tensor({100.3, 90.7, 80.2, 95.1, 60.5, 120.2, 50.1, 40.9}, at::kDouble).view({1, 2, 4});
  auto iou = [&](const at::Tensor& b) { return net->predict_iou(mod, feat, b); };
  at::Tensor grad;
  {
    at::AutoGradMode on(true);
    auto b = boxes.clone().requires_grad_();
    iou(b).sum().backward();
    grad = b.grad();
  }
  const double eps = 1e-5;
  for (int64_t p = 0; p < 2; ++p) {
    for (int64_t k = 0; k < 4; ++k) {
      auto up = boxes.clone(), down = boxes.clone();
      up[0][p][k] += eps;
      down[0][p][k] -= eps;
      const double fd = (iou(up)[0][p] - iou(down)[0][p]).item<double>() / (2 * eps);
      EXPECT_NEAR(grad[0][p][k].item<double>(), fd, 1e-6 + 1e-4 * std::abs(fd)) << p << "," << k;
    }
  }
  EXPECT_GT(grad.abs().sum().item<double>(), 0.0);
}

TEST(AtomIoUNet, ProposalShapesAreChecked) {
  AtomIoUNet net;
  IoUModulation m{at::zeros({1, 256, 1, 1}), at::zeros({1, 256, 1, 1})};
  IoUFeatures f{at::zeros({1, 256, 36, 36}), at::zeros({1, 256, 18, 18})};
  EXPECT_THROW(net->predict_iou(m, f, at::zeros({1, 4})), c10::Error);
  EXPECT_THROW(net->predict_iou(m, f, at::zeros({2, 3, 4})), c10::Error);
}

}  // namespace
}  // namespace dimp::bbox
