// The training pieces: the hinge loss and the actor's weighting, Adam against its closed form,
// and a checkpoint that resumes to exactly the state of an uninterrupted run.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "data/training_datasets.h"
#include "dimp/weights/safetensors.h"
#include "training/trainer.h"
#include "tests/python_support.h"

namespace dimp::training {
namespace {

TEST(HingeLoss, HandComputed) {
  auto scores = at::tensor({-1.0, 0.5, 2.0, -0.3}, at::kDouble);
  auto labels = at::tensor({0.0, 0.01, 1.0, 0.5}, at::kDouble);
  // Background (label < 0.05): relu(score) vs 0; target: score vs label.
  const double expected = (0.0 + 0.25 + 1.0 + 0.64) / 4;
  EXPECT_NEAR(hinge_mse(scores, labels, 0.05).item<double>(), expected, 1e-12);
}

TEST(Adam, FirstStepsFollowTheClosedForm) {
  auto p = at::tensor({1.0, -2.0}, at::kDouble).requires_grad_();
  Adam adam({{"g", {{"p", p}}, 0.1}});
  (p * at::tensor({3.0, -0.5}, at::kDouble)).sum().backward();
  adam.step();
  // Step 1: m̂ = g, v̂ = g², so p -= lr · g / (|g| + eps) = lr · sign(g).
  EXPECT_NEAR(p[0].item<double>(), 0.9, 1e-7);
  EXPECT_NEAR(p[1].item<double>(), -1.9, 1e-7);
  adam.zero_grad();
  EXPECT_FALSE(p.grad().defined());
  adam.set_lr_scale(0.5);
  EXPECT_DOUBLE_EQ(adam.groups()[0].lr, 0.05);
  EXPECT_EQ(adam.steps(), 1);
}

struct Setup {
  std::shared_ptr<data::TrainingDataset> dataset;
  data::ProcessingOptions processing;
};

Setup small_setup() {
  Setup s;
  s.dataset = std::make_shared<data::SyntheticTrainingDataset>(data::SyntheticTrainingDataset::Options{12, 24, 128, 96, 3});
  s.processing.output_size = 64;  // 4x4 features: a fast check
  return s;
}

std::unique_ptr<data::BatchLoader> loader(const Setup& s) {
  data::BatchLoaderOptions o;
  o.batch_size = 2;
  o.batches_per_epoch = 2;
  o.workers = 1;
  o.seed = 9;
  return std::make_unique<data::BatchLoader>(data::SetSampler({s.dataset}, {{1.0}, 10, 2, 2}), s.processing, o);
}

TrainerOptions trainer_options(const std::string& ws, int epochs) {
  TrainerOptions o;
  o.epochs = epochs;
  o.workspace = ws;
  o.frozen_layers = {"all"};
  o.progress = false;
  return o;
}

TEST(Trainer, ACheckpointResumesToTheSameState) {
  const auto s = small_setup();
  const std::string base = testing::temp_path("trainer_resume");
  std::filesystem::remove_all(base);
  auto fresh_net = [] {
    at::manual_seed(21);
    return DiMPNet(DiMPNetConfig::dimp18());
  };
  ActorOptions ao;
  ao.num_iter = 2;
  // Two epochs without interruption.
  auto a = fresh_net();
  {
    auto l = loader(s);
    Trainer t(a, ao, trainer_options(base + "/straight", 2), "dimp18");
    auto h = t.train(*l);
    ASSERT_EQ(h.size(), 2u);
    EXPECT_TRUE(std::isfinite(h[1].loss));
  }
  // One epoch, stop; a new trainer on a new network resumes from the checkpoint.
  auto b = fresh_net();
  {
    auto l = loader(s);
    Trainer t(b, ao, trainer_options(base + "/resumed", 1), "dimp18");
    t.train(*l);
  }
  auto c = fresh_net();
  {
    auto l = loader(s);
    Trainer t(c, ao, trainer_options(base + "/resumed", 2), "dimp18");
    EXPECT_EQ(t.epoch(), 1);
    t.train(*l);
  }
  auto sa = a->named_parameters(), sc = c->named_parameters();
  for (const auto& item : sa) {
    EXPECT_TRUE(at::equal(item.value(), sc[item.key()])) << item.key();
  }
  // The frozen backbone did not move; the classifier did.
  auto untouched = fresh_net();
  EXPECT_TRUE(at::equal(a->feature_extractor->conv1->weight, untouched->feature_extractor->conv1->weight));
  EXPECT_FALSE(at::equal(a->classifier->filter_optimizer->filter_reg, untouched->classifier->filter_optimizer->filter_reg));
}

TEST(Trainer, CheckpointOfAnotherArchitectureIsRefused) {
  const auto s = small_setup();
  const std::string ws = testing::temp_path("trainer_arch");
  std::filesystem::remove_all(ws);
  auto net = DiMPNet(DiMPNetConfig::dimp18());
  Trainer t(net, ActorOptions{}, trainer_options(ws, 0), "dimp18");
  t.save_checkpoint(ws + "/x.safetensors", 3);
  auto other = DiMPNet(DiMPNetConfig::dimp18());
  Trainer t2(other, ActorOptions{}, trainer_options("", 0), "dimp50");
  EXPECT_THROW(t2.load_checkpoint(ws + "/x.safetensors"), dimp::weights::WeightsError);
  EXPECT_EQ(t.load_checkpoint(ws + "/x.safetensors"), 3);
}

}  // namespace
}  // namespace dimp::training
