// dimp_eval — run trackers over real sequences and compare them side by side: success AUC,
// precision at 20 px and FPS per sequence and overall.
//
//   dimp_eval --trackers weight-free,csrt,kcf --data ../shared/data
#include <ATen/Parallel.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <opencv2/imgcodecs.hpp>

#include "data/metrics.h"
#include "data/sequence.h"
#include "dimp/runtime.h"
#include "dimp/tracker.h"
#include "tools/lib/frame_tracker.h"
#include "tools/lib/sequence_runner.h"

namespace {

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    const size_t end = s.find(sep, start);
    const std::string part = s.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!part.empty()) out.push_back(part);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"dimp_eval: run trackers over tracking sequences and compare success AUC, precision and FPS"};
  std::string trackers = "weight-free,csrt,kcf";
  std::string data_dir;
  std::string sequences;
  std::vector<std::string> overrides;
  std::string params_file, weights;
  int threads = 0;
  app.add_option("--trackers", trackers, "comma-separated tracker names (registered variants, csrt, kcf, mil)");
  app.add_option("--data", data_dir, "folder with otb/ and vot/ sequences (default: $DIMP_DATA_DIR or ../shared/data)");
  app.add_option("--sequences", sequences, "comma-separated sequence names to run (default: all)");
  app.add_option("--params", params_file, "JSON parameter file for the dimp trackers");
  app.add_option("--set", overrides, "parameter override name=value (repeatable)");
  app.add_option("--weights", weights, "weights file for variants that need one");
  app.add_option("--threads", threads, "LibTorch threads (0: all cores)");
  CLI11_PARSE(app, argc, argv);

  try {
    dimp::set_num_threads(threads);
    if (data_dir.empty()) {
      const char* env = std::getenv("DIMP_DATA_DIR");
      data_dir = env && *env ? env : "../shared/data";
    }
    auto all = dimp::data::read_sequences_under(data_dir);
    const auto wanted = split(sequences, ',');
    std::vector<dimp::data::Sequence> seqs;
    for (auto& s : all) {
      if (wanted.empty() || std::find(wanted.begin(), wanted.end(), s.name) != wanted.end()) seqs.push_back(s);
    }
    if (seqs.empty()) throw std::invalid_argument("no sequences selected under " + data_dir);

    struct Row {
      std::string tracker;
      std::vector<dimp::data::SequenceMetrics> metrics;
      std::vector<double> fps;
      double frames = 0, seconds = 0;
    };
    std::vector<Row> rows;
    for (const auto& name : split(trackers, ',')) {
      Row row{name, {}, {}};
      for (const auto& seq : seqs) {
        std::unique_ptr<dimp::TrackerParams> params;
        const bool is_cv = std::find(dimp::tools::opencv_tracker_names().begin(), dimp::tools::opencv_tracker_names().end(),
                                     name) != dimp::tools::opencv_tracker_names().end();
        if (!is_cv) {
          params = std::make_unique<dimp::TrackerParams>(params_file.empty() ? dimp::default_params(name)
                                                                             : dimp::TrackerParams::from_json_file(params_file));
          params->apply_overrides(overrides);
        }
        auto tracker = dimp::tools::make_frame_tracker(name, params.get(), weights);
        dimp::tools::ProgressBar bar(name + ":" + seq.name, static_cast<long>(seq.size()));
        auto load = [&](size_t i) {
          cv::Mat m = cv::imread(seq.frames[i], cv::IMREAD_COLOR);
          if (m.empty()) throw dimp::data::DataError("cannot read image " + seq.frames[i]);
          return dimp::tools::make_frame(m);
        };
        auto run = dimp::tools::run_sequence(*tracker, seq.size(), load, seq.ground_truth[0], &bar);
        bar.finish();
        row.metrics.push_back(dimp::data::evaluate(run.boxes, seq.ground_truth));
        row.fps.push_back(run.fps);
        row.frames += seq.size() - 1;
        row.seconds += run.track_seconds;
      }
      rows.push_back(std::move(row));
    }

    std::printf("\n%-14s", "sequence");
    for (const auto& r : rows) std::printf(" | %-24s", r.tracker.c_str());
    std::printf("\n%-14s", "");
    for (size_t i = 0; i < rows.size(); ++i) std::printf(" | %-24s", "AUC / Prec@20 / FPS");
    std::printf("\n");
    for (size_t s = 0; s < seqs.size(); ++s) {
      std::printf("%-14s", seqs[s].name.c_str());
      for (const auto& r : rows) {
        std::printf(" | %.3f / %.3f / %7.1f  ", r.metrics[s].auc, r.metrics[s].precision_20, r.fps[s]);
      }
      std::printf("\n");
    }
    std::printf("%-14s", "all");
    for (const auto& r : rows) {
      const auto d = dimp::data::aggregate(r.metrics);
      std::printf(" | %.3f / %.3f / %7.1f  ", d.auc, d.precision_20, r.seconds > 0 ? r.frames / r.seconds : 0.0);
    }
    std::printf("\n");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dimp_eval: %s\n", e.what());
    return 1;
  }
  return 0;
}
