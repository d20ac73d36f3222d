// data/sampler.h — the set sampler of §3.6: a dataset drawn by weight, a sequence with enough
// visible frames, then a segment of T_ss = 2·max_gap frames: N_frames train frames from its
// first half and N_frames test frames from its second (test frames after the train frames, as
// the reference's causal mode). Only frames where the target is visible are drawn; when too
// few are, the gap grows by 5 frames at a time. Image datasets repeat their single frame.
//
//   SetSampler sampler({got, lasot, syn}, {{1.0, 0.25, 1.0}});
//   std::mt19937_64 rng(7);
//   FrameSet s = sampler.sample(rng);   // s.dataset, s.sequence, s.train, s.test
#pragma once

#include <memory>
#include <random>
#include <vector>

#include "data/training_datasets.h"

namespace dimp::data {

// SamplerOptions: weights per dataset and the frame counts.
struct SamplerOptions {
  std::vector<double> weights;  // one per dataset (normalised); empty: proportional to size
  int max_gap = 30;             // half the segment length T_ss
  int num_train_frames = 3;
  int num_test_frames = 3;
};

// FrameSet: one training sample's frames.
struct FrameSet {
  size_t dataset = 0, sequence = 0;
  std::vector<size_t> train, test;
};

class SetSampler {
 public:
  SetSampler(std::vector<std::shared_ptr<TrainingDataset>> datasets, SamplerOptions options);
  FrameSet sample(std::mt19937_64& rng) const;
  const std::vector<std::shared_ptr<TrainingDataset>>& datasets() const { return datasets_; }
  const SamplerOptions& options() const { return options_; }

 private:
  std::vector<std::shared_ptr<TrainingDataset>> datasets_;
  SamplerOptions options_;
  std::vector<double> cumulative_;
};

}  // namespace dimp::data
