// The training pieces: the hinge loss and the actor's weighting, Adam against its closed form,
// and a checkpoint that resumes to exactly the state of an uninterrupted run.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "data/training_datasets.h"
#include "dimp/weights/safetensors.h"
#include "optim/filter_geometry.h"
#include "optim/filter_ops.h"
#include "training/trainer.h"
#include "tests/python_support.h"
#include "tests/testing.h"

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
  return o;
}

// eq8_mse: eq. 8's regression error, squared and averaged, element by element.
double eq8_mse(const at::Tensor& scores, const at::Tensor& labels, double T) {
  auto s = scores.detach().to(at::kDouble).contiguous().flatten(), z = labels.to(at::kDouble).contiguous().flatten();
  double sum = 0;
  for (int64_t i = 0; i < s.numel(); ++i) {
    const double si = s[i].item<double>(), zi = z[i].item<double>();
    const double l = zi > T ? si - zi : std::max(0.0, si);
    sum += l * l;
  }
  return sum / static_cast<double>(s.numel());
}

// The batch's classification features (frames, sequences, C, h, w), as the actor computes them.
struct BatchFeatures {
  at::Tensor train, test;
};
BatchFeatures features_of(DiMPNet net, const data::Batch& b) {
  const int64_t S = b.sequences();
  auto features = [&](const at::Tensor& images) {
    const int64_t n = images.size(0);
    auto x = net->classification_features(
        net->backbone(net->normalize(images.reshape({n * S, 3, images.size(3), images.size(4)}))).at("layer3"));
    return x.reshape({n, S, x.size(1), x.size(2), x.size(3)});
  };
  return {features(b.train_images), features(b.test_images)};
}

// unrolled: the initializer's filter and num_iter steps of `optimizer` on the train frames.
template <class Optimizer>
optim::OptimizerResult unrolled(const Optimizer& optimizer, DiMPNet net, const data::Batch& b,
                                const BatchFeatures& x, int num_iter) {
  const auto cfg = net->config();
  optim::FilterGeometry g{cfg.feature_stride, cfg.filter_size, cfg.filter_size, x.train.size(3), x.train.size(4)};
  auto maps = optimizer.loss().maps(optim::score_centers(b.train_boxes, g), g.output_h(), g.output_w());
  return optimizer.run(net->initializer().initial_filter(x.train, b.train_boxes),
                       optim::TrainingSet{x.train, maps, at::Tensor()}, num_iter);
}

// The actor's total is eq. 9 with β = 100 plus L_bb: every iterate f(0) .. f(N_iter) weighs
// the same (the reference writes it 100·L(f(0)) + 100·L(f(N)) + 400·mean of the N − 1 others,
// which is 100 each for N_iter = 5: the paper's average times its N_iter), each L the mean
// squared eq. 8 error over the test samples, recomputed here element by element.
TEST(DiMPActor, TheLossIsEquation9WithBetaPlusTheBoxLoss) {
  const auto s = small_setup();
  auto l = loader(s);
  l->start_epoch(1);
  const data::Batch b = *l->next();
  at::manual_seed(4);
  DiMPNet net(DiMPNetConfig::dimp18());
  net->eval();  // fixed BatchNorm statistics: both evaluations see the same network
  ActorOptions ao;
  ao.num_iter = 5;
  const ActorLosses out = DiMPActor(net, ao)(b);

  const auto x = features_of(net, b);
  auto run = unrolled(net->optimizer(ao.num_iter), net, b, x, ao.num_iter);
  const at::Tensor& test_x = x.test;
  ASSERT_EQ(run.iterates.size(), 6u);  // f(0) .. f(5)
  double clf = 0;
  for (const auto& f : run.iterates) clf += eq8_mse(optim::apply_filter(test_x, f), b.test_labels, 0.05);
  const double expected = 100 * clf + out.iou;
  EXPECT_NEAR(out.total.item<double>(), expected, 1e-5 * std::abs(expected));
  const double init = eq8_mse(optim::apply_filter(test_x, run.iterates.front()), b.test_labels, 0.05);
  const double final = eq8_mse(optim::apply_filter(test_x, run.iterates.back()), b.test_labels, 0.05);
  EXPECT_NEAR(out.clf_init, init, 1e-6 * init);  // float arithmetic on both sides
  EXPECT_NEAR(out.clf_final, final, 1e-6 * final);
  EXPECT_NE(init, final);  // the optimizer moved the filter: the iterates are not one term
  EXPECT_GT(out.iou, 0.0);
}

// kl_grid: log Σ exp(s) − Σ p·s per score map, p the labels divided by their sum, averaged.
double kl_grid(const at::Tensor& scores, const at::Tensor& labels) {
  auto s = scores.detach().to(at::kDouble).contiguous(), z = labels.to(at::kDouble).contiguous();
  const int64_t cells = s.size(-1) * s.size(-2);
  auto sf = s.reshape({-1, cells}), zf = z.reshape({-1, cells});
  double total = 0;
  for (int64_t i = 0; i < sf.size(0); ++i) {
    double mx = -1e300, zsum = 0;
    for (int64_t k = 0; k < cells; ++k) {
      mx = std::max(mx, sf[i][k].item<double>());
      zsum += zf[i][k].item<double>();
    }
    double sum_exp = 0, dot = 0;
    for (int64_t k = 0; k < cells; ++k) {
      sum_exp += std::exp(sf[i][k].item<double>() - mx);
      dot += zf[i][k].item<double>() / zsum * sf[i][k].item<double>();
    }
    total += mx + std::log(sum_exp) - dot;
  }
  return total / static_cast<double>(sf.size(0));
}

