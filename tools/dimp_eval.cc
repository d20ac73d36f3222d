// dimp_eval — run trackers (registered variants and OpenCV's CSRT, KCF, MIL) over a dataset,
// in parallel over sequences, and compare them: standard result files, a per-sequence CSV, a
// summary table, and success / precision plots (PNG). Finished results are reused, so an
// interrupted run resumes.
//
//   dimp_eval --trackers weight-free,csrt,kcf                         # ../shared/data
//   dimp_eval --dataset lasot --root /data/LaSOT --trackers dimp50 --weights dimp50.safetensors
#include <ATen/Parallel.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <thread>
#include <unistd.h>

#include "data/cv/image_io.h"
#include "data/datasets.h"
#include "data/metrics.h"
#include "data/results.h"
#include "data/sequence.h"
#include "dimp/runtime.h"
#include "dimp/tracker.h"
#include "tools/lib/frame_tracker.h"
#include "tools/lib/plots.h"
#include "tools/lib/progress.h"
#include "tools/lib/sequence_runner.h"

namespace fs = std::filesystem;

namespace {

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

bool is_opencv(const std::string& name) {
  const auto& n = dimp::tools::opencv_tracker_names();
  return std::find(n.begin(), n.end(), name) != n.end();
}

// Seconds and frames of a finished run, kept beside its result file (for FPS on resume).
void write_timing(const std::string& result, double seconds, size_t frames) {
  std::ofstream(result + ".time") << seconds << " " << frames << "\n";
}
double read_timing(const std::string& result, size_t* frames) {
  std::ifstream in(result + ".time");
  double s = 0;
  size_t n = 0;
  if (in >> s >> n) *frames = n;
  return s;
}

// check_results_folder: the results go to a folder that exists (or is created) and takes
// files, checked before any work; never inside the dataset, whose files it could overwrite.
void check_results_folder(const std::string& dir, const std::string& data_root) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (!fs::is_directory(dir)) throw std::invalid_argument("--results " + dir + " is not a folder that can be created");
  const fs::path results = fs::weakly_canonical(dir), data = fs::weakly_canonical(data_root);
  const auto rel = results.lexically_relative(data);
  if (!rel.empty() && *rel.begin() != "..") {
    throw std::invalid_argument("--results " + dir + " lies inside the dataset " + data_root +
                                ": results would mix with (and could overwrite) its files");
  }
  const fs::path probe = results / (".dimp_eval_write_test_" + std::to_string(::getpid()));
  if (!std::ofstream(probe)) throw std::invalid_argument("cannot write into --results " + dir);
  fs::remove(probe, ec);
}

