// tools/lib/progress.h — a terminal progress bar for long work (frames, sequences).
//
//   ProgressBar bar("Crossing", seq.size());
//   for (...) { ...; bar.tick(fps); }
//   bar.finish();
#pragma once

#include <chrono>
#include <cstdio>
#include <string>

#include <unistd.h>

namespace dimp::tools {

class ProgressBar {
 public:
  ProgressBar(std::string label, long total, bool enabled = true)
      : label_(std::move(label)), total_(total), enabled_(enabled && isatty(fileno(stderr))) {}

  // tick: one more unit done; `rate` (e.g. FPS) is shown when positive.
  void tick(double rate = -1) {
    ++done_;
    const auto now = std::chrono::steady_clock::now();
    if (!enabled_ || (done_ < total_ && now - last_ < std::chrono::milliseconds(100))) return;
    last_ = now;
    const int width = 30;
    const int filled = total_ > 0 ? static_cast<int>(width * done_ / total_) : 0;
    std::string bar(filled, '#');
    bar.resize(width, '.');
    std::fprintf(stderr, "\r%-14.14s [%s] %ld/%ld", label_.c_str(), bar.c_str(), done_, total_);
    if (rate > 0) std::fprintf(stderr, "  %.1f/s", rate);
    std::fflush(stderr);
  }

  void finish() {
    if (enabled_) std::fprintf(stderr, "\n");
    enabled_ = false;
  }
  ~ProgressBar() { finish(); }

 private:
  std::string label_;
  long total_, done_ = 0;
  bool enabled_;
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace dimp::tools
