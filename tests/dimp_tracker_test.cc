// DiMP-18 and DiMP-50 online, with seeded (untrained) weights: the whole loop runs on a real
// sequence, IoU-Net refinement raises the predicted IoU, and runs are reproducible.
#include <gtest/gtest.h>

#include "data/cv/image_io.h"
#include "data/sequence.h"
#include "data/synthetic.h"
#include "dimp/dimp_net.h"
#include "dimp/dimp_tracker.h"
#include "dimp/weights/state_dict.h"
#include "tests/python_support.h"
#include "tests/seeded_weights.h"
#include "tests/testing.h"

namespace dimp {
namespace {

std::string seeded_weights(const std::string& arch) { return testing::seeded_weights(arch, 11); }

class DiMPOnline : public ::testing::TestWithParam<std::string> {};

// The full online loop (augmented first frame, initializer + 10 SD steps, localization,
// IoU-Net refinement, memory updates every 20 frames) on a real sequence. Untrained weights
// do not track; the test checks the loop runs end to end and reports sane results, and that
// the IoU-Net set the box sizes (DiMP samples one scale: nothing else can change them).
TEST_P(DiMPOnline, FullLoopRunsOnARealSequence) {
  DIMP_REQUIRE_DATA(root);
  const std::string arch = GetParam();
  auto seq = data::read_otb_sequence(root + "/otb/Crossing");
  auto params = default_params(arch);
  params.target_not_found_threshold = -1e9;  // untrained scores: keep the box estimator running
  auto t = make_tracker(arch, params, seeded_weights(arch));
  t->initialize(data::load_image(seq.frames[0]), seq.ground_truth[0]);
  const int frames = 25;  // includes a memory update and optimisation (frame 21)
  int resized = 0;
  const bbox::Box first = seq.ground_truth[0];
  for (int i = 1; i < frames; ++i) {
    auto r = t->track(data::load_image(seq.frames[i]));
    ASSERT_TRUE(r.box.is_valid()) << i;
    ASSERT_TRUE(std::isfinite(r.score)) << i;
    EXPECT_GE(r.box.cx(), 0);
    EXPECT_LE(r.box.cx(), 360);
    resized += std::abs(r.box.w / first.w - 1) > 0.01 || std::abs(r.box.h / first.h - 1) > 0.01;
  }
  EXPECT_EQ(t->stage_times().frames, frames - 1);
  EXPECT_GT(resized, frames / 2) << "the IoU-Net refinement did not set the box sizes";
}

TEST_P(DiMPOnline, ResultsAreReproducibleForAFixedSeedAndThreadCount) {
  const std::string arch = GetParam();
  auto seq = data::make_synthetic_sequence({320, 240, 8});
  auto params = default_params(arch);
  params.target_not_found_threshold = -1e9;
  const std::string w = seeded_weights(arch);
  std::vector<bbox::Box> runs[2];
  for (auto& boxes : runs) {
    auto t = make_tracker(arch, params, w);
    t->initialize(seq.frames[0], seq.ground_truth[0]);
    for (size_t i = 1; i < seq.frames.size(); ++i) boxes.push_back(t->track(seq.frames[i]).box);
  }
  for (size_t i = 0; i < runs[0].size(); ++i) EXPECT_EQ(runs[0][i], runs[1][i]) << i;
}

INSTANTIATE_TEST_SUITE_P(Variants, DiMPOnline,
                         ::testing::Values("dimp18", "dimp50", "prdimp18", "prdimp50", "superdimp", "prdimp-mobilenet"));

// inference_net: a seeded DiMP-18 network prepared as the tracker runs it.
DiMPNet inference_net() {
  DiMPNet net(DiMPNetConfig::dimp18());
  net->prepare_inference();
  for (auto& p : net->parameters()) p.requires_grad_(false);
  return net;
}

// WindowCase: a seeded net's layer2/layer3 maps of a random patch and an IoU box estimator
// initialised on a box of it.
struct WindowCase {
  DiMPNet net;
  at::Tensor l2, l3;
  IoUNetBoxEstimator est;
  explicit WindowCase(uint64_t seed) : net((at::manual_seed(seed), inference_net())), est(net) {
    at::NoGradGuard ng;
    auto bb = net->backbone(net->normalize(at::rand({1, 3, 288, 288}) * 255));
    l2 = bb.at("layer2");
    l3 = bb.at("layer3");
    backbones::ExtractedFeatures feats{at::Tensor(), {l2, l3}};
    est.initialize({at::Tensor(), {145, 140, 70, 80}, feats, at::tensor({110.f, 100.f, 70.f, 80.f}).view({1, 4}),
                    bbox::PatchRegion{}, dimp_params()});
  }
  IoUWindow window(const at::Tensor& proposals) const {
    return IoUWindow::around(proposals, l2.size(2), l2.size(3), l3.size(2), l3.size(3));
  }
};

// Gradient ascent on the predicted IoU raises it: the refined boxes score higher than the
// proposals they started from.
TEST(IoUNetRefinement, RaisesThePredictedIoU) {
  at::manual_seed(5);
  DiMPNet net = inference_net();
  at::NoGradGuard ng;
  auto bb = net->backbone(net->normalize(at::rand({1, 3, 288, 288}) * 255));
  IoUNetBoxEstimator est(net);
  backbones::ExtractedFeatures feats{at::Tensor(), {bb.at("layer2"), bb.at("layer3")}};
  TrackerParams p = dimp_params();
  const auto first_boxes = at::tensor({110.f, 100.f, 70.f, 80.f}).view({1, 4});
  const bbox::PatchRegion region{};
  est.initialize({at::Tensor(), {145, 140, 70, 80}, feats, first_boxes, region, p});
  auto f = net->bb_regressor->iou_features(bb.at("layer2"), bb.at("layer3"));
  auto proposals = at::tensor({100.f, 95.f, 60.f, 70.f, 120.f, 110.f, 80.f, 60.f, 90.f, 80.f, 90.f, 100.f}).view({3, 4});
  p.box_refinement_iter = 0;
  auto before = est.refine(f, proposals, p).second;
  p.box_refinement_iter = 5;
  p.box_refinement_step_length = 0.1;
  auto [boxes, after] = est.refine(f, proposals, p);
  // Scores are of the boxes of the last step's forward pass; one more evaluation of the
  // returned boxes is higher still. Check the final boxes' predicted IoU directly.
  auto modulated = net->bb_regressor->modulate(est.modulation(), f);
  auto final_scores = net->bb_regressor->predict_iou_modulated(modulated, boxes.view({1, -1, 4})).view(-1);
  for (int64_t i = 0; i < 3; ++i) EXPECT_GT(final_scores[i].item<float>(), before[i].item<float>()) << i;
  EXPECT_FALSE(at::equal(boxes, proposals));
}

// PrDiMP's refinement in the relative space (cx/w0, cy/h0, log w, log h): one step is the
// predicted IoU's gradient in those coordinates (autograd through their map to boxes) times
// the step length; ten steps raise the predicted IoU.
TEST(IoUNetRefinement, RelativeSpaceStepIsTheGradientInRelativeCoordinates) {
  WindowCase k(9);
  auto& [net, l2, l3, est] = k;
  TrackerParams p = dimp_params();
  p.box_refinement_space = "relative";
  p.box_refinement_iter = 1;
  p.box_refinement_step_length = 2e-2;
  auto f = net->bb_regressor->iou_features(l2, l3);
  auto proposals = at::tensor({100.f, 95.f, 60.f, 70.f, 120.f, 110.f, 80.f, 60.f}).view({2, 4});
  auto [stepped, scores] = est.refine(f, proposals, p);
  at::Tensor expected;
  {
    at::AutoGradMode on(true);
    const auto norm = proposals.narrow(0, 0, 1).narrow(1, 2, 2);
    auto rel = at::cat({(proposals.narrow(1, 0, 2) + 0.5 * proposals.narrow(1, 2, 2)) / norm,
                        proposals.narrow(1, 2, 2).log()}, 1).requires_grad_();
    auto to_boxes = [&](const at::Tensor& r) {
      auto size = r.narrow(1, 2, 2).exp();
      return at::cat({r.narrow(1, 0, 2) * norm - 0.5 * size, size}, 1);
    };
    auto modulated = net->bb_regressor->modulate(est.modulation(), f);
    net->bb_regressor->predict_iou_modulated(modulated, to_boxes(rel).view({1, -1, 4})).sum().backward();
    at::NoGradGuard ng;
    expected = to_boxes(rel + p.box_refinement_step_length * rel.grad());
  }
  EXPECT_TRUE(at::allclose(stepped, expected, 1e-4, 1e-3)) << (stepped - expected).abs().max().item<float>();
  EXPECT_FALSE(at::allclose(stepped, proposals));

  p.box_refinement_iter = 10;
  auto boxes = est.refine(f, proposals, p).first;
  at::NoGradGuard ng;
  auto modulated = net->bb_regressor->modulate(est.modulation(), f);
  auto before = net->bb_regressor->predict_iou_modulated(modulated, proposals.view({1, -1, 4})).view(-1);
  auto after = net->bb_regressor->predict_iou_modulated(modulated, boxes.view({1, -1, 4})).view(-1);
  for (int64_t i = 0; i < 2; ++i) EXPECT_GT(after[i].item<float>(), before[i].item<float>()) << i;
}

// The window's exactness rule, box by box: every box it accepts scores on the window's
// features exactly as on the whole maps' (boxes scattered up to and past the window's rims).
TEST(IoUNetRefinement, EveryBoxTheWindowAcceptsScoresAsOnTheWholeMap) {
  WindowCase k(8);
  auto& [net, l2, l3, est] = k;
  at::NoGradGuard ng;
  const auto whole = net->bb_regressor->modulate(est.modulation(), net->bb_regressor->iou_features(l2, l3));
  int64_t accepted = 0, rejected = 0;
  for (const float c : {100.f, 37.f}) {
    const auto w = k.window(at::tensor({c, c + 9, 61.f, 47.f}).view({1, 4}));
    ASSERT_FALSE(w.whole());
    EXPECT_LT(w.x1_2, std::min(l2.size(3), 2 * w.x1)) << "the layer2 crop is no tighter than the layer3 crop";
    const auto crop = net->bb_regressor->modulate(est.modulation(),
                                                  net->bb_regressor->iou_features(w.crop2(l2), w.crop3(l3)));
    const auto shift = at::tensor({static_cast<float>(w.origin_x()), static_cast<float>(w.origin_y()), 0.f, 0.f});
    // Boxes from 8 px inside the window's rims to 24 px past them, every size in between.
    const auto lo = at::tensor({0.f, 0.f, 20.f, 20.f}) - 24, span = at::tensor({200.f, 200.f, 100.f, 100.f});
    for (int i = 0; i < 600; ++i) {
      const auto box = (lo + at::rand({4}) * span).view({1, 1, 4});
      if (!w.exact(box)) {
        ++rejected;
        continue;
      }
      ++accepted;
      const auto on_window = net->bb_regressor->predict_iou_modulated(crop, box);
      const auto on_whole = net->bb_regressor->predict_iou_modulated(whole, box + shift);
      ASSERT_TRUE(at::allclose(on_window, on_whole, 1e-4, 1e-5)) << box << on_window << on_whole;
    }
  }
  EXPECT_GT(accepted, 100);
  EXPECT_GT(rejected, 100);
}

// Refinement on the IoU features of the proposals' window gives the boxes and scores of the
// whole map, and a box that leaves the window's exact part stops it (the caller falls back).
TEST(IoUNetRefinement, WindowedFeaturesGiveTheWholeMapsResult) {
  WindowCase k(6);
  auto& [net, l2, l3, est] = k;
  const TrackerParams p = dimp_params();
  at::NoGradGuard ng;
  // Proposals near the centre, and near a corner (a window touching the map's edge).
  for (const float c : {120.f, 10.f}) {
    auto proposals = at::tensor({c, c + 5, 60.f, 50.f, c + 8, c - 4, 50.f, 66.f, c - 6, c + 2, 70.f, 58.f}).view({3, 4});
    const auto w = k.window(proposals);
    ASSERT_FALSE(w.whole());
    auto [full_boxes, full_scores] = est.refine(net->bb_regressor->iou_features(l2, l3), proposals, p);
    const auto shift = at::tensor({static_cast<float>(w.origin_x()), static_cast<float>(w.origin_y()), 0.f, 0.f});
    auto [boxes, scores] = est.refine(net->bb_regressor->iou_features(w.crop2(l2), w.crop3(l3)), proposals - shift, p,
                                      [&](const at::Tensor& b) { return w.exact(b); });
    ASSERT_TRUE(boxes.defined()) << "a refined box left the window";
    EXPECT_TRUE(at::allclose(boxes + shift, full_boxes, 1e-4, 1e-3)) << boxes + shift << full_boxes;
    EXPECT_TRUE(at::allclose(scores, full_scores, 1e-4, 1e-5)) << scores << full_scores;
  }
  // A box reaching past the window: refinement reports it instead of scoring inexact features.
  auto proposals = at::tensor({120.f, 120.f, 40.f, 40.f}).view({1, 4});
  const auto w = k.window(proposals);
  EXPECT_TRUE(w.exact(proposals - at::tensor({static_cast<float>(w.origin_x()), static_cast<float>(w.origin_y()), 0.f, 0.f})));
  auto far = at::tensor({230.f, 120.f, 40.f, 40.f}).view({1, 4});
  auto [none, no_scores] = est.refine(net->bb_regressor->iou_features(w.crop2(l2), w.crop3(l3)), far, p,
                                      [&](const at::Tensor& b) { return w.exact(b); });
  EXPECT_FALSE(none.defined());
}

}  // namespace
}  // namespace dimp
