// data/synthetic.h — synthetic tracking sequences that need no downloads: a textured target
// moving, scaling and briefly occluded over a textured background, with a look-alike
// distractor crossing its path, and exact ground truth.
//
//   auto seq = dimp::data::make_synthetic_sequence({/*width=*/480, /*height=*/360, /*frames=*/150});
//   seq.frames[i];        // (3, H, W) uint8 RGB
//   seq.ground_truth[i];  // the target's box (0-based, continuous)
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <utility>
#include <vector>

#include "bbox/box.h"

namespace dimp::data {

// SyntheticOptions: scene size, length and difficulty.
struct SyntheticOptions {
  int width = 480;
  int height = 360;
  int frames = 150;
  uint64_t seed = 7;
  double target_size = 56;       // initial target side (pixels, roughly square)
  double scale_amplitude = 0.3;  // size varies by up to ±30 % along the sequence
  bool occlusion = true;         // an occluder hides the target for a few frames mid-sequence
  bool distractor = true;        // a copy of the target crosses near its path
};

// SyntheticSequence: frames and ground truth (the target box; fully occluded frames keep
// the box of where the target is).
struct SyntheticSequence {
  std::vector<at::Tensor> frames;
  std::vector<bbox::Box> ground_truth;
  int occlusion_begin = -1, occlusion_end = -1;  // frames [begin, end) occluded
};

SyntheticSequence make_synthetic_sequence(const SyntheticOptions& options = {});

// SyntheticScene: the same scenes, one frame at a time (for training data: any frame, from any
// thread, without rendering the ones before it).
class SyntheticScene {
 public:
  explicit SyntheticScene(const SyntheticOptions& options);
  int frames() const { return options_.frames; }
  bbox::Box box(int t) const;
  bool occluded(int t) const { return t >= occlusion_begin_ && t < occlusion_end_; }
  at::Tensor render(int t) const;  // (3, H, W) uint8
  int occlusion_begin() const { return occlusion_begin_; }
  int occlusion_end() const { return occlusion_end_; }

 private:
  std::pair<double, double> position(int t, bool distractor) const;
  SyntheticOptions options_;
  at::Tensor background_, target_, distractor_, occluder_;
  double phase_[4] = {0, 0, 0, 0};
  double aspect_ = 1;
  int occlusion_begin_ = -1, occlusion_end_ = -1;
};

}  // namespace dimp::data
