// DiMP on the pretrained MobileNetV3 (arch dimp-mobilenet): the network feeds the frozen
// CenterNet backbone its raw 0..255 input and hands its stride-8/16 maps to DiMP's head
// unchanged; bfloat16 inference stays within its precision of float; and the weights the
// project ships fit the architecture.
#include <gtest/gtest.h>

#include "backbones/pretrained_backbone.h"
#include "backbones/tfjs/model_files.h"
#include "dimp/dimp_net.h"
#include "dimp/dimp_tracker.h"
#include "dimp/weights/safetensors.h"
#include "dimp/weights/state_dict.h"
#include "tests/testing.h"

namespace dimp {
namespace {

double relative(const at::Tensor& x, const at::Tensor& ref) {
  return ((x.to(at::kFloat) - ref).norm() / ref.norm()).item<double>();
}

TEST(DiMPMobileNet, TheHeadSeesThePretrainedBackbonesMaps) {
  at::manual_seed(5);
  at::NoGradGuard ng;
  DiMPNet net(DiMPNetConfig::mobilenet());
  net->eval();
  const auto patches = at::rand({2, 3, 288, 288}) * 255;
  const auto maps = net->backbone(net->normalize(patches));
  const auto direct = backbones::PretrainedBackbone().forward(patches, /*stride8=*/true);
  EXPECT_EQ(maps.at("layer2").sizes(), (at::IntArrayRef{2, 192, 36, 36}));
  EXPECT_EQ(maps.at("layer3").sizes(), (at::IntArrayRef{2, 528, 18, 18}));
  EXPECT_TRUE(maps.at("layer3").equal(direct.stride16));
  EXPECT_TRUE(maps.at("layer2").equal(direct.stride8));
  const auto x = net->classification_features(maps.at("layer3"));
  EXPECT_EQ(x.sizes(), (at::IntArrayRef{2, net->config().out_feature_dim, 18, 18}));
}

TEST(DiMPMobileNet, BFloat16InferenceStaysWithinItsPrecisionOfFloat) {
  at::manual_seed(6);
  const std::string path = testing::temp_path("mobilenet_bf16_check.safetensors");
  DiMPNet full(DiMPNetConfig::mobilenet()), half(DiMPNetConfig::mobilenet());
  weights::save_module(*full, path);
  weights::load_module(*half, path);
  full->prepare_inference(at::kFloat);
  half->prepare_inference(at::kBFloat16);
  at::NoGradGuard ng;
  const auto patches = at::rand({1, 3, 288, 288}) * 255;
  auto a = full->backbone(full->normalize(patches)), b = half->backbone(half->normalize(patches));
  EXPECT_EQ(b.at("layer3").scalar_type(), at::kBFloat16);  // the head's type, as with the ResNet
  const auto xa = full->classification_features(a.at("layer3")), xb = half->classification_features(b.at("layer3"));
  EXPECT_LT(relative(xb, xa), 0.05);
  EXPECT_GT(relative(xb, xa), 1e-4);  // it really ran in bfloat16
}

TEST(DiMPMobileNet, TheShippedWeightsFitAndAreFinite) {
  const std::string path = backbones::tfjs::find_model_file(kMobileNetHeadWeights);
  const auto header = weights::read_safetensors_header(path);
  EXPECT_EQ(header.metadata.at("arch"), "dimp-mobilenet");
  const auto tensors = weights::read_safetensors(path);
  EXPECT_TRUE(weights::non_finite_tensors(tensors).empty());
  DiMPNet net(DiMPNetConfig::mobilenet());
  const auto report = weights::check_state(*net, tensors);
  EXPECT_TRUE(report.ok()) << report.describe();
}

}  // namespace
}  // namespace dimp
