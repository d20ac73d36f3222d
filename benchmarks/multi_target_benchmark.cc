// multi_target_benchmark — target-frames per second with 1, 4, 8, 16 targets in one video:
// a MultiTracker (one network pass per frame for all targets) against N separate trackers,
// for each named variant, in one run. Variants that need weights get seeded ones unless
// --weights names a file (seeded networks score low, so their not-found threshold is lowered
// to keep every stage running, as trained weights would).
//
//   bazel run //benchmarks:multi_target_benchmark -- --threads 2
//   multi_target_benchmark --trackers dimp18 --weights dimp18=dimp18.safetensors --targets 1,8
#include <ATen/Parallel.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>

#include "benchmarks/tracking_setup.h"
#include "data/cv/image_io.h"
#include "data/sequence.h"
#include "data/synthetic.h"
#include "dimp/dimp_net.h"
#include "dimp/multi_tracker.h"
#include "dimp/runtime.h"

namespace {

struct Video {
  std::string name;
  std::vector<at::Tensor> frames;
  dimp::bbox::Box first;
};

Video load_video(const std::string& data_dir, const std::string& sequence, int frames) {
  if (std::filesystem::is_directory(data_dir)) {
    for (const auto& s : dimp::data::read_sequences_under(data_dir, {sequence})) {
      Video v{s.dataset + "/" + s.name, {}, s.ground_truth[0]};
      for (int i = 0; i < frames && i < static_cast<int>(s.frames.size()); ++i) {
        v.frames.push_back(dimp::data::load_image(s.frames[i]));  // decoded before timing
      }
      return v;
    }
  }
  auto syn = dimp::data::make_synthetic_sequence({});
  Video v{"synthetic", {}, syn.ground_truth[0]};
  for (int i = 0; i < frames && i < static_cast<int>(syn.frames.size()); ++i) v.frames.push_back(syn.frames[i]);
  return v;
}

bool needs_weights(const std::string& name) {
  for (const auto& s : dimp::tracker_specs()) {
    if (s.name == name) return s.needs_weights;
  }
  return false;  // make_tracker names the known ones
}

// target_frames_per_second: n targets through the video's frames after the first.
double target_frames_per_second(const std::string& name, const dimp::TrackerParams& p, const std::string& weights,
                                const Video& v, int n, bool batched) {
  dimp::MultiTracker mt(name, p, weights, {batched});
  const double W = static_cast<double>(v.frames[0].size(2)), H = static_cast<double>(v.frames[0].size(1));
  for (const auto& box : dimp::benchmarks::grid_targets(v.first, W, H, n)) mt.add_target(v.frames[0], box);
  mt.track(v.frames[1]);  // warm-up: lazy initialisation, kernel selection for these shapes
  const auto t0 = std::chrono::steady_clock::now();
  for (size_t i = 2; i < v.frames.size(); ++i) mt.track(v.frames[i]);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return n * static_cast<double>(v.frames.size() - 2) / s;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"multi_target_benchmark: target-frames/s of batched multi-target tracking vs separate trackers"};
  std::vector<std::string> trackers{"weight-free", dimp::kDefaultTracker, "dimp18", "dimp50"}, weight_args, overrides;
  std::vector<int> counts{1, 4, 8, 16};
  std::string data_dir, sequence = "Crossing";
  int threads = 0, frames = 16;
  app.add_option("--trackers", trackers, "registered variants")->delimiter(',');
  app.add_option("--targets", counts, "target counts")->delimiter(',')->check(CLI::Range(1, 64));
  app.add_option("--weights", weight_args, "NAME=FILE: weights for a variant that needs them (default: seeded)");
  app.add_option("--set", overrides, "parameter override name=value for every variant (repeatable)");
  app.add_option("--data", data_dir, "real sequences (default: $DIMP_DATA_DIR or ../shared/data; synthetic if absent)");
  app.add_option("--sequence", sequence, "the sequence to track in");
  app.add_option("--frames", frames, "frames to read (the first initialises, the second warms up)")->check(CLI::Range(3, 100000));
  app.add_option("--threads", threads, "LibTorch threads (0: all cores)")->check(CLI::Range(0, 256));
  CLI11_PARSE(app, argc, argv);
  try {
    dimp::set_num_threads(threads);
    std::map<std::string, std::string> weights;
    for (const auto& a : weight_args) {
      const auto eq = a.find('=');
      if (eq == std::string::npos || eq == 0) throw std::invalid_argument("--weights " + a + ": expected NAME=FILE");
      weights[a.substr(0, eq)] = a.substr(eq + 1);
    }
    if (data_dir.empty()) {
      const char* env = std::getenv("DIMP_DATA_DIR");
      data_dir = env && *env ? env : "../shared/data";
    }
    const Video v = load_video(data_dir, sequence, frames);
    std::printf("%s, %zu frames, %d LibTorch thread(s); target-frames per second\n", v.name.c_str(), v.frames.size(),
                at::get_num_threads());
    std::printf("%-14s %7s %10s %10s %8s\n", "tracker", "targets", "separate", "batched", "speed-up");
    for (const auto& name : trackers) {
      dimp::TrackerParams p = dimp::resolve_params(name, "", overrides);
      std::string w = weights.count(name) ? weights[name] : "";
      std::string note, seeded;
      if (w.empty() && needs_weights(name)) {
        w = seeded = dimp::benchmarks::seeded_weights("multi_target_benchmark", name);
        p.target_not_found_threshold = -1e9;
        note = " (seeded weights)";
      }
      for (int n : counts) {
        const double separate = target_frames_per_second(name, p, w, v, n, false);
        const double batched = target_frames_per_second(name, p, w, v, n, true);
        std::printf("%-14s %7d %10.2f %10.2f %7.2fx%s\n", name.c_str(), n, separate, batched, batched / separate,
                    note.c_str());
        std::fflush(stdout);
      }
      if (!seeded.empty()) std::filesystem::remove(seeded);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "multi_target_benchmark: %s\n", e.what());
    return 1;
  }
  return 0;
}