// PrDiMP's actor: the KL regression of every iterate's test scores against the label density,
// weighted 0.25 (f(0)), 0.25 (f(N)) and 1 shared by the others, plus 0.0025·L_bb; the unrolled
// optimizer is the Newton one, recomputed here.
TEST(DiMPActor, TheKLObjectiveWeighsPrDiMPsLosses) {
  auto s = small_setup();
  s.processing.proposal_sampling = "gmm";
  s.processing.proposals_per_frame = 16;
  auto l = loader(s);
  l->start_epoch(1);
  const data::Batch b = *l->next();
  ASSERT_TRUE(b.proposal_density.defined());
  ASSERT_EQ(b.proposal_density.sizes(), b.proposal_iou.sizes());
  at::manual_seed(4);
  DiMPNet net(DiMPNetConfig::prdimp18());
  net->eval();
  ActorOptions ao = ActorOptions::prdimp();
  ao.num_iter = 3;
  const ActorLosses out = DiMPActor(net, ao)(b);

  const auto x = features_of(net, b);
  auto run = unrolled(net->kl_optimizer(ao.num_iter), net, b, x, ao.num_iter);
  const at::Tensor& test_x = x.test;
  ASSERT_EQ(run.iterates.size(), 4u);
  std::vector<double> clf;
  for (const auto& f : run.iterates) clf.push_back(kl_grid(optim::apply_filter(test_x, f), b.test_labels));
  const double expected = 0.25 * clf.front() + 0.25 * clf.back() + (clf[1] + clf[2]) / 2 + 0.0025 * out.iou;
  EXPECT_NEAR(out.total.item<double>(), expected, 1e-5 * std::abs(expected));
  EXPECT_NEAR(out.clf_init, clf.front(), 1e-5 * std::abs(clf.front()));
  EXPECT_NEAR(out.clf_final, clf.back(), 1e-5 * std::abs(clf.back()));
  EXPECT_NE(clf.front(), clf.back());
  EXPECT_TRUE(std::isfinite(out.iou));
  // DiMP's proposals carry no densities: the KL objective refuses them by name.
  auto dimp_batch = b;
  dimp_batch.proposal_density = at::Tensor();
  EXPECT_THROW(DiMPActor(net, ao)(dimp_batch), c10::Error);
}

TEST(LabelDensity, SumsToOneOrIsUniform) {
  auto labels = at::zeros({2, 3, 3});
  labels[0][1][1] = 2.0;
  labels[0][1][2] = 2.0;
  labels[1][0][0] = 0.001;  // a target far outside the grid
  auto d = label_density(labels);
  EXPECT_NEAR(d[0][1][1].item<float>(), 0.5, 1e-7);
  EXPECT_NEAR(d[0].sum().item<float>(), 1.0, 1e-6);
  EXPECT_NEAR(d[1][2][2].item<float>(), 1.0 / 9, 1e-7);
  EXPECT_NEAR(d[1][0][0].item<float>(), 1.0 / 9, 1e-7);
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

// A non-finite loss stops training before the step that would spread it into every weight,
// and no checkpoint of that epoch is written.
TEST(Trainer, ANonFiniteLossStopsBeforeTheWeightsChange) {
  const auto s = small_setup();
  const std::string ws = testing::temp_path("trainer_nan");
  at::manual_seed(5);
  auto net = DiMPNet(DiMPNetConfig::dimp18());
  {
    at::NoGradGuard ng;
    net->classifier->filter_initializer->filter_conv->weight.view(-1)[0] = NAN;
  }
  const auto before = net->bb_regressor->iou_predictor->weight.clone();
  auto l = loader(s);
  Trainer t(net, ActorOptions{}, trainer_options(ws, 1), "dimp18");
  try {
    t.train(*l);
    ADD_FAILURE() << "trained on a NaN loss";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("epoch 1, batch 1"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("NaN"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(at::equal(net->bb_regressor->iou_predictor->weight, before));
  EXPECT_EQ(t.latest_checkpoint(), "");
}

// An epoch interrupted after its log row but before its checkpoint runs again on resume, and is
// logged once.
TEST(Trainer, AResumedRunLogsEachEpochOnce) {
  const auto s = small_setup();
  const std::string ws = testing::temp_path("trainer_log");
  auto net = DiMPNet(DiMPNetConfig::dimp18());
  {
    auto l = loader(s);
    Trainer(net, ActorOptions{}, trainer_options(ws, 1), "dimp18").train(*l);
  }
  std::ofstream(ws + "/log.csv", std::ios::app) << "2,train,1,1,1,1,1,1\n";  // epoch 2 logged, then killed
  {
    auto l = loader(s);
    Trainer t(net, ActorOptions{}, trainer_options(ws, 2), "dimp18");
    EXPECT_EQ(t.epoch(), 1);
    t.train(*l);
  }
  std::ifstream in(ws + "/log.csv");
  std::string line;
  std::vector<std::string> epochs;
  while (std::getline(in, line)) epochs.push_back(line.substr(0, line.find(',')));
  EXPECT_EQ(epochs, (std::vector<std::string>{"epoch", "1", "2"}));
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
