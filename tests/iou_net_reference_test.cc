// The IoU-Net of ATOM (§3.5) against an independent reference: tests/python/atom_iou_net_reference.py
// writes the network from ATOM's description in plain PyTorch (Debian's python3-torch) with an
// exact closed-form precise RoI pooling, and gives seeded weights, inputs, its outputs and the
// IoUs' gradient with respect to the proposals. Ours must agree with every one of them: in
// double precision, folded for inference, and through the autograd-free CPU head.
#include <gtest/gtest.h>

#include "bbox/atom_iou_net.h"
#include "bbox/iou_head.h"
#include "dimp/weights/safetensors.h"
#include "dimp/weights/state_dict.h"
#include "tests/python_support.h"
#include "tests/testing.h"

namespace dimp {
namespace {

double relative_error(const at::Tensor& a, const at::Tensor& ref) {
  const double scale = std::max(1e-6, ref.abs().max().item<double>());
  return (a.to(at::kDouble) - ref).abs().max().item<double>() / scale;
}

TEST(IoUNetReference, EveryOutputAndTheBoxGradientsMatchATOMsDescription) {
  if (!testing::python_with_torch()) GTEST_SKIP() << "/usr/bin/python3 with torch (python3-torch) is needed";
  const std::string file = testing::temp_path("atom_iou_net_reference.safetensors");
  ASSERT_EQ(testing::run_python("tests/python/atom_iou_net_reference.py", "--out " + file), 0);
  auto all = weights::read_safetensors(file);
  std::map<std::string, at::Tensor> state;
  for (const auto& [k, v] : all) {
    if (k.rfind("in.", 0) != 0 && k.rfind("out.", 0) != 0) state[k] = v;
  }
  bbox::AtomIoUNet net(bbox::AtomIoUNetOptions{{32, 48}, {40, 40}, {24, 24}});
  net->to(at::kDouble);
  weights::load_state(*net, state, "the ATOM reference");
  net->eval();
  const auto& in = [&](const std::string& k) { return all.at("in." + k); };
  const auto& out = [&](const std::string& k) { return all.at("out." + k); };

  at::NoGradGuard ng;
  auto mod = net->modulation(in("ref_layer2"), in("ref_layer3"), in("ref_box"));
  auto feat = net->iou_features(in("test_layer2"), in("test_layer3"));
  EXPECT_LT(relative_error(mod.layer2, out("modulation2")), 1e-10);
  EXPECT_LT(relative_error(mod.layer3, out("modulation3")), 1e-10);
  EXPECT_LT(relative_error(feat.layer2, out("features2")), 1e-10);
  EXPECT_LT(relative_error(feat.layer3, out("features3")), 1e-10);
  at::Tensor iou, grad;
  {
    at::AutoGradMode on(true);
    auto p = in("proposals").clone().requires_grad_();
    iou = net->predict_iou(mod, feat, p);
    iou.sum().backward();
    grad = p.grad();
  }
  EXPECT_LT(relative_error(iou.detach(), out("iou")), 1e-10) << iou << out("iou");
  EXPECT_LT(relative_error(grad, out("iou_grad")), 1e-8) << grad << out("iou_grad");

  // Folded for inference, in float: the tracker's path, and the autograd-free head.
  net->to(at::kFloat);
  net->fold_batchnorm();
  auto f = [&](const std::string& k) { return in(k).to(at::kFloat); };
  auto mod_f = net->modulation(f("ref_layer2"), f("ref_layer3"), f("ref_box"));
  auto modulated = net->modulate(mod_f, net->iou_features(f("test_layer2"), f("test_layer3")));
  EXPECT_LT(relative_error(net->predict_iou_modulated(modulated, f("proposals")), out("iou")), 1e-4);
  const bbox::IoUHead head(*net, /*bfloat16=*/false);
  const auto h = head.evaluate(modulated, f("proposals"));
  EXPECT_LT(relative_error(h.iou, out("iou")), 1e-4) << h.iou << out("iou");
  EXPECT_LT(relative_error(h.box_gradient, out("iou_grad")), 1e-3) << h.box_gradient << out("iou_grad");
}

}  // namespace
}  // namespace dimp
