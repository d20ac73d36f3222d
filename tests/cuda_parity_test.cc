// CUDA against the CPU: the filter ops, the differentiated steepest descent (the training
// step's gradients) and the DiMP network's features give the CPU's numbers on a CUDA device.
// Skipped where no CUDA device is present; scripts/gpu_check.sh runs them on one.
#include <gtest/gtest.h>

#include "dimp/dimp_net.h"
#include "losses/learned_loss.h"
#include "optim/filter_ops.h"
#include "optim/steepest_descent.h"

namespace dimp {
namespace {

#define DIMP_REQUIRE_CUDA() \
  if (!at::hasCUDA()) GTEST_SKIP() << "no CUDA device: CUDA-vs-CPU equality runs where one is present"

double max_rel(const at::Tensor& cpu, const at::Tensor& cuda) {
  return ((cpu - cuda.cpu()).abs().max() / cpu.abs().max().clamp_min(1e-30)).item<double>();
}

TEST(CudaParity, FilterOpsEqualTheCpuKernels) {
  DIMP_REQUIRE_CUDA();
  at::manual_seed(1);
  auto feat = at::randn({3, 4, 64, 18, 18}, at::kDouble), filter = at::randn({4, 64, 4, 4}, at::kDouble);
  auto r = at::randn({3, 4, 19, 19}, at::kDouble);
  EXPECT_LT(max_rel(optim::apply_filter(feat, filter), optim::apply_filter(feat.cuda(), filter.cuda())), 1e-12);
  EXPECT_LT(max_rel(optim::apply_filter_transpose(feat, r, {4, 4}),
                    optim::apply_filter_transpose(feat.cuda(), r.cuda(), {4, 4})),
            1e-12);
}

// The training step as the trainer runs it: 5 unrolled iterations of the learned loss,
// the iterates' losses summed and back-propagated into features and loss parameters.
TEST(CudaParity, DifferentiatedSteepestDescentEqualsTheCpu) {
  DIMP_REQUIRE_CUDA();
  struct Grads {
    at::Tensor filter, feat, label;
  };
  auto run = [](at::Device device) {
    at::manual_seed(2);
    losses::LearnedLoss loss;
    for (at::Tensor* t : {&loss.label_coeffs, &loss.mask_coeffs, &loss.weight_coeffs, &loss.filter_reg}) {
      *t = t->to(device, at::kDouble).detach().requires_grad_();
    }
    auto feat = (at::randn({3, 2, 32, 18, 18}, at::kDouble) * 0.2).to(device).requires_grad_();
    auto f0 = (at::randn({2, 32, 4, 4}, at::kDouble) * 0.05).to(device);
    auto centers = (4 + at::rand({3, 2, 2}, at::kDouble) * 10).to(device);
    optim::SteepestDescentGN<losses::LearnedLoss> sd(loss, {5, 1.0, 0.0, true});
    optim::TrainingSet set{feat, loss.maps(centers, 19, 19), at::Tensor()};
    auto res = sd.run(f0, set);
    at::Tensor total = res.losses[0];
    for (size_t i = 1; i < res.losses.size(); ++i) total = total + res.losses[i];
    total.backward();
    return Grads{res.filter.detach(), feat.grad(), loss.label_coeffs.grad()};
  };
  const Grads cpu = run(at::kCPU), cuda = run(at::kCUDA);
  EXPECT_LT(max_rel(cpu.filter, cuda.filter), 1e-9);
  EXPECT_LT(max_rel(cpu.feat, cuda.feat), 1e-9);
  EXPECT_LT(max_rel(cpu.label, cuda.label), 1e-9);
}

TEST(CudaParity, DiMPFeaturesEqualTheCpu) {
  DIMP_REQUIRE_CUDA();
  at::manual_seed(3);
  DiMPNet net(DiMPNetConfig::dimp18());
  net->eval();
  at::NoGradGuard ng;
  auto patches = at::rand({2, 3, 288, 288}) * 255;
  auto cpu = net->backbone(net->normalize(patches));
  const at::Tensor clf_cpu = net->classification_features(cpu.at("layer3"));
  net->to(at::kCUDA);
  auto cuda = net->backbone(net->normalize(patches.cuda()));
  const at::Tensor clf_cuda = net->classification_features(cuda.at("layer3"));
  EXPECT_LT(max_rel(cpu.at("layer2"), cuda.at("layer2")), 1e-3);
  EXPECT_LT(max_rel(cpu.at("layer3"), cuda.at("layer3")), 1e-3);
  EXPECT_LT(max_rel(clf_cpu, clf_cuda), 1e-3);
}

}  // namespace
}  // namespace dimp
