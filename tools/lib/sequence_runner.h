// tools/lib/sequence_runner.h — run one tracker over one sequence and time it.
//
//   auto run = dimp::tools::run_sequence(*tracker, frames, init_box, &bar);
//   run.boxes; run.fps;   // FPS counts tracker time only (no decoding), first frame excluded
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "bbox/box.h"
#include "data/vot.h"
#include "tools/lib/frame_tracker.h"
#include "tools/lib/progress.h"

namespace dimp::tools {

struct SequenceRun {
  std::vector<bbox::Box> boxes;        // one per frame; frame 0 is the initial box
  std::vector<double> scores;
  std::vector<TargetStatus> status;
  double init_seconds = 0, track_seconds = 0;
  double fps = 0;                      // frames 1.. per second of track() time
};

// FrameLoader: frame i of the sequence (decoded on demand; not timed).
using FrameLoader = std::function<Frame(size_t index)>;

SequenceRun run_sequence(FrameTracker& tracker, size_t num_frames, const FrameLoader& load,
                         const bbox::Box& init_box, ProgressBar* progress = nullptr,
                         const std::function<void(size_t, const Frame&, const TrackResult&)>& on_frame = {});

// SupervisedRun: a VOT baseline run (data/vot.h) of one tracker over one sequence.
struct SupervisedRun {
  data::vot::Trajectory trajectory;
  double track_seconds = 0;  // track() time (initialisations excluded)
  size_t tracked_frames = 0;  // frames given to track()
};

// run_supervised: the VOT baseline experiment with `tracker`: initialised on the ground truth's
// region (as the box of its area) on frame 0 and `skip_initialize` frames after each failure.
// `on_frame(index)` is called once for every frame of the sequence (skipped ones included).
SupervisedRun run_supervised(FrameTracker& tracker, const std::vector<data::vot::Region>& truth,
                             const FrameLoader& load, const data::vot::ProtocolOptions& options = {},
                             const std::function<void(size_t)>& on_frame = {});

}  // namespace dimp::tools
