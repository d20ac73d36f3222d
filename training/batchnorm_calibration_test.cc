// BatchNorm calibration of seeded networks: reproducible to the bit, only BatchNorm statistics
// change, and the calibrated network's activations on new synthetic patches are normalised.
#include "training/batchnorm_calibration.h"

#include <gtest/gtest.h>
#include <torch/nn/modules/batchnorm.h>

#include <random>

#include "data/processing.h"
#include "data/synthetic.h"

namespace dimp::training {
namespace {

bool is_statistic(const std::string& name) {
  return name.find("running_") != std::string::npos || name.find("num_batches_tracked") != std::string::npos;
}

TEST(BatchNormCalibration, SameSeedGivesTheSameBitsAndOnlyStatisticsChange) {
  DiMPNet a = seeded_calibrated_net("dimp18", 3);
  DiMPNet b = seeded_calibrated_net("dimp18", 3);
  at::manual_seed(3);
  DiMPNet raw(DiMPNetConfig::dimp18());
  const auto pa = a->named_parameters(), pb = b->named_parameters(), praw = raw->named_parameters();
  for (const auto& item : pa) {
    EXPECT_TRUE(at::equal(item.value(), pb[item.key()])) << item.key();
    EXPECT_TRUE(at::equal(item.value(), praw[item.key()])) << item.key() << " changed: only statistics may";
  }
  const auto ba = a->named_buffers(), bb = b->named_buffers(), braw = raw->named_buffers();
  int calibrated = 0, untouched = 0;
  for (const auto& item : ba) {
    EXPECT_TRUE(at::equal(item.value(), bb[item.key()])) << item.key();
    if (item.key().find("num_batches") != std::string::npos) {
      EXPECT_EQ(item.value().scalar_type(), at::kLong) << item.key() << ": counters stay integers";
      continue;
    }
    if (!is_statistic(item.key())) continue;
    EXPECT_EQ(item.value().scalar_type(), at::kFloat) << item.key();
    EXPECT_TRUE(item.value().isfinite().all().item<bool>()) << item.key();
    const bool layer4 = item.key().find("feature_extractor.layer4") != std::string::npos;
    const bool changed = !at::equal(item.value(), braw[item.key()]);
    EXPECT_EQ(changed, !layer4) << item.key() << (layer4 ? " (layer4 is never run)" : " kept its initial value");
    (changed ? calibrated : untouched)++;
    if (item.key().find("running_var") != std::string::npos && !layer4) {
      EXPECT_GT(item.value().min().item<float>(), 0.f) << item.key();
    }
  }
  EXPECT_EQ(untouched, 2 * 5) << "layer4's five BatchNorms (mean and variance) stay as initialised";
  EXPECT_GT(calibrated, 2 * 20);
  DiMPNet other = seeded_calibrated_net("dimp18", 4);
  EXPECT_FALSE(at::equal(other->named_buffers()["feature_extractor.bn1.running_mean"],
                         ba["feature_extractor.bn1.running_mean"]));
}

// On patches of scenes the calibration never saw, the calibrated network's features are
// normalised: layer3 neither explodes nor dies, the classification features are finite, and
// the IoU-Net's predictions differ between proposals (an uncalibrated net's are much larger).
TEST(BatchNormCalibration, ActivationsOnNewPatchesAreNormalised) {
  DiMPNet net = seeded_calibrated_net("dimp18", 1);
  net->eval();
  at::NoGradGuard ng;
  data::SyntheticOptions so;
  so.width = 320;
  so.height = 240;
  so.frames = 20;
  so.seed = 987654;
  const data::SyntheticScene scene(so);
  std::mt19937_64 rng(5);
  auto s = data::process({scene.render(0)}, {scene.box(0)}, {scene.render(10)}, {scene.box(10)}, data::ProcessingOptions{},
                         rng);
  auto train = net->backbone(net->normalize(s.train_images));
  auto test = net->backbone(net->normalize(s.test_images));
  const auto l3 = test.at("layer3");
  const double mean = l3.mean().item<double>(), stdev = l3.std().item<double>();
  EXPECT_GT(stdev, 0.2);
  EXPECT_LT(stdev, 5.0);
  EXPECT_LT(mean, 5.0);
  const double live = (l3.amax({0, 2, 3}) > 0).to(at::kFloat).mean().item<double>();
  EXPECT_GT(live, 0.8) << "channels of layer3 that are ever positive";
  auto x = net->classification_features(l3);
  EXPECT_TRUE(x.isfinite().all().item<bool>());
  auto mod = net->bb_regressor->modulation(train.at("layer2"), train.at("layer3"), s.train_boxes);
  auto iou = net->bb_regressor->predict_iou(mod, net->bb_regressor->iou_features(test.at("layer2"), test.at("layer3")),
                                            s.test_proposals);
  EXPECT_TRUE(iou.isfinite().all().item<bool>());
  EXPECT_GT(iou.std().item<double>(), 1e-3) << iou;
  EXPECT_LT(iou.abs().max().item<double>(), 100.0) << iou;
}

TEST(BatchNormCalibration, BadArgumentsAreRefused) {
  EXPECT_THROW(seeded_calibrated_net("dimp99", 1), std::invalid_argument);
  at::manual_seed(1);
  DiMPNet net(DiMPNetConfig::dimp18());
  CalibrationOptions o;
  o.sequences = 1;
  EXPECT_THROW(calibrate_batchnorm(*net, o), std::invalid_argument);
}

}  // namespace
}  // namespace dimp::training
