// tests/pytracking_trace.h — pytracking's reference traces (tools/pytracking_parity/
// run_pytracking.py) as the parity tests read them, and our tracker run the same way.
//
//   auto trace = dimp::testing::read_trace(root + "/tests/data/pytracking/dimp18/otb_Crossing.json");
//   auto weights = dimp::testing::parity_weights("dimp18", trace.weights_seed);   // regenerated, CRC-checked
//   auto ours = dimp::testing::run_like_trace(trace, weights, sequence, /*record_frames=*/2);
//
// A trace holds per frame pytracking's box (x, y, w, h, 0-based), the score map's maximum, the
// localisation flag and the search region; its `.intermediates.safetensors` holds, for the first
// frames, every intermediate tensor reduced to at most 1024 evenly strided elements plus the
// whole tensor's count, sum, sum of squares, minimum and maximum (reduce() below, as the
// harness reduces them).
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "bbox/box.h"
#include "data/sequence.h"
#include "dimp/tracker_params.h"

namespace dimp::testing {

// TraceFrame: one frame of a trace (frame 0: the initial box, flag "init").
struct TraceFrame {
  bbox::Box box;
  std::string flag;
  double score = 0;
  std::vector<double> search;  // [x0, y0, x1, y1] of the search patch; empty when not recorded
};

// Trace: a reference run.
struct Trace {
  std::string path, arch, sequence, draws;
  uint64_t seed = 0;
  uint32_t weights_crc32 = 0;
  std::map<std::string, std::string> overrides;  // pytracking parameter -> JSON value
  int dropout_num = 0;
  double dropout_prob = 0;
  std::vector<TraceFrame> frames;
};

Trace read_trace(const std::string& path);

// ReducedTensor: an intermediate as the harness stores it.
struct ReducedTensor {
  at::Tensor sampled;  // float32, up to 1024 evenly strided elements of the flattened tensor
  at::Tensor stats;    // float64: count, sum, sum of squares, min, max
};
ReducedTensor reduce(const at::Tensor& t);
// read_intermediates: name -> reduced tensor (the trace's .intermediates.safetensors).
std::map<std::string, ReducedTensor> read_intermediates(const std::string& path);
// relative_error: |ours − theirs| / |theirs| over the sampled elements (L2), and the same for
// the whole tensors' root sum of squares; the larger of the two.
double relative_error(const ReducedTensor& ours, const ReducedTensor& theirs);

// ParityWeights: the trace's weights, regenerated (training/batchnorm_calibration.h) and saved.
struct ParityWeights {
  std::string path;
  uint32_t crc32 = 0;  // of every tensor's name and bytes, in name order, as the harness computes it
};
ParityWeights parity_weights(const std::string& arch, uint64_t seed);

// params_like_trace: DiMP's parameters with the trace's overrides, float32 arithmetic and
// `geometry`.
TrackerParams params_like_trace(const Trace& trace, const std::string& geometry);

// TrackedRun: our run over a sequence.
struct TrackedRun {
  std::vector<bbox::Box> boxes;      // frame 0: the initial box
  std::vector<std::string> flags;    // frame 0: "init"
  std::vector<double> scores;        // the raw score map's maximum (frame 0: 0)
  std::vector<std::vector<double>> search;
  std::map<std::string, at::Tensor> intermediates;  // init/* and the first track() frames' track/*
};

// run_tracker: our tracker (arch) over the first `frames` frames of `sequence` (0: all) from
// `init_box`, recording the intermediates of initialize() and the first `record_frames` - 1
// track() calls.
TrackedRun run_tracker(const std::string& arch, const TrackerParams& params, const std::string& weights,
                       const data::Sequence& sequence, const bbox::Box& init_box, int record_frames, size_t frames = 0);

// read_sequence: "otb/<name>" or "vot/<name>" under the data folder, as our readers read it.
data::Sequence read_sequence(const std::string& data_dir, const std::string& name);

}  // namespace dimp::testing
