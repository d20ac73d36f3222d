// The DiMP networks: the reference's exact tensor layout (names, shapes, counts), importing
// pytracking checkpoints through the C++ converter (dimp/weights/convert.h) with every tensor
// arriving unchanged, output shapes for 288 x 288 patches, and refusal of weights that do not fit.
#include "dimp/dimp_net.h"

#include <gtest/gtest.h>

#include <torch/nn/modules/batchnorm.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "dimp/weights/convert.h"
#include "dimp/weights/state_dict.h"
#include "tests/python_support.h"
#include "tests/random_batchnorm.h"
#include "tests/testing.h"

namespace dimp {
namespace {

DiMPNetConfig config_of(const std::string& arch) { return DiMPNetConfig::from_arch(arch); }

// The layouts (tools/pytracking_spec/): SuperDiMP's checkpoint has DiMP-50's; PrDiMP's lack the
// learned loss's three 100-bin predictors.
struct Layout {
  std::string spec;
  size_t tensors;
  int64_t parameters;
};
Layout layout_of(const std::string& arch) {
  if (arch == "dimp18") return {"dimp18", 221, 19645911};
  if (arch == "prdimp18") return {"prdimp18", 218, 19645911 - 300};
  if (arch == "prdimp50") return {"prdimp50", 404, 43097303 - 300};
  return {"dimp50", 407, 43097303};  // dimp50, superdimp
}

std::map<std::string, std::vector<int64_t>> read_spec(const std::string& arch) {
  auto root = testing::source_root();
  std::ifstream in(*root + "/tools/pytracking_spec/" + arch + ".tsv");
  std::map<std::string, std::vector<int64_t>> spec;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ss(line);
    std::string name, shape;
    std::getline(ss, name, '\t');
    std::getline(ss, shape, '\t');
    std::vector<int64_t> dims;
    for (auto& c : shape) {
      if (c == '[' || c == ']' || c == ',') c = ' ';
    }
    std::istringstream ds(shape);
    int64_t d;
    while (ds >> d) dims.push_back(d);
    spec[name] = dims;
  }
  return spec;
}

class DiMPNetLayout : public ::testing::TestWithParam<std::string> {};

TEST_P(DiMPNetLayout, TensorsAreExactlyTheReferences) {
  const std::string arch = GetParam();
  const Layout layout = layout_of(arch);
  auto spec = read_spec(layout.spec);
  ASSERT_EQ(spec.size(), layout.tensors);
  DiMPNet net(config_of(arch));
  std::map<std::string, at::Tensor> mine;
  int64_t params = 0;
  for (const auto& [name, t] : weights::named_state(*net)) mine[name] = t;
  for (const auto& p : net->parameters()) params += p.numel();
  for (const auto& [name, dims] : spec) {
    ASSERT_TRUE(mine.count(name)) << "missing " << name;
    EXPECT_EQ(mine[name].sizes(), at::IntArrayRef(dims)) << name;
  }
  for (const auto& [name, t] : mine) EXPECT_TRUE(spec.count(name)) << "not in the reference: " << name;
  EXPECT_EQ(params, layout.parameters);
}

// A checkpoint with pytracking's structure (custom classes beside 'net'), written by Debian's
// torch in both of PyTorch's formats, converted by the C++ reader (no Python, no code from the
// file run) and loaded: every tensor as the original (checksums computed by torch from the
// checkpoint), nothing missing or left over.
TEST_P(DiMPNetLayout, ConvertedPytrackingCheckpointLoadsUnchanged) {
  if (!testing::python_with_torch()) GTEST_SKIP() << "/usr/bin/python3 with torch (python3-torch) is needed";
  const std::string arch = GetParam();
  for (const std::string format : {"--legacy", ""}) {
    const std::string pth = testing::temp_path(arch + ".pth"), sums = testing::temp_path(arch + ".json");
    const std::string st = testing::temp_path(arch + format + ".safetensors");
    auto root = testing::source_root();
    ASSERT_EQ(testing::run_python("tests/python/make_pytracking_checkpoint.py",
                                  "--arch " + arch + " --spec-dir " + *root + "/tools/pytracking_spec --out " + pth +
                                      " --checksums " + sums + " " + format),
              0);
    DiMPNet net(config_of(arch));
    weights::ConvertOptions options;
    options.check_against = net.get();
    options.arch = arch;
    options.overwrite = true;  // a rerun of the test in the same folder
    const auto converted = weights::convert_torch_checkpoint(pth, st, options);
    EXPECT_EQ(converted.metadata.at("epoch"), "50");
    EXPECT_EQ(converted.metadata.at("net_type"), "DiMPnet");
    weights::load_module(*net, st);
    std::ifstream in(sums);
    auto expected = nlohmann::json::parse(in);
    std::map<std::string, at::Tensor> mine;
    for (const auto& [name, t] : weights::named_state(*net)) mine[name] = t;
    EXPECT_EQ(expected.size(), mine.size());
    for (auto it = expected.begin(); it != expected.end(); ++it) {
      ASSERT_TRUE(mine.count(it.key())) << it.key();
      const auto t = mine[it.key()].to(at::kDouble).flatten();
      const auto& e = it.value();
      EXPECT_EQ(t.numel() ? mine[it.key()].sizes().vec() : std::vector<int64_t>{}, e["shape"].get<std::vector<int64_t>>())
          << it.key();
      EXPECT_NEAR(t.sum().item<double>(), e["sum"].get<double>(), 1e-6 * (1 + std::abs(e["sum"].get<double>())))
          << it.key();
      EXPECT_NEAR((t * t).sum().item<double>(), e["sumsq"].get<double>(), 1e-6 * e["sumsq"].get<double>()) << it.key();
      EXPECT_EQ(t[0].item<double>(), e["first"].get<double>()) << it.key();
      EXPECT_EQ(t[-1].item<double>(), e["last"].get<double>()) << it.key();
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Architectures, DiMPNetLayout,
                         ::testing::Values("dimp18", "dimp50", "prdimp18", "prdimp50", "superdimp"));

TEST(DiMPNet, OutputShapesFor288Patches) {
  at::NoGradGuard ng;
  for (const std::string arch : {"dimp18", "dimp50"}) {
    DiMPNet net(config_of(arch));
    net->eval();
    auto patches = at::rand({2, 3, 288, 288}) * 255;
    auto bb = net->backbone(net->normalize(patches));
    const int64_t e = arch == "dimp18" ? 1 : 4;
    EXPECT_EQ(bb.at("layer2").sizes(), (at::IntArrayRef{2, 128 * e, 36, 36}));
    EXPECT_EQ(bb.at("layer3").sizes(), (at::IntArrayRef{2, 256 * e, 18, 18}));
    auto x = net->classification_features(bb.at("layer3"));
    const int64_t C = net->config().out_feature_dim;
    EXPECT_EQ(x.sizes(), (at::IntArrayRef{2, C, 18, 18}));
    // The L2 normalisation: ||x_n|| = scale · sqrt(C·H·W).
    EXPECT_NEAR(x[0].norm().item<double>(), net->config().norm_scale() * std::sqrt(C * 18.0 * 18.0), 1e-3);
    auto f0 = net->initializer().initial_filter(x.unsqueeze(1), at::tensor({100.f, 100.f, 80.f, 60.f}).view({1, 1, 4})
                                                                    .expand({2, 1, 4}));
    EXPECT_EQ(f0.sizes(), (at::IntArrayRef{1, C, 4, 4}));
    auto mod = net->bb_regressor->modulation(bb.at("layer2"), bb.at("layer3"), at::tensor({100.f, 100.f, 80.f, 60.f}).view({1, 4}).expand({2, 4}));
    auto feat = net->bb_regressor->iou_features(bb.at("layer2"), bb.at("layer3"));
    auto iou = net->bb_regressor->predict_iou(mod, feat, at::rand({2, 7, 4}) * 100 + 20);
    EXPECT_EQ(iou.sizes(), (at::IntArrayRef{2, 7}));
    // Folded BatchNorms give the same features.
    net->prepare_inference();
    auto x2 = net->classification_features(net->backbone(net->normalize(patches)).at("layer3"));
    EXPECT_TRUE(at::allclose(x, x2, 1e-4, 1e-4));
  }
}

// IoU-Net inference (folded BatchNorms, channels-last features) predicts the same IoUs and
// box gradients as the plain eval-mode network, with BatchNorm statistics far from identity.
TEST(DiMPNet, InferenceIoUNetMatchesTheEvalNetworkWithBoxGradients) {
  at::manual_seed(3);
  DiMPNet net(DiMPNetConfig::dimp18());
  testing::randomize_batchnorm(*net);
  for (auto& p : net->parameters()) p.requires_grad_(false);
  auto patches = at::rand({1, 3, 288, 288}) * 255;
  auto ref_box = at::tensor({100.f, 100.f, 80.f, 60.f}).view({1, 4});
  auto proposals = at::rand({1, 6, 4}) * 60 + at::tensor({80.f, 80.f, 50.f, 40.f});
  std::vector<at::Tensor> results[2];
  for (int k = 0; k < 2; ++k) {
    if (k == 0) net->eval(); else net->prepare_inference();
    bbox::IoUModulation mod;
    bbox::IoUFeatures feat;
    {
      at::NoGradGuard ng;
      auto bb = net->backbone(net->normalize(patches));
      mod = net->bb_regressor->modulation(bb.at("layer2"), bb.at("layer3"), ref_box);
      feat = net->bb_regressor->iou_features(bb.at("layer2"), bb.at("layer3"));
    }
    if (k == 1) {
      EXPECT_TRUE(feat.layer2.is_contiguous(at::MemoryFormat::ChannelsLast));  // the NHWC pooling path
    }
    auto b = proposals.clone().requires_grad_();
    auto iou = net->bb_regressor->predict_iou(mod, feat, b);
    iou.sum().backward();
    results[k] = {iou.detach(), b.grad()};
  }
  EXPECT_GT(results[0][1].abs().min().item<double>(), 0) << results[0][1];
  EXPECT_TRUE(at::allclose(results[0][0], results[1][0], 1e-3, 1e-4)) << results[0][0] << results[1][0];
  EXPECT_TRUE(at::allclose(results[0][1], results[1][1], 1e-3, 1e-5)) << results[0][1] << results[1][1];
}

// bfloat16 inference runs the per-frame convolutions in bfloat16 and hands float features to
// the model predictor and the IoU head: within bfloat16's precision of the float network.
TEST(DiMPNet, BFloat16InferenceStaysWithinItsPrecisionOfFloat) {
  at::manual_seed(4);
  const std::string path = testing::temp_path("dimp18_bf16_check.safetensors");
  DiMPNet full(DiMPNetConfig::dimp18()), half(DiMPNetConfig::dimp18());
  weights::save_module(*full, path);
  weights::load_module(*half, path);
  full->prepare_inference();
  half->prepare_inference(at::kBFloat16);
  at::NoGradGuard ng;
  auto patches = at::rand({1, 3, 288, 288}) * 255;
  auto a = full->backbone(full->normalize(patches)), b = half->backbone(half->normalize(patches));
  EXPECT_EQ(b.at("layer3").scalar_type(), at::kBFloat16);
  auto relative = [](const at::Tensor& x, const at::Tensor& ref) {
    return ((x.to(at::kFloat) - ref).norm() / ref.norm()).item<double>();
  };
  const auto xa = full->classification_features(a.at("layer3")), xb = half->classification_features(b.at("layer3"));
  EXPECT_EQ(xb.scalar_type(), at::kFloat);
  // bfloat16 keeps 8 significant bits (relative rounding 2^-9 ≈ 0.002 per value); over the
  // network's ~20 layers the errors add up to about a percent, but not to ten.
  EXPECT_LT(relative(b.at("layer3"), a.at("layer3")), 0.05);
  EXPECT_LT(relative(xb, xa), 0.05);
  EXPECT_GT(relative(xb, xa), 1e-4);  // it really ran in bfloat16
  const auto box = at::tensor({100.f, 100.f, 80.f, 60.f}).view({1, 4});
  auto iou = [&](DiMPNet& net, std::map<std::string, at::Tensor>& f) {
    auto mod = net->bb_regressor->modulation(f.at("layer2"), f.at("layer3"), box);
    auto feat = net->bb_regressor->iou_features(f.at("layer2"), f.at("layer3"));
    return net->bb_regressor->predict_iou(mod, feat, at::tensor({90.f, 95.f, 85.f, 70.f, 120.f, 80.f, 50.f, 40.f}).view({1, 2, 4}));
  };
  const auto ia = iou(full, a), ib = iou(half, b);
  EXPECT_EQ(ib.scalar_type(), at::kFloat);
  EXPECT_LT((ia - ib).abs().max().item<double>(), 0.05 * ia.abs().max().item<double>() + 1e-3) << ia << ib;
}

TEST(DiMPNet, WeightsThatDoNotFitAreRefusedAndNothingChanges) {
  const std::string path = testing::temp_path("dimp50_random.safetensors");
  DiMPNet big(DiMPNetConfig::dimp50());
  weights::save_module(*big, path);
  DiMPNet small(DiMPNetConfig::dimp18());
  const auto before = small->classifier->filter_initializer->filter_conv->weight.clone();
  try {
    weights::load_module(*small, path);
    FAIL() << "loaded DiMP-50 weights into DiMP-18";
  } catch (const weights::WeightsError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("missing"), std::string::npos) << msg;
    EXPECT_NE(msg.find("unexpected"), std::string::npos) << msg;
    EXPECT_NE(msg.find("mis-shaped"), std::string::npos) << msg;
    EXPECT_NE(msg.find("feature_extractor.layer1.0.conv3.weight"), std::string::npos) << msg;
  }
  EXPECT_TRUE(at::equal(before, small->classifier->filter_initializer->filter_conv->weight));
  // Its own weights load, and the predictor's policies see them.
  DiMPNet other(DiMPNetConfig::dimp50());
  weights::load_module(*other, path);
  EXPECT_TRUE(at::equal(other->loss().label_coeffs, big->loss().label_coeffs));
  EXPECT_TRUE(at::equal(other->initializer().conv_weight, big->initializer().conv_weight));
  EXPECT_TRUE(at::equal(other->optimizer(5).log_step_length, big->optimizer(5).log_step_length));
}

// Weights with NaN or Inf values compute garbage: refused by name and count, nothing loaded
// (such files used to pass as "fits" and track).
TEST(DiMPNet, WeightsWithNaNOrInfAreRefused) {
  const std::string path = testing::temp_path("dimp18_nan.safetensors");
  DiMPNet net(DiMPNetConfig::dimp18());
  {
    at::NoGradGuard ng;
    net->bb_regressor->iou_predictor->weight.view(-1)[3] = NAN;
    net->classifier->filter_optimizer->filter_reg.fill_(INFINITY);
  }
  weights::save_module(*net, path);
  DiMPNet fresh(DiMPNetConfig::dimp18());
  const auto before = fresh->bb_regressor->iou_predictor->weight.clone();
  try {
    weights::load_module(*fresh, path);
    FAIL() << "loaded NaN weights";
  } catch (const weights::WeightsError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("bb_regressor.iou_predictor.weight: 1 of"), std::string::npos) << msg;
    EXPECT_NE(msg.find("classifier.filter_optimizer.filter_reg"), std::string::npos) << msg;
  }
  EXPECT_TRUE(at::equal(before, fresh->bb_regressor->iou_predictor->weight));
}

}  // namespace
}  // namespace dimp
