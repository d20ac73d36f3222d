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
#include "tests/testing.h"

namespace dimp {
namespace {

std::string seeded_weights(const std::string& arch) {
  const std::string path = testing::temp_path(arch + "_seeded.safetensors");
  at::manual_seed(11);
  DiMPNet net(arch == "dimp18" ? DiMPNetConfig::dimp18() : DiMPNetConfig::dimp50());
  weights::save_module(*net, path);
  return path;
}

class DiMPOnline : public ::testing::TestWithParam<std::string> {};

// The full online loop (augmented first frame, initializer + 10 SD steps, localization,
// IoU-Net refinement, memory updates every 20 frames) on a real sequence. Untrained weights
// do not track; the test checks the loop runs end to end and reports sane results.
TEST_P(DiMPOnline, FullLoopRunsOnARealSequence) {
  DIMP_REQUIRE_DATA(root);
  const std::string arch = GetParam();
  auto seq = data::read_otb_sequence(root + "/otb/Crossing");
  auto params = default_params(arch);
  params.target_not_found_threshold = -1e9;  // untrained scores: keep the box estimator running
  auto t = make_tracker(arch, params, seeded_weights(arch));
  t->initialize(data::load_image(seq.frames[0]), seq.ground_truth[0]);
  const int frames = 25;  // includes a memory update and optimisation (frame 21)
  for (int i = 1; i < frames; ++i) {
    auto r = t->track(data::load_image(seq.frames[i]));
    ASSERT_TRUE(r.box.is_valid()) << i;
    ASSERT_TRUE(std::isfinite(r.score)) << i;
    EXPECT_GE(r.box.cx(), 0);
    EXPECT_LE(r.box.cx(), 360);
  }
  const auto& times = t->stage_times();
  EXPECT_EQ(times.frames, frames - 1);
  EXPECT_GT(times.box, 0.0);       // the IoU-Net ran
  EXPECT_GT(times.features, 0.0);
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

INSTANTIATE_TEST_SUITE_P(Variants, DiMPOnline, ::testing::Values("dimp18", "dimp50"));

// Gradient ascent on the predicted IoU raises it: the refined boxes score higher than the
// proposals they started from.
TEST(IoUNetRefinement, RaisesThePredictedIoU) {
  at::manual_seed(5);
  DiMPNet net(DiMPNetConfig::dimp18());
  net->prepare_inference();
  for (auto& p : net->parameters()) p.requires_grad_(false);
  at::NoGradGuard ng;
  auto bb = net->backbone(net->normalize(at::rand({1, 3, 288, 288}) * 255));
  IoUNetBoxEstimator est(net);
  backbones::ExtractedFeatures feats{at::Tensor(), {bb.at("layer2"), bb.at("layer3")}};
  TrackerParams p = dimp_params();
  est.initialize(feats, at::tensor({110.f, 100.f, 70.f, 80.f}).view({1, 4}), {}, p);
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

}  // namespace
}  // namespace dimp
