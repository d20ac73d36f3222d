#include "training/settings.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "tests/testing.h"

namespace dimp::training {
namespace {

const char* kValid = R"({
  "_comment": "a note",
  "arch": "dimp50", "seed": 3, "image_size": 144, "epochs": 2, "batch_size": 4, "batches_per_epoch": 5,
  "workers": 1, "max_gap": 20, "optimizer_iterations": 3, "frozen_layers": ["conv1", "layer1"],
  "lr": {"bb_regressor": 0.002}, "lr_step": 5, "lr_gamma": 0.5, "workspace": "ws",
  "datasets": [{"type": "synthetic", "sequences": 10, "frames": 30, "weight": 2},
               {"type": "trackingnet", "root": "/data/tn", "sets": [0, 11]}],
  "validation": {"batches": 3, "datasets": [{"type": "coco", "annotations": "a.json", "images": "img"}]}
})";

TEST(TrainingSettings, EveryKeyIsRead) {
  const auto s = parse_training_settings(kValid, "s.json");
  EXPECT_EQ(s.arch, "dimp50");
  EXPECT_EQ(s.seed, 3u);
  EXPECT_EQ(s.processing.output_size, 144);
  EXPECT_EQ(s.trainer.epochs, 2);
  EXPECT_EQ(s.loader.batch_size, 4);
  EXPECT_EQ(s.loader.batches_per_epoch, 5);
  EXPECT_EQ(s.loader.workers, 1);
  EXPECT_EQ(s.sampler.max_gap, 20);
  EXPECT_EQ(s.actor.num_iter, 3);
  EXPECT_EQ(s.trainer.frozen_layers, (std::vector<std::string>{"conv1", "layer1"}));
  EXPECT_DOUBLE_EQ(s.trainer.lr_bb_regressor, 0.002);
  EXPECT_DOUBLE_EQ(s.trainer.lr_backbone, TrainerOptions{}.lr_backbone);  // not named: the default
  EXPECT_EQ(s.trainer.lr_step, 5);
  EXPECT_DOUBLE_EQ(s.trainer.lr_gamma, 0.5);
  ASSERT_EQ(s.datasets.size(), 2u);
  EXPECT_EQ(s.datasets[0].synthetic.sequences, 10);
  EXPECT_DOUBLE_EQ(s.datasets[0].weight, 2);
  EXPECT_EQ(s.datasets[1].sets, (std::vector<int>{0, 11}));
  EXPECT_EQ(s.sampler.weights, (std::vector<double>{2, 1}));
  EXPECT_EQ(s.validation_batches, 3);
  ASSERT_EQ(s.validation.size(), 1u);
  EXPECT_EQ(s.validation[0].images, "img");
}

// Each mistake is refused naming the file and the key (a misspelled key used to fall back to
// its default silently; "dimp99" trained DiMP-18 under that name; epochs -1 was accepted).
TEST(TrainingSettings, MistakesAreRefusedByName) {
  auto expect_error = [](const std::string& text, const std::string& needle) {
    try {
      parse_training_settings(text, "s.json");
      ADD_FAILURE() << "accepted: " << text;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("s.json"), std::string::npos) << e.what();
    }
  };
  const std::string ds = R"("datasets": [{"type": "synthetic"}])";
  expect_error("{" + ds + R"(, "arch": "dimp99"})", "arch");
  expect_error("{" + ds + R"(, "epochs": -1})", "epochs");
  expect_error("{" + ds + R"(, "epochs": 2.5})", "epochs");
  expect_error("{" + ds + R"(, "epoch": 3})", "'epoch' is not a known setting");
  expect_error("{" + ds + R"(, "frozen_layers": ["layer9"]})", "frozen_layers");
  expect_error("{" + ds + R"(, "lr": {"backbone": 1e-4, "head": 1}})", "'head' is not a known setting");
  expect_error("{" + ds + R"(, "lr": {"backbone": -1}})", "backbone");
  expect_error("{" + ds + R"(, "image_size": 100})", "multiple of 16");
  expect_error("{" + ds + R"(, "seed": -1})", "seed");
  expect_error("{" + ds + R"(, "batch_size": 4294967297})", "batch_size");
  expect_error(R"({"datasets": []})", "datasets");
  expect_error(R"({"datasets": [{"type": "imagenet"}]})", "imagenet");
  expect_error(R"({"datasets": [{"type": "got10k"}]})", "'root' is required");
  expect_error(R"({"datasets": [{"type": "synthetic", "frame": 30}]})", "datasets[0]: 'frame'");
  expect_error(R"({"datasets": [{"type": "trackingnet", "root": "r", "sets": [12]}]})", "sets");
  expect_error(R"({"datasets": [{"type": "synthetic", "weight": 0}]})", "weight");
  expect_error(R"([1, 2])", "must be a JSON object");
  expect_error("{not json", "not valid JSON");
  EXPECT_THROW(read_training_settings("/nonexistent/settings.json"), std::invalid_argument);
}

// A PrDiMP architecture brings PrDiMP's losses: mixture proposals with densities, its weights.
TEST(TrainingSettings, PrDiMPArchitecturesTrainWithTheKLLosses) {
  const std::string ds = R"("datasets": [{"type": "synthetic"}])";
  for (const std::string arch : {"prdimp18", "prdimp50", "prdimp-mobilenet"}) {
    auto s = parse_training_settings("{" + ds + R"(, "arch": ")" + arch + "\"}", "s.json");
    EXPECT_EQ(s.processing.proposal_sampling, "gmm") << arch;
    EXPECT_EQ(s.processing.proposals_per_frame, 128) << arch;
    EXPECT_DOUBLE_EQ(s.actor.weight_iou, 0.0025) << arch;
    EXPECT_DOUBLE_EQ(s.actor.weight_final, 0.25) << arch;
  }
  auto d = parse_training_settings("{" + ds + R"(, "arch": "dimp-mobilenet"})", "s.json");
  EXPECT_EQ(d.processing.proposal_sampling, "iou");
  EXPECT_DOUBLE_EQ(d.actor.weight_final, 100);
  // The ablation's two settings files differ in the architecture and the workspace only.
  auto root = testing::source_root();
  ASSERT_TRUE(root.has_value());
  auto a = read_training_settings(*root + "/training/settings/dimp_mobilenet.json");
  auto b = read_training_settings(*root + "/training/settings/prdimp_mobilenet.json");
  EXPECT_EQ(a.trainer.epochs, b.trainer.epochs);
  EXPECT_EQ(a.loader.batches_per_epoch, b.loader.batches_per_epoch);
  EXPECT_DOUBLE_EQ(a.trainer.lr_bb_regressor, b.trainer.lr_bb_regressor);
  EXPECT_EQ(b.arch, "prdimp-mobilenet");
}

// The settings shipped with the project read without complaint.
TEST(TrainingSettings, ShippedSettingsAreValid) {
  auto root = testing::source_root();
  ASSERT_TRUE(root.has_value());
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator(*root + "/training/settings")) {
    EXPECT_NO_THROW(read_training_settings(e.path().string())) << e.path();
    ++n;
  }
  EXPECT_GE(n, 1);
}

}  // namespace
}  // namespace dimp::training
