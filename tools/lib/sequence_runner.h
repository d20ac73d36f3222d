// tools/lib/sequence_runner.h — run one tracker over one sequence and time it.
//
//   auto run = dimp::tools::run_sequence(*tracker, frames, init_box, &bar);
//   run.boxes; run.fps;   // FPS counts tracker time only (no decoding), first frame excluded
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "bbox/box.h"
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

}  // namespace dimp::tools
