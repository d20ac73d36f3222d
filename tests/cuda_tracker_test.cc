// Trackers on a CUDA device (TrackerParams::device) against the same trackers on the CPU:
// DiMP-18 and PrDiMP-18 on seeded weights through the whole loop (network, model fits, IoU-Net
// refinement), alone and as a batched MultiTracker. Skipped where no CUDA device is present;
// scripts/gpu_check.sh runs it on one.
#include <ATen/Context.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "data/synthetic.h"
#include "dimp/multi_tracker.h"
#include "dimp/tracker.h"
#include "tests/seeded_weights.h"

namespace dimp {
namespace {

#define DIMP_REQUIRE_CUDA() \
  if (!at::hasCUDA()) GTEST_SKIP() << "no CUDA device: trackers on CUDA run where one is present"

// NoTF32: float32 convolutions and products on the device as on the CPU (TF32 would round
// the inputs to 10 bits, and seeded networks' flat scores then pick other peaks).
class NoTF32 {
 public:
  NoTF32() : cudnn_(at::globalContext().allowTF32CuDNN()), cublas_(at::globalContext().allowTF32CuBLAS()) {
    at::globalContext().setAllowTF32CuDNN(false);
    at::globalContext().setAllowTF32CuBLAS(false);
  }
  ~NoTF32() {
    at::globalContext().setAllowTF32CuDNN(cudnn_);
    at::globalContext().setAllowTF32CuBLAS(cublas_);
  }

 private:
  bool cudnn_, cublas_;
};

// params: float32, a model fit every frame, and no target lost (seeded networks score low),
// so that every stage runs on every frame.
TrackerParams params(const std::string& name, const std::string& device) {
  TrackerParams p = default_params(name);
  p.network_precision = "float32";
  p.device = device;
  p.train_skipping = 1;
  p.target_not_found_threshold = -1e9;
  return p;
}

std::vector<bbox::Box> track(const std::string& name, const std::string& device, const std::string& weights,
                             const data::SyntheticSequence& seq) {
  auto tracker = make_tracker(name, params(name, device), weights);
  tracker->initialize(seq.frames[0], seq.ground_truth[0]);
  std::vector<bbox::Box> out;
  for (size_t i = 1; i < seq.frames.size(); ++i) out.push_back(tracker->track(seq.frames[i]).box);
  return out;
}

data::SyntheticSequence sequence(int frames) {
  data::SyntheticOptions o;
  o.frames = frames;
  return data::make_synthetic_sequence(o);
}

TEST(CudaTracker, FollowsTheCpuTracker) {
  DIMP_REQUIRE_CUDA();
  NoTF32 exact;
  const auto seq = sequence(6);
  for (const std::string name : {"dimp18", "prdimp18"}) {
    SCOPED_TRACE(name);
    const std::string weights = testing::seeded_weights(name, 3);
    const auto cpu = track(name, "cpu", weights, seq), cuda = track(name, "cuda", weights, seq);
    ASSERT_EQ(cpu.size(), cuda.size());
    for (size_t i = 0; i < cpu.size(); ++i) {
      EXPECT_GT(bbox::iou(cpu[i], cuda[i]), 0.99) << "frame " << i + 1 << ": CPU " << cpu[i] << ", CUDA " << cuda[i];
    }
  }
}

// Three targets in one MultiTracker on the device: one network pass, one score run and one
// model fit per frame for all, with the boxes of independent trackers on the same device.
TEST(CudaTracker, BatchedTargetsEqualIndependentTrackers) {
  DIMP_REQUIRE_CUDA();
  NoTF32 exact;
  const auto seq = sequence(4);
  const std::vector<bbox::Box> boxes{seq.ground_truth[0], {40, 40, 60, 50}, {300, 220, 50, 60}};
  const std::string name = "dimp18", weights = testing::seeded_weights(name, 4);
  MultiTracker mt(name, params(name, "cuda"), weights);
  for (const auto& b : boxes) mt.add_target(seq.frames[0], b);
  std::vector<std::vector<bbox::Box>> batched(boxes.size());
  for (size_t i = 1; i < seq.frames.size(); ++i) {
    const auto results = mt.track(seq.frames[i]);
    ASSERT_EQ(results.size(), boxes.size());
    for (size_t t = 0; t < boxes.size(); ++t) batched[t].push_back(results[t].result.box);
  }
  EXPECT_EQ(mt.stats().score_runs, mt.stats().frames);
  EXPECT_LT(mt.stats().fit_runs, mt.stats().fits);
  for (size_t t = 0; t < boxes.size(); ++t) {
    auto alone = make_tracker(name, params(name, "cuda"), weights);
    alone->initialize(seq.frames[0], boxes[t]);
    for (size_t i = 1; i < seq.frames.size(); ++i) {
      const bbox::Box b = alone->track(seq.frames[i]).box;
      EXPECT_GT(bbox::iou(b, batched[t][i - 1]), 1 - 1e-3) << "target " << t << ", frame " << i;
    }
  }
}

}  // namespace
}  // namespace dimp
