// tracker_benchmark — frames per second of a tracker and the time of each stage of its loop
// (patch sampling, features, scores, localization, box estimation/scale search, model update
// including the optimizer steps), on the synthetic demo sequence and, when present, the real
// sequences (DIMP_DATA_DIR).
//
//   bazel run //benchmarks:tracker_benchmark -- --tracker weight-free
#include <ATen/Parallel.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "data/cv/image_io.h"
#include "data/metrics.h"
#include "data/sequence.h"
#include "data/synthetic.h"
#include "dimp/runtime.h"
#include "dimp/tracker.h"

namespace {

struct Totals {
  dimp::StageTimes t;
  double wall = 0;
  int frames = 0;
  void add(const dimp::StageTimes& s, double w) {
    t.patch += s.patch;
    t.features += s.features;
    t.scores += s.scores;
    t.localization += s.localization;
    t.box += s.box;
    t.update += s.update;
    t.initialize += s.initialize;
    frames += s.frames;
    wall += w;
  }
  void add(const Totals& o) {
    dimp::StageTimes s = o.t;
    s.frames = o.frames;
    add(s, o.wall);
  }
};

void print_row(const std::string& name, const Totals& x, double auc) {
  const double f = std::max(1, x.frames);
  std::printf("%-14s %6d %8.1f %7.3f | %6.2f %6.2f %6.2f %6.2f %6.2f %6.2f | %7.1f\n", name.c_str(), x.frames,
              x.frames / x.wall, auc, 1e3 * x.t.patch / f, 1e3 * x.t.features / f, 1e3 * x.t.scores / f,
              1e3 * x.t.localization / f, 1e3 * x.t.box / f, 1e3 * x.t.update / f, 1e3 * x.t.initialize);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"tracker_benchmark: FPS and per-stage time of a tracker on the synthetic and real sequences"};
  std::string tracker = "weight-free", data_dir, weights;
  std::vector<std::string> overrides;
  int threads = 0, repeats = 1;
  app.add_option("--tracker", tracker, "registered tracker variant");
  app.add_option("--weights", weights, "weights file for variants that need one");
  app.add_option("--set", overrides, "parameter override name=value (repeatable)");
  app.add_option("--data", data_dir, "real sequences (default: $DIMP_DATA_DIR or ../shared/data; skipped if absent)");
  app.add_option("--threads", threads, "LibTorch threads (0: all cores)");
  app.add_option("--repeats", repeats, "runs per sequence (times are summed)");
  CLI11_PARSE(app, argc, argv);
  try {
    dimp::set_num_threads(threads);
    auto params = dimp::default_params(tracker);
    params.apply_overrides(overrides);
    struct Input {
      std::string name;
      std::vector<at::Tensor> frames;
      std::vector<dimp::bbox::Box> gt;
    };
    std::vector<Input> inputs;
    auto syn = dimp::data::make_synthetic_sequence({});
    inputs.push_back({"synthetic", syn.frames, syn.ground_truth});
    if (data_dir.empty()) {
      const char* env = std::getenv("DIMP_DATA_DIR");
      data_dir = env && *env ? env : "../shared/data";
    }
    if (std::filesystem::is_directory(data_dir)) {
      for (const auto& s : dimp::data::read_sequences_under(data_dir)) {
        Input in{s.name, {}, s.ground_truth};
        for (const auto& f : s.frames) in.frames.push_back(dimp::data::load_image(f));  // decoded before timing
        inputs.push_back(std::move(in));
      }
    } else {
      std::printf("(real sequences not found at %s: synthetic only)\n", data_dir.c_str());
    }
    std::printf("tracker %s, %d LibTorch thread(s); per-frame milliseconds\n", tracker.c_str(), at::get_num_threads());
    std::printf("%-14s %6s %8s %7s | %6s %6s %6s %6s %6s %6s | %7s\n", "sequence", "frames", "FPS", "AUC", "patch",
                "feat", "scores", "locate", "box", "update", "init");
    Totals all;
    for (const auto& in : inputs) {
      Totals seq_totals;
      double auc = 0;
      for (int r = 0; r < repeats; ++r) {
        auto t = dimp::make_tracker(tracker, params, weights);
        std::vector<dimp::bbox::Box> boxes{in.gt[0]};
        t->initialize(in.frames[0], in.gt[0]);
        t->reset_stage_times();
        const auto t0 = std::chrono::steady_clock::now();
        for (size_t i = 1; i < in.frames.size(); ++i) boxes.push_back(t->track(in.frames[i]).box);
        const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        auto times = t->stage_times();
        seq_totals.add(times, wall);
        auc = dimp::data::evaluate(boxes, in.gt).auc;
      }
      print_row(in.name, seq_totals, auc);
      all.add(seq_totals);
    }
    print_row("all", all, NAN);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tracker_benchmark: %s\n", e.what());
    return 1;
  }
  return 0;
}
