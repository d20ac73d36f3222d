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

SupervisedRun run_supervised(FrameTracker& tracker, const std::vector<data::vot::Region>& truth,
                             const FrameLoader& load, const data::vot::ProtocolOptions& options,
                             const std::function<void(size_t)>& on_frame) {
  using Clock = std::chrono::steady_clock;
  SupervisedRun run;
  if (truth.empty()) return run;
  // Frames are decoded once each; the first also gives the image size the overlaps are bound to.
  size_t cached_index = 0;
  Frame cached = load(0);
  auto frame = [&](size_t i) -> const Frame& {
    if (i != cached_index) {
      cached = load(i);
      cached_index = i;
    }
    return cached;
  };
  const double width = cached.bgr.cols, height = cached.bgr.rows;
  size_t reported = 0;
  auto report_up_to = [&](size_t i) {
    for (; on_frame && reported <= i && reported < truth.size(); ++reported) on_frame(reported);
  };
  run.trajectory = data::vot::run_supervised(
      truth, width, height,
      [&](size_t i, const data::vot::Region& region) {
        tracker.initialize(frame(i), data::vot::region_box(region));
        report_up_to(i);
      },
      [&](size_t i) {
        const Frame& f = frame(i);
        const auto t = Clock::now();
        const TrackResult r = tracker.track(f);
        run.track_seconds += std::chrono::duration<double>(Clock::now() - t).count();
        ++run.tracked_frames;
        report_up_to(i);
        return data::vot::box_region(r.box);
      },
      options);
  report_up_to(truth.size() - 1);
  return run;
}

}  // namespace dimp::tools