struct Outcome {
  std::vector<dimp::bbox::Box> boxes;
  double seconds = 0;  // tracking time, frames 1..
  size_t frames = 0;
  bool reused = false;
  std::string error;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"dimp_eval: run trackers over a dataset and compare them (table, CSV, result files, plots)"};
  std::string trackers = "weight-free,csrt,kcf", dataset = "shared", root, sequences, results_dir = "results";
  std::string params_file, weights, format;
  std::vector<std::string> overrides;
  int jobs = 0, threads = 0;
  bool force = false, per_sequence = true;
  app.add_option("--trackers", trackers, "comma-separated trackers: registered variants and csrt, kcf, mil");
  app.add_option("--dataset", dataset, "shared (otb/ + vot/ folders) or one of: otb uav nfs lasot got10k trackingnet vot");
  app.add_option("--root", root, "dataset folder (default for 'shared': $DIMP_DATA_DIR or ../shared/data)");
  app.add_option("--sequences", sequences, "comma-separated sequence names (default: all)");
  app.add_option("--results", results_dir, "output folder: result files, per_sequence.csv, plots");
  app.add_option("--format", format, "result format (default: the dataset's)");
  app.add_option("--params", params_file, "JSON parameter file for the dimp trackers");
  app.add_option("--set", overrides, "parameter override name=value (repeatable)");
  app.add_option("--weights", weights, "weights file for variants that need one");
  app.add_option("--jobs", jobs, "sequences run in parallel (0: one per core); each job runs single-threaded");
  app.add_option("--threads", threads, "LibTorch threads with --jobs 1 (0: all cores)");
  app.add_flag("--force", force, "recompute results that already exist");
  app.add_flag("!--no-per-sequence", per_sequence, "omit the per-sequence table");
  CLI11_PARSE(app, argc, argv);

  try {
    if (!format.empty()) dimp::data::check_result_format(format);
    // Sequences: only the selected ones are read; one that cannot be read is a failure of its
    // own, reported with the others, and the rest are still evaluated.
    if (root.empty() && dataset == "shared") {
      const char* env = std::getenv("DIMP_DATA_DIR");
      root = env && *env ? env : "../shared/data";
    }
    if (root.empty()) throw std::invalid_argument("--root is required for --dataset " + dataset);
    const auto only = split(sequences, ',');
    std::vector<dimp::data::UnreadableSequence> unreadable;
    std::vector<dimp::data::Sequence> seqs = dataset == "shared"
                                                 ? dimp::data::read_sequences_under(root, only, &unreadable)
                                                 : dimp::data::read_dataset(dataset, root, only, &unreadable);
    for (const auto& name : only) {
      const bool found = std::any_of(seqs.begin(), seqs.end(), [&](const auto& s) { return s.name == name; }) ||
                         std::any_of(unreadable.begin(), unreadable.end(), [&](const auto& u) { return u.name == name; });
      if (!found) throw std::invalid_argument("--sequences: no sequence '" + name + "' under " + root);
    }
    if (seqs.empty() && unreadable.empty()) throw std::invalid_argument("no sequences selected under " + root);
    const auto names = split(trackers, ',');
    if (names.empty()) throw std::invalid_argument("--trackers is empty");
    check_results_folder(results_dir, root);

    // Parameters per dimp tracker (validated before any work starts).
    std::map<std::string, dimp::TrackerParams> params;
    for (const auto& n : names) {
      if (is_opencv(n)) continue;
      params[n] = dimp::resolve_params(n, params_file, overrides);
    }

    // Parallel over (tracker, sequence) pairs; each job single-threaded so jobs do not fight
    // over the two thread pools (LibTorch's OpenMP, OpenCV's).
    const int cores = dimp::hardware_threads();
    dimp::check_thread_count(jobs, "--jobs");
    dimp::check_thread_count(threads, "--threads");
    if (jobs == 0) jobs = cores;
    dimp::set_num_threads(jobs > 1 ? 1 : threads);
    if (jobs > 1) cv::setNumThreads(1);
    struct Item {
      size_t tracker, seq;
    };
    std::vector<Item> items;
    for (size_t t = 0; t < names.size(); ++t) {
      for (size_t s = 0; s < seqs.size(); ++s) items.push_back({t, s});
    }
    std::vector<Outcome> outcomes(items.size());
    std::atomic<size_t> next{0};
    std::mutex mu;
    long total_frames = 0;
    for (const auto& it : items) total_frames += static_cast<long>(seqs[it.seq].size());
    dimp::tools::ProgressBar bar("evaluating", total_frames);
    auto fmt_of = [&](const dimp::data::Sequence& s) { return !format.empty() ? format : s.dataset; };

    // Every failure of a job (tracker, I/O, format) lands in its outcome: nothing escapes a
    // worker thread.
    auto worker = [&] {
      for (size_t i = next++; i < items.size(); i = next++) {
        const auto& it = items[i];
        const auto& seq = seqs[it.seq];
        const std::string& name = names[it.tracker];
        Outcome& out = outcomes[i];
        size_t ticked = 0;
        try {
          const std::string fmt = fmt_of(seq);
          const std::string path = dimp::data::result_path(fmt, results_dir, name, seq.name);
          if (!force) {
            if (auto previous = dimp::data::read_results(fmt, results_dir, name, seq.name, seq.size())) {
              out.boxes = *previous;
              out.boxes[0] = seq.ground_truth[0];
              out.seconds = read_timing(path, &out.frames);
              out.reused = true;
              std::lock_guard<std::mutex> lock(mu);
              for (; ticked < seq.size(); ++ticked) bar.tick();
              continue;
            }
          }
          auto tracker = dimp::tools::make_frame_tracker(name, is_opencv(name) ? nullptr : &params.at(name), weights);
          auto load = [&](size_t f) { return dimp::tools::make_frame(dimp::data::read_image(seq.frames[f])); };
          auto tick = [&](size_t, const dimp::tools::Frame&, const dimp::TrackResult&) {
            std::lock_guard<std::mutex> lock(mu);
            bar.tick();
            ++ticked;
          };
          auto run = dimp::tools::run_sequence(*tracker, seq.size(), load, seq.ground_truth[0], nullptr, tick);
          out.boxes = run.boxes;
          out.seconds = run.track_seconds;
          out.frames = seq.size() - 1;
          std::vector<double> per_frame(seq.size(), seq.size() > 1 ? run.track_seconds / (seq.size() - 1) : 0.0);
          dimp::data::write_results(fmt, results_dir, name, seq.name, run.boxes, per_frame);
          write_timing(path, out.seconds, out.frames);
        } catch (const std::exception& e) {
          out.error = e.what();
          std::lock_guard<std::mutex> lock(mu);
          for (; ticked < seq.size(); ++ticked) bar.tick();
        }
      }
    };
    std::vector<std::thread> pool;
    for (int j = 0; j < std::min<int>(jobs, static_cast<int>(items.size())); ++j) pool.emplace_back(worker);
    for (auto& t : pool) t.join();
    bar.finish();

    // Metrics, CSV and tables.
    fs::create_directories(results_dir);
    const std::string csv_path = (fs::path(results_dir) / "per_sequence.csv").string();
    std::ofstream csv(csv_path);
    csv << "tracker,sequence,frames,auc,precision_20,norm_precision,ao,sr50,sr75,fps\n";
    struct Summary {
      std::string name;
      std::vector<dimp::data::SequenceMetrics> metrics;
      std::vector<double> fps;
      std::vector<bool> failed;  // per sequence: the run failed (no score)
      double seconds = 0, frames = 0;
      int errors = 0;
    };
    std::vector<std::string> failures;
    for (const auto& u : unreadable) failures.push_back("sequence " + u.name + " could not be read: " + u.error);
    std::vector<Summary> summary(names.size());
    for (size_t i = 0; i < items.size(); ++i) {
      const auto& it = items[i];
      const auto& seq = seqs[it.seq];
      auto& sum = summary[it.tracker];
      sum.name = names[it.tracker];
      const Outcome& o = outcomes[i];
      if (!o.error.empty()) {
        failures.push_back(sum.name + " on " + seq.name + ": " + o.error);
        ++sum.errors;
        sum.failed.push_back(true);
        sum.metrics.push_back({});
        sum.fps.push_back(0);
        continue;
      }
      sum.failed.push_back(false);
      const double fps = o.seconds > 0 ? o.frames / o.seconds : 0;
      sum.fps.push_back(fps);
      sum.seconds += o.seconds;
      sum.frames += static_cast<double>(o.frames);
      if (!seq.fully_annotated()) {  // test splits: scored by the benchmark's server
        sum.metrics.push_back({});
        continue;
      }
      auto m = dimp::data::evaluate(o.boxes, seq.ground_truth);
      csv << sum.name << "," << seq.name << "," << seq.size() << "," << m.auc << "," << m.precision_20 << ","
          << m.norm_precision << "," << m.average_overlap << "," << m.success_50 << "," << m.success_75 << "," << fps
          << "\n";
      sum.metrics.push_back(std::move(m));
    }
    csv.close();

    if (per_sequence) {
      std::printf("\n%-16s", "sequence");
      for (const auto& s : summary) std::printf(" | %-22s", s.name.c_str());
      std::printf("\n%-16s", "");
      for (size_t i = 0; i < summary.size(); ++i) std::printf(" | %-22s", "AUC / Prec@20 / FPS");
      std::printf("\n");
      for (size_t q = 0; q < seqs.size(); ++q) {
        std::printf("%-16s", seqs[q].name.c_str());
        for (const auto& s : summary) {
          if (s.failed[q]) {
            std::printf(" | %-22s", "failed");
          } else {
            std::printf(" | %.3f / %.3f / %6.0f", s.metrics[q].auc, s.metrics[q].precision_20, s.fps[q]);
          }
        }
        std::printf("\n");
      }
    }
    std::printf("\n%-22s %8s %8s %8s %8s %8s %8s %8s\n", "tracker", "AUC", "Prec@20", "NormPrec", "AO", "SR0.5",
                "SR0.75", "FPS");
    std::vector<std::pair<double, size_t>> order;
    std::vector<dimp::data::DatasetMetrics> agg;
    for (size_t t = 0; t < summary.size(); ++t) {
      std::vector<dimp::data::SequenceMetrics> scored;  // failed runs have no score to average
      for (size_t q = 0; q < summary[t].metrics.size(); ++q) {
        if (!summary[t].failed[q]) scored.push_back(summary[t].metrics[q]);
      }
      agg.push_back(dimp::data::aggregate(scored));
      order.push_back({-agg.back().auc, t});
    }
    std::sort(order.begin(), order.end());
    for (const auto& [neg, t] : order) {
      const auto& d = agg[t];
      const std::string note = summary[t].errors ? "  (" + std::to_string(summary[t].errors) + " failed, not averaged)" : "";
      std::printf("%-22s %8.3f %8.3f %8.3f %8.3f %8.3f %8.3f %8.1f%s\n", summary[t].name.c_str(), d.auc, d.precision_20,
                  d.norm_precision, d.average_overlap, d.success_50, d.success_75,
                  summary[t].seconds > 0 ? summary[t].frames / summary[t].seconds : 0.0, note.c_str());
    }
    // Plots, legend ordered by the figure's score.
    std::vector<dimp::tools::Curve> success, precision, norm_precision;
    for (const auto& [neg, t] : order) {
      char label[96];
      std::snprintf(label, sizeof label, "%s [%.3f]", summary[t].name.c_str(), agg[t].auc);
      success.push_back({label, agg[t].success_curve});
      std::snprintf(label, sizeof label, "%s [%.3f]", summary[t].name.c_str(), agg[t].precision_20);
      precision.push_back({label, agg[t].precision_curve});
      std::snprintf(label, sizeof label, "%s [%.3f]", summary[t].name.c_str(), agg[t].norm_precision);
      norm_precision.push_back({label, agg[t].norm_precision_curve});
    }
    auto by_second = [](std::vector<dimp::tools::Curve> c) {
      std::stable_sort(c.begin(), c.end(), [](const auto& a, const auto& b) {
        return a.label.substr(a.label.rfind('[')) > b.label.substr(b.label.rfind('['));
      });
      return c;
    };
    const std::string title = " (" + dataset + ", " + std::to_string(seqs.size()) + " sequences)";
    dimp::tools::write_curve_plot((fs::path(results_dir) / "success.png").string(), "Success plot" + title,
                                  "Overlap threshold", "Success rate", dimp::data::success_thresholds(), success);
    dimp::tools::write_curve_plot((fs::path(results_dir) / "precision.png").string(), "Precision plot" + title,
                                  "Location error threshold (pixels)", "Precision",
                                  dimp::data::precision_thresholds(), by_second(precision));
    dimp::tools::write_curve_plot((fs::path(results_dir) / "norm_precision.png").string(),
                                  "Normalized precision plot" + title, "Normalized location error threshold",
                                  "Normalized precision", dimp::data::norm_precision_thresholds(), by_second(norm_precision));
    size_t reused = 0;
    for (const auto& o : outcomes) reused += o.reused;
    std::printf("\nwrote %s, success.png, precision.png, norm_precision.png and the result files in %s/",
                csv_path.c_str(), results_dir.c_str());
    if (reused) std::printf(" (%zu result(s) reused; --force recomputes)", reused);
    std::printf("\n");
    if (!failures.empty()) {
      std::fprintf(stderr, "\ndimp_eval: %zu failure(s), left out of the scores:\n", failures.size());
      for (const auto& f : failures) std::fprintf(stderr, "  %s\n", f.c_str());
      return 1;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dimp_eval: %s\n", e.what());
    return 1;
  }
  return 0;
}
