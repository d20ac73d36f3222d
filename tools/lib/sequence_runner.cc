#include "tools/lib/sequence_runner.h"

#include <chrono>

namespace dimp::tools {

SequenceRun run_sequence(FrameTracker& tracker, size_t n, const FrameLoader& load, const bbox::Box& init_box,
                         ProgressBar* progress, const std::function<void(size_t, const Frame&, const TrackResult&)>& on_frame) {
  using Clock = std::chrono::steady_clock;
  SequenceRun run;
  Frame first = load(0);
  auto t0 = Clock::now();
  tracker.initialize(first, init_box);
  run.init_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  run.boxes.push_back(init_box);
  run.scores.push_back(1.0);
  run.status.push_back(TargetStatus::kNormal);
  if (on_frame) on_frame(0, first, {init_box, 1.0, TargetStatus::kNormal});
  if (progress) progress->tick();
  for (size_t i = 1; i < n; ++i) {
    Frame f = load(i);
    auto t = Clock::now();
    TrackResult r = tracker.track(f);
    run.track_seconds += std::chrono::duration<double>(Clock::now() - t).count();
    run.boxes.push_back(r.box);
    run.scores.push_back(r.score);
    run.status.push_back(r.status);
    if (on_frame) on_frame(i, f, r);
    if (progress) progress->tick(run.track_seconds > 0 ? i / run.track_seconds : -1);
  }
  run.fps = run.track_seconds > 0 ? (n - 1) / run.track_seconds : 0;
  return run;
}

}  // namespace dimp::tools
