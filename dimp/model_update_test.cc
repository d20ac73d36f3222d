#include "dimp/model_update.h"

#include <gtest/gtest.h>

#include <numeric>

namespace dimp {
namespace {

double sum(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0); }

TEST(SampleWeights, FirstFrameSamplesShareTheWeight) {
  SampleWeights w(10, 0.25);
  w.reset(4);
  EXPECT_EQ(w.num_stored(), 4);
  for (int i = 0; i < 4; ++i) EXPECT_DOUBLE_EQ(w.weights()[i], 0.25);
  EXPECT_DOUBLE_EQ(w.weights()[4], 0.0);
}

TEST(SampleWeights, NewSamplesWeighLearningRateAndAgeGeometrically) {
  SampleWeights w(10, 0.0);
  w.reset(2);  // [0.5, 0.5]
  // First add: old weights /(1 − lr), new one lr, then normalised: [0.5/0.9, 0.5/0.9, 0.1]/sum.
  EXPECT_EQ(w.add(0.1), 2);
  const double s1 = 1.0 / 0.9 + 0.1;
  EXPECT_NEAR(w.weights()[0], (0.5 / 0.9) / s1, 1e-12);
  EXPECT_NEAR(w.weights()[2], 0.1 / s1, 1e-12);
  // Second add: the newest weighs the previous newest /(1 − lr).
  const double prev = w.weights()[2];
  EXPECT_EQ(w.add(0.1), 3);
  const double s2 = 1.0 + prev / 0.9;
  EXPECT_NEAR(w.weights()[3], (prev / 0.9) / s2, 1e-12);
  EXPECT_NEAR(sum(w.weights()), 1.0, 1e-12);
}

TEST(SampleWeights, FullMemoryReplacesTheLightestLaterSampleAndKeepsTheFirstFramesFloor) {
  SampleWeights w(5, 0.5);
  w.reset(2);
  std::vector<int> slots;
  for (int i = 0; i < 8; ++i) slots.push_back(w.add(0.3));
  EXPECT_EQ(slots[0], 2);
  EXPECT_EQ(slots[1], 3);
  EXPECT_EQ(slots[2], 4);
  // Once full, the lightest of the later samples (the oldest) goes; first-frame samples stay.
  for (size_t i = 3; i < slots.size(); ++i) EXPECT_GE(slots[i], 2);
  EXPECT_EQ(slots[3], 2);
  EXPECT_EQ(w.num_stored(), 5);
  EXPECT_NEAR(w.weights()[0] + w.weights()[1], 0.5, 1e-12);  // the floor
  EXPECT_NEAR(sum(w.weights()), 1.0, 1e-12);
}

TEST(SampleWeights, LearningRateOneKeepsOnlyTheNewSample) {
  SampleWeights w(5, 0.0);
  w.reset(3);
  EXPECT_EQ(w.add(1.0), 0);
  EXPECT_DOUBLE_EQ(w.weights()[0], 1.0);
  EXPECT_DOUBLE_EQ(sum(w.weights()), 1.0);
}

// The floor on the first frame's weight, by hand: capacity 4, one first-frame sample, floor 0.5,
// learning rate 0.5. Each add scales the newest weight by 1/(1 − lr) of the previous newest,
// normalises, and lifts the first sample back to 0.5 when it falls below (the later samples
// keep their proportions in the other half).
TEST(SampleWeights, HandComputedScheduleWithTheFloor) {
  SampleWeights w(4, 0.5);
  w.reset(1);  // [1, 0, 0, 0]
  auto expect = [&](std::vector<double> e) {
    for (size_t i = 0; i < e.size(); ++i) EXPECT_NEAR(w.weights()[i], e[i], 1e-12) << i;
  };
  // [1/0.5, 0.5] / 2.5 = [0.8, 0.2]
  EXPECT_EQ(w.add(0.5), 1);
  expect({0.8, 0.2, 0, 0});
  // newest 0.2/0.5 = 0.4: [0.8, 0.2, 0.4] / 1.4 = [4/7, 1/7, 2/7]
  EXPECT_EQ(w.add(0.5), 2);
  expect({4.0 / 7, 1.0 / 7, 2.0 / 7, 0});
  // newest 4/7: [4, 1, 2, 4] / 11; 4/11 < 0.5, so the later 7/11 become 0.5 in proportion 1:2:4
  EXPECT_EQ(w.add(0.5), 3);
  expect({0.5, 1.0 / 14, 2.0 / 14, 4.0 / 14});
  // Full: the lightest later sample (slot 1, the oldest) goes; newest 4/7 again:
  // [0.5, 4/7, 1/7, 2/7] / 1.5, then the later ones rescaled to 0.5 in proportion 4:1:2.
  EXPECT_EQ(w.add(0.5), 1);
  expect({0.5, 2.0 / 7, 1.0 / 14, 1.0 / 7});
  EXPECT_EQ(w.add(0.5), 2);  // now the oldest later sample is slot 2
}

// geometry pytracking: when the floor applies, pytracking divides every weight by floor + the
// later samples' sum, then sets the first frame's to the floor, so the total exceeds 1. The same
// schedule as above by hand: the third add gives [4, 1, 2, 4] / 11; 4/11 < 0.5, so the later
// ones become (k/11) / (0.5 + 7/11) = 2k/25 and the first 0.5 (total 1.06).
TEST(SampleWeights, PytrackingRenormalisationDividesByFloorPlusTheRest) {
  SampleWeights w(4, 0.5, /*pytracking_renormalisation=*/true);
  w.reset(1);
  EXPECT_EQ(w.add(0.5), 1);
  EXPECT_EQ(w.add(0.5), 2);
  EXPECT_NEAR(w.weights()[2], 2.0 / 7, 1e-12);  // the floor did not apply yet: as before
  EXPECT_EQ(w.add(0.5), 3);
  const std::vector<double> e{0.5, 2.0 / 25, 4.0 / 25, 8.0 / 25};
  for (size_t i = 0; i < e.size(); ++i) EXPECT_NEAR(w.weights()[i], e[i], 1e-12) << i;
  EXPECT_NEAR(sum(w.weights()), 1.06, 1e-12);
}

// A memory exactly as large as the first frame's samples, with a floor on their weight, has
// no slot for a later sample: refused at reset (add() used to return slot 15 of 15).
TEST(SampleWeights, AMemoryFullOfFloorSamplesIsRefusedAtTheBoundary) {
  SampleWeights exact(15, 0.25);
  EXPECT_THROW(exact.reset(15), c10::Error);
  SampleWeights one_more(16, 0.25);
  one_more.reset(15);
  for (int i = 0; i < 40; ++i) EXPECT_EQ(one_more.add(0.01), 15) << i;  // only the one free slot
  SampleWeights no_floor(15, 0.0);
  no_floor.reset(15);
  for (int i = 0; i < 40; ++i) {
    const int slot = no_floor.add(0.01);
    EXPECT_GE(slot, 0);
    EXPECT_LT(slot, 15);
  }
}

// RecordingPredictor: the ModelPredictor members SampleMemory calls, recording each optimizer
// run (how many steps, over how many samples, with which weights) so the schedule of §3.7 can
// be read off: two steps every 20 frames, one after a distractor, none when the target is lost.
struct RecordingPredictor {
  struct Run {
    int iters;
    int64_t samples;
    std::vector<double> weights;
  };
  mutable std::vector<Run> runs;
  losses::ResidualMaps maps(const at::Tensor& boxes) const {
    return {at::zeros({boxes.size(0), 1, 3, 3}), at::Tensor(), at::Tensor()};
  }
  at::Tensor initial_filter(const at::Tensor&, const at::Tensor&) const { return at::zeros({1, 2, 1, 1}); }
  at::Tensor optimize(const at::Tensor& f, const at::Tensor& x, const losses::ResidualMaps& m, const at::Tensor& w,
                      int iters) const {
    EXPECT_EQ(m.label.size(0), x.size(0));
    Run r{iters, x.size(0), {}};
    if (w.defined()) r.weights.assign(w.data_ptr<double>(), w.data_ptr<double>() + w.numel());
    runs.push_back(r);
    return f + 1;
  }
};

TEST(SampleMemory, OptimizesEveryTwentyFramesAndAfterDistractorsAsInSection37) {
  TrackerParams p;  // the reference's values: memory 50, 15 first-frame samples, lr 0.01 / 0.02
  SampleMemory memory(p);
  RecordingPredictor predictor;
  auto feat = at::rand({15, 2, 3, 3}).to(at::kDouble);
  auto boxes = at::tensor({10.0, 10.0, 20.0, 20.0}).repeat({15, 1});
  at::Tensor f = memory.initialize(predictor, feat, boxes, p);
  ASSERT_EQ(predictor.runs.size(), 1u);
  EXPECT_EQ(predictor.runs[0].iters, 10);     // "10 steepest descent recursions" on the first frame
  EXPECT_EQ(predictor.runs[0].samples, 15);
  std::vector<std::pair<int, int>> optimized;  // (frame, steps)
  for (int frame = 2; frame <= 61; ++frame) {
    UpdateKind kind = UpdateKind::kNormal;
    if (frame == 30) kind = UpdateKind::kHardNegative;
    if (frame >= 35 && frame <= 37) kind = UpdateKind::kSkip;  // target lost: no sample, no step
    const size_t before = predictor.runs.size();
    f = memory.update(predictor, f, at::rand({1, 2, 3, 3}).to(at::kDouble), at::tensor({9.0, 9.0, 20.0, 20.0}), kind,
                      frame);
    if (predictor.runs.size() > before) optimized.push_back({frame, predictor.runs.back().iters});
    if (frame == 29) {
      EXPECT_EQ(memory.num_stored(), 15 + 28);
    }
  }
  const std::vector<std::pair<int, int>> expected{{21, 2}, {30, 1}, {41, 2}, {61, 2}};
  EXPECT_EQ(optimized, expected);
  EXPECT_EQ(predictor.runs[1].samples, 35);  // 15 + frames 2..21
  EXPECT_EQ(predictor.runs[2].samples, 44);  // the distractor's frame is stored too
  EXPECT_EQ(predictor.runs[3].samples, 50);  // full: "a maximum memory size of 50"
  EXPECT_EQ(memory.num_stored(), 50);
  // In the run after the distractor (frame 30), its sample weighs 1/(1 − 0.02) times the one
  // before it, which weighs 1/(1 − 0.01) times its own predecessor; the weights sum to 1.
  const auto& w = predictor.runs[2].weights;
  ASSERT_EQ(w.size(), 44u);
  EXPECT_NEAR(w[43] / w[42], 1 / (1 - 0.02), 1e-9);
  EXPECT_NEAR(w[42] / w[41], 1 / (1 - 0.01), 1e-9);
  EXPECT_NEAR(sum(w), 1.0, 1e-9);
  // The first frame's samples are never replaced and share their weight equally, at least the floor.
  const auto& last = predictor.runs.back().weights;
  for (int i = 1; i < 15; ++i) EXPECT_DOUBLE_EQ(last[i], last[0]);
  EXPECT_GE(std::accumulate(last.begin(), last.begin() + 15, 0.0), p.init_samples_minimum_weight);
  EXPECT_NEAR(sum(last), 1.0, 1e-9);
}

// Table 3's other two strategies, as the paper words them: "No update: the model is not updated
// during tracking"; "Model averaging: in each frame, the target model is updated using the linear
// combination of the current and newly predicted model" (the new one from that frame alone).
TEST(UpdateStrategies, NoUpdateAndModelAveragingAsInTable3) {
  TrackerParams p;
  RecordingPredictor predictor;
  auto feat = at::rand({15, 2, 3, 3}).to(at::kDouble);
  auto boxes = at::tensor({10.0, 10.0, 20.0, 20.0}).repeat({15, 1});
  NoUpdate none(p);
  const at::Tensor f0 = none.initialize(predictor, feat, boxes, p);
  for (int frame = 2; frame < 30; ++frame) {
    for (auto kind : {UpdateKind::kNormal, UpdateKind::kHardNegative}) {
      EXPECT_TRUE(at::equal(none.update(predictor, f0, feat.narrow(0, 0, 1), boxes[0], kind, frame), f0));
    }
  }
  EXPECT_EQ(predictor.runs.size(), 1u);  // only the first frame's optimization

  ModelAveraging avg(p);
  at::Tensor f = avg.initialize(predictor, feat, boxes, p);
  for (int frame = 2; frame < 6; ++frame) {
    const size_t before = predictor.runs.size();
    const at::Tensor next = avg.update(predictor, f, feat.narrow(0, 0, 1), boxes[0], UpdateKind::kNormal, frame);
    // The new model: the recording predictor's optimize() returns its start (zeros) + 1, from the
    // frame's one sample.
    ASSERT_EQ(predictor.runs.size(), before + 1);
    EXPECT_EQ(predictor.runs.back().samples, 1);
    EXPECT_TRUE(at::allclose(next, (1 - p.model_averaging_rate) * f + p.model_averaging_rate * at::ones_like(f)));
    f = next;
  }
  EXPECT_TRUE(at::equal(avg.update(predictor, f, feat.narrow(0, 0, 1), boxes[0], UpdateKind::kSkip, 7), f));
}

// Deferred fits: SampleMemory's run recorded by DeferredFit (the filter comes back unchanged),
// and two targets' recorded runs stacked as the optimizer's sequences.
TEST(DeferredFit, RecordsTheRunAndStacksTargetsAsSequences) {
  static_assert(fit_is_last_v<SampleMemory> && !fit_is_last_v<ModelAveraging>);
  TrackerParams tp;
  SampleMemory memory(tp);
  RecordingPredictor predictor;
  at::Tensor f0 = memory.initialize(predictor, at::rand({15, 2, 3, 3}).to(at::kDouble),
                                    at::tensor({10.0, 10.0, 20.0, 20.0}).repeat({15, 1}), tp);
  DeferredFit<RecordingPredictor> deferred{predictor, std::nullopt};
  const at::Tensor f1 = memory.update(deferred, f0, at::rand({1, 2, 3, 3}).to(at::kDouble),
                                      at::tensor({9.0, 9.0, 20.0, 20.0}), UpdateKind::kHardNegative, 2);
  EXPECT_TRUE(at::equal(f1, f0));          // unchanged until the run is made
  EXPECT_EQ(predictor.runs.size(), 1u);    // the first frame's only
  ASSERT_TRUE(deferred.pending.has_value());
  EXPECT_EQ(deferred.pending->iters, tp.net_opt_hn_iter);
  EXPECT_EQ(deferred.pending->features.size(0), 16);  // 15 + the distractor's frame

  auto fit = [](float v, int64_t n) {
    PendingFit p;
    p.filter = at::full({1, 4, 2, 2}, v);
    p.features = at::full({n, 1, 4, 5, 5}, v);
    p.maps.label = at::full({n, 1, 6, 6}, v);
    p.weights = at::full({n}, v);
    p.iters = 2;
    return p;
  };
  const PendingFit a = fit(1, 3), b = fit(2, 3), c = fit(3, 4);
  EXPECT_EQ(fit_shape_key(a), fit_shape_key(b));
  EXPECT_NE(fit_shape_key(a), fit_shape_key(c));
  const PendingFit s = stack_fits({&a, &b});
  EXPECT_EQ(s.filter.sizes(), (at::IntArrayRef{2, 4, 2, 2}));
  EXPECT_EQ(s.features.sizes(), (at::IntArrayRef{3, 2, 4, 5, 5}));
  EXPECT_EQ(s.maps.label.sizes(), (at::IntArrayRef{3, 2, 6, 6}));
  EXPECT_EQ(s.weights.sizes(), (at::IntArrayRef{3, 2}));
  EXPECT_TRUE(at::equal(s.features.select(1, 1), b.features.select(1, 0)));
  EXPECT_TRUE(at::equal(s.weights.select(1, 0), a.weights));
  EXPECT_FALSE(s.maps.mask.defined());
  EXPECT_EQ(s.iters, 2);
  EXPECT_THROW(stack_fits({&a, &c}), c10::Error);
  EXPECT_THROW(stack_fits({}), c10::Error);
}

}  // namespace
}  // namespace dimp
