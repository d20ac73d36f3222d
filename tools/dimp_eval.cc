// dimp_eval — run trackers (registered variants and OpenCV's CSRT, KCF, MIL) over a dataset,
// in parallel over sequences, and compare them as the benchmarks' toolkits do: standard result
// files, a per-sequence CSV, summary tables, success / precision plots (PNG), scores per
// attribute where the dataset annotates attributes, the VOT short-term measures (accuracy,
// robustness, EAO) on VOT-layout data, GOT-10k / TrackingNet submission archives, and one
// self-contained HTML report. Finished results are reused, so an interrupted run resumes.
//
//   dimp_eval --trackers deep,weight-free,csrt,kcf                    # ../shared/data
//   dimp_eval --dataset lasot --root /data/LaSOT --trackers dimp50 --weights dimp50.safetensors
//   dimp_eval --dataset got10k --root /data/GOT-10k/test --trackers dimp50 --weights ... --pack
//   dimp_eval --trackers 'dimp-mobilenet,dimp-mobilenet[geometry=pytracking]'   # one variant, two settings
#include <ATen/Parallel.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <set>
#include <thread>
#include <unistd.h>

#include "data/attributes.h"
#include "data/cv/image_io.h"
#include "data/datasets.h"
#include "data/metrics.h"
#include "data/results.h"
#include "data/sequence.h"
#include "data/submission.h"
#include "data/vot.h"
#include "dimp/runtime.h"
#include "dimp/tracker.h"
#include "tools/lib/frame_tracker.h"
#include "tools/lib/plots.h"
#include "tools/lib/progress.h"
#include "tools/lib/report.h"
#include "tools/lib/sequence_runner.h"

namespace fs = std::filesystem;
namespace vot = dimp::data::vot;

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

// split_trackers: --trackers at the commas outside brackets ("a,b[x=1;y=2],c").
std::vector<std::string> split_trackers(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  int depth = 0;
  for (char c : s) {
    if (c == ',' && depth == 0) {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
      continue;
    }
    if (c == '[') ++depth;
    if (c == ']' && --depth < 0) throw std::invalid_argument("--trackers: unbalanced ']' in '" + s + "'");
    cur += c;
  }
  if (depth != 0) throw std::invalid_argument("--trackers: unclosed '[' in '" + s + "'");
  if (!cur.empty()) out.push_back(cur);
  return out;
}

// TrackerEntry: one --trackers entry, "variant" or "variant[name=value;name=value]": the
// variant with its own parameter overrides (applied after --params and --set), so one variant
// runs side by side with different parameters. The entry as written names its results folder
// and its rows. One name is not a parameter: weights=FILE gives the entry its own weights
// instead of --weights (a DiMP head trained two ways, side by side); FILE must name no folder
// ('/' would split the results folder): run from the weights' folder.
struct TrackerEntry {
  std::string label, variant, weights;
  std::vector<std::string> overrides;
};

TrackerEntry parse_tracker_entry(const std::string& entry) {
  TrackerEntry e;
  e.label = entry;
  const auto open = entry.find('[');
  if (open == std::string::npos) {
    e.variant = entry;
    return e;
  }
  if (entry.back() != ']' || entry.find('[', open + 1) != std::string::npos || entry.find(']') != entry.size() - 1) {
    throw std::invalid_argument("--trackers entry '" + entry + "': expected variant[name=value;name=value]");
  }
  e.variant = entry.substr(0, open);
  if (e.variant.empty()) throw std::invalid_argument("--trackers entry '" + entry + "' names no variant");
  if (is_opencv(e.variant)) {
    throw std::invalid_argument("--trackers entry '" + entry + "': " + e.variant + " takes no parameters");
  }
  e.overrides = split(entry.substr(open + 1, entry.size() - open - 2), ';');
  if (e.overrides.empty()) throw std::invalid_argument("--trackers entry '" + entry + "': empty brackets");
  std::vector<std::string> params;
  for (const auto& o : e.overrides) {
    if (o.find('=') == std::string::npos || o.front() == '=') {
      throw std::invalid_argument("--trackers entry '" + entry + "': '" + o + "' is not name=value");
    }
    if (o.rfind("weights=", 0) != 0) {
      params.push_back(o);
      continue;
    }
    e.weights = o.substr(8);
    if (e.weights.empty() || e.weights.find('/') != std::string::npos) {
      throw std::invalid_argument("--trackers entry '" + entry +
                                  "': weights= names a file in the current folder (no '/': the entry names its results folder)");
    }
  }
  e.overrides = params;
  return e;
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

// parse_range: "lo,hi" with 1 <= lo <= hi.
std::pair<int, int> parse_range(const std::string& text) {
  const auto parts = split(text, ',');
  try {
    size_t a = 0, b = 0;
    if (parts.size() == 2) {
      const int lo = std::stoi(parts[0], &a), hi = std::stoi(parts[1], &b);
      if (a == parts[0].size() && b == parts[1].size() && lo >= 1 && lo <= hi) return {lo, hi};
    }
  } catch (const std::exception&) {
  }
  throw std::invalid_argument("--eao-range needs lo,hi with 1 <= lo <= hi (frames), got '" + text + "'");
}

// file_name: an attribute name as a file name (letters, digits, '-' and '_').
std::string file_name(const std::string& s) {
  std::string out;
  for (unsigned char c : s) out += std::isalnum(c) || c == '-' || c == '_' ? static_cast<char>(c) : '_';
  return out;
}

std::string fixed(double v, int digits = 3) {
  if (std::isnan(v)) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

// vot_sequence_dir: the folder holding a VOT sequence's ground truth (the frames' folder, or
// the one above a color/ folder).
fs::path vot_sequence_dir(const dimp::data::Sequence& s) {
  fs::path dir = fs::path(s.frames.at(0)).parent_path();
  if (dir.filename() == "color") dir = dir.parent_path();
  return dir;
}

enum class Kind { kUnsupervised, kBaseline };

struct Outcome {
  std::vector<dimp::bbox::Box> boxes;
  vot::Trajectory trajectory;  // baseline runs
  double seconds = 0;          // tracking time
  size_t frames = 0;           // frames tracked
  bool reused = false;
  std::string error;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"dimp_eval: run trackers over a dataset and compare them (tables, CSV, result files, plots, report)"};
  std::string trackers = std::string(dimp::kDefaultTracker) + ",weight-free,csrt,kcf";
  std::string dataset = "shared", root, sequences, results_dir = "results";
  std::string params_file, weights, format, eao_range = "100,356";
  std::vector<std::string> overrides;
  int jobs = 0, threads = 0;
  bool force = false, per_sequence = true, vot_baseline = true, pack = false, report = true;
  app.add_option("--trackers", trackers,
                 "comma-separated trackers: registered variants and csrt, kcf, mil; a variant may carry its own "
                 "parameters, variant[name=value;name=value], and its own weights file in the current folder, "
                 "variant[weights=FILE] (quote it for the shell)");
  app.add_option("--dataset", dataset, "shared (otb/ + vot/ folders) or one of: otb uav nfs lasot got10k trackingnet vot");
  app.add_option("--root", root, "dataset folder (default for 'shared': $DIMP_DATA_DIR or ../shared/data)");
  app.add_option("--sequences", sequences, "comma-separated sequence names (default: all)");
  app.add_option("--results", results_dir, "output folder: result files, per_sequence.csv, plots, report.html");
  app.add_option("--format", format, "result format (default: the dataset's)");
  app.add_option("--params", params_file, "JSON parameter file for the dimp trackers");
  app.add_option("--set", overrides, "parameter override name=value (repeatable)");
  app.add_option("--weights", weights, "weights file for variants that need one");
  app.add_option("--jobs", jobs, "sequences run in parallel (0: one per core); each job runs single-threaded");
  app.add_option("--threads", threads, "LibTorch threads with --jobs 1 (0: all cores)");
  app.add_option("--eao-range", eao_range, "VOT: the sequence lengths the EAO averages, lo,hi (VOT2017/2018: 100,356)");
  app.add_flag("--force", force, "recompute results that already exist");
  app.add_flag("!--no-per-sequence", per_sequence, "omit the per-sequence table");
  app.add_flag("!--no-vot-baseline", vot_baseline,
               "VOT-layout sequences: skip the baseline experiment (runs with resets) and its measures");
  app.add_flag("--pack", pack, "write each tracker's submission archive (got10k, trackingnet formats)");
  app.add_flag("!--no-report", report, "omit report.html");
  CLI11_PARSE(app, argc, argv);

  try {
    if (!format.empty()) dimp::data::check_result_format(format);
    vot::EaoOptions eao;
    std::tie(eao.low, eao.high) = parse_range(eao_range);
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
    std::vector<TrackerEntry> entries;
    for (const auto& entry : split_trackers(trackers)) entries.push_back(parse_tracker_entry(entry));
    if (entries.empty()) throw std::invalid_argument("--trackers is empty");
    std::vector<std::string> names;  // the entries as written: results folders, table rows
    for (const auto& e : entries) {
      if (std::find(names.begin(), names.end(), e.label) != names.end()) {
        throw std::invalid_argument("--trackers names '" + e.label + "' twice");
      }
      names.push_back(e.label);
    }
    auto fmt_of = [&](const dimp::data::Sequence& s) { return !format.empty() ? format : s.dataset; };
    if (pack) {
      const auto& packable = dimp::data::submission_formats();
      for (const auto& s : seqs) {
        if (std::find(packable.begin(), packable.end(), fmt_of(s)) == packable.end()) {
          throw std::invalid_argument("--pack: sequence " + s.name + " is in format '" + fmt_of(s) +
                                      "', which has no submission archive (got10k, trackingnet)");
        }
      }
    }

    // Attributes and VOT ground truths: read (and checked) before any work.
    auto dataset_root = [&](const dimp::data::Sequence& s) {
      return dataset == "shared" ? (fs::path(root) / s.dataset).string() : root;
    };
    std::vector<dimp::data::SequenceAttributes> attributes;
    for (const auto& s : seqs) attributes.push_back(dimp::data::find_attributes(s, dataset_root(s)));
    std::vector<std::string> attribute_notes;
    {
      std::map<std::string, std::pair<int, int>> per_dataset;  // dataset -> (with, total)
      for (size_t q = 0; q < seqs.size(); ++q) {
        auto& c = per_dataset[seqs[q].dataset];
        c.first += !attributes[q].attributes.empty();
        ++c.second;
      }
      for (const auto& [ds, c] : per_dataset) {
        std::string where = ds == "vot"   ? "*.tag files beside the frames"
                            : ds == "otb" ? "anno/att/<Seq>.txt (the OTB toolkit's) under " + dataset_root(seqs[0])
                            : ds == "uav" ? "anno/UAV123/att/<seq>.txt under " + root
                                          : "";
        if (where.empty()) {
          attribute_notes.push_back(ds + ": the dataset defines no attribute files; no per-attribute scores");
        } else if (c.first == 0) {
          attribute_notes.push_back(ds + ": no attribute files found (looked for " + where + ")");
        } else {
          attribute_notes.push_back(ds + ": attributes read for " + std::to_string(c.first) + " of " +
                                    std::to_string(c.second) + " sequences (" + where + ")");
        }
      }
    }
    std::vector<std::vector<vot::Region>> vot_truth(seqs.size());
    std::vector<bool> is_vot(seqs.size(), false);
    for (size_t q = 0; q < seqs.size(); ++q) {
      if (!vot_baseline || seqs[q].dataset != "vot") continue;
      vot_truth[q] = vot::read_regions((vot_sequence_dir(seqs[q]) / "groundtruth.txt").string());
      if (vot_truth[q].size() != seqs[q].size()) {
        throw std::invalid_argument("vot sequence " + seqs[q].name + ": " + std::to_string(vot_truth[q].size()) +
                                    " regions for " + std::to_string(seqs[q].size()) + " frames");
      }
      is_vot[q] = true;
    }
    check_results_folder(results_dir, root);

    // Parameters per dimp tracker (validated before any work starts).
    std::map<std::string, dimp::TrackerParams> params;
    for (const auto& e : entries) {
      if (is_opencv(e.variant)) continue;
      auto all = overrides;
      all.insert(all.end(), e.overrides.begin(), e.overrides.end());
      try {
        params[e.label] = dimp::resolve_params(e.variant, params_file, all);
      } catch (const std::exception& ex) {
        if (e.overrides.empty()) throw;
        throw std::invalid_argument("--trackers entry '" + e.label + "': " + ex.what());
      }
    }

    // Parallel over (tracker, sequence, experiment) items; each job single-threaded so jobs do
    // not fight over the two thread pools (LibTorch's OpenMP, OpenCV's).
    const int cores = dimp::hardware_threads();
    dimp::check_thread_count(jobs, "--jobs");
    dimp::check_thread_count(threads, "--threads");
    if (jobs == 0) jobs = cores;
    dimp::set_num_threads(jobs > 1 ? 1 : threads);
    if (jobs > 1) cv::setNumThreads(1);
    struct Item {
      size_t tracker, seq;
      Kind kind;
    };
    std::vector<Item> items;
    for (size_t t = 0; t < names.size(); ++t) {
      for (size_t s = 0; s < seqs.size(); ++s) {
        items.push_back({t, s, Kind::kUnsupervised});
        if (is_vot[s]) items.push_back({t, s, Kind::kBaseline});
      }
    }
    std::vector<Outcome> outcomes(items.size());
    std::atomic<size_t> next{0};
    std::mutex mu;
    long total_frames = 0;
    for (const auto& it : items) total_frames += static_cast<long>(seqs[it.seq].size());
    dimp::tools::ProgressBar bar("evaluating", total_frames);
    auto make_tracker_for = [&](size_t t) {
      const TrackerEntry& e = entries[t];
      return dimp::tools::make_frame_tracker(e.variant, is_opencv(e.variant) ? nullptr : &params.at(e.label),
                                             e.weights.empty() ? weights : e.weights);
    };
    auto baseline_path = [&](const std::string& tracker, const std::string& seq) {
      return (fs::path(results_dir) / tracker / "baseline" / seq / (seq + "_001.txt")).string();
    };

    // Every failure of a job (tracker, I/O, format) lands in its outcome: nothing escapes a
    // worker thread.
    auto worker = [&] {
      for (size_t i = next++; i < items.size(); i = next++) {
        const auto& it = items[i];
        const auto& seq = seqs[it.seq];
        const std::string& name = names[it.tracker];
        Outcome& out = outcomes[i];
        size_t ticked = 0;
        auto tick = [&] {
          std::lock_guard<std::mutex> lock(mu);
          bar.tick();
          ++ticked;
        };
        try {
          auto load = [&](size_t f) { return dimp::tools::make_frame(dimp::data::read_image(seq.frames[f])); };
          if (it.kind == Kind::kBaseline) {
            const std::string path = baseline_path(name, seq.name);
            if (!force) {
              try {
                // A run without resets stored at this path (an older dimp_eval's) is recomputed.
                auto previous = vot::read_trajectory(path);
                const dimp::tools::Frame first = load(0);
                if (vot::is_supervised_run(previous, vot_truth[it.seq], first.bgr.cols, first.bgr.rows)) {
                  out.trajectory = std::move(previous);
                  out.seconds = read_timing(path, &out.frames);
                  out.reused = true;
                }
              } catch (const dimp::data::DataError&) {
                // absent or unreadable: recomputed
              }
            }
            if (!out.reused) {
              auto tracker = make_tracker_for(it.tracker);
              auto run = dimp::tools::run_supervised(*tracker, vot_truth[it.seq], load, {}, [&](size_t) { tick(); });
              out.trajectory = std::move(run.trajectory);
              out.seconds = run.track_seconds;
              out.frames = run.tracked_frames;
              vot::write_trajectory(path, out.trajectory);
              write_timing(path, out.seconds, out.frames);
            }
          } else {
            const std::string fmt = fmt_of(seq);
            const std::string path = dimp::data::result_path(fmt, results_dir, name, seq.name);
            if (!force) {
              if (auto previous = dimp::data::read_results(fmt, results_dir, name, seq.name, seq.size())) {
                out.boxes = *previous;
                out.boxes[0] = seq.ground_truth[0];
                out.seconds = read_timing(path, &out.frames);
                out.reused = true;
              }
            }
            if (!out.reused) {
              auto tracker = make_tracker_for(it.tracker);
              auto on_frame = [&](size_t, const dimp::tools::Frame&, const dimp::TrackResult&) { tick(); };
              auto run = dimp::tools::run_sequence(*tracker, seq.size(), load, seq.ground_truth[0], nullptr, on_frame);
              out.boxes = run.boxes;
              out.seconds = run.track_seconds;
              out.frames = seq.size() - 1;
              std::vector<double> per_frame(seq.size(), seq.size() > 1 ? run.track_seconds / (seq.size() - 1) : 0.0);
              dimp::data::write_results(fmt, results_dir, name, seq.name, run.boxes, per_frame);
              write_timing(path, out.seconds, out.frames);
            }
          }
        } catch (const std::exception& e) {
          out.error = e.what();
        }
        std::lock_guard<std::mutex> lock(mu);
        for (; ticked < seq.size(); ++ticked) bar.tick();
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
      std::vector<bool> failed;                 // per sequence: the run failed (no score)
      std::vector<std::vector<dimp::bbox::Box>> boxes;  // per sequence (empty: failed)
      std::vector<const Outcome*> baseline;      // per sequence: the VOT baseline run, if any
      double seconds = 0, frames = 0;
      int errors = 0;
    };
    std::vector<std::string> failures;
    for (const auto& u : unreadable) failures.push_back("sequence " + u.name + " could not be read: " + u.error);
    std::vector<Summary> summary(names.size());
    for (size_t t = 0; t < names.size(); ++t) {
      summary[t].name = names[t];
      summary[t].metrics.resize(seqs.size());
      summary[t].fps.assign(seqs.size(), 0);
      summary[t].failed.assign(seqs.size(), false);
      summary[t].boxes.resize(seqs.size());
      summary[t].baseline.assign(seqs.size(), nullptr);
    }
    for (size_t i = 0; i < items.size(); ++i) {
      const auto& it = items[i];
      const auto& seq = seqs[it.seq];
      auto& sum = summary[it.tracker];
      const Outcome& o = outcomes[i];
      if (it.kind == Kind::kBaseline) {
        if (!o.error.empty()) {
          failures.push_back(sum.name + " on " + seq.name + " (VOT baseline): " + o.error);
          ++sum.errors;
        } else {
          sum.baseline[it.seq] = &o;
        }
        continue;
      }
      if (!o.error.empty()) {
        failures.push_back(sum.name + " on " + seq.name + ": " + o.error);
        ++sum.errors;
        sum.failed[it.seq] = true;
        continue;
      }
      const double fps = o.seconds > 0 ? o.frames / o.seconds : 0;
      sum.fps[it.seq] = fps;
      sum.seconds += o.seconds;
      sum.frames += static_cast<double>(o.frames);
      if (!seq.fully_annotated()) continue;  // test splits: scored by the benchmark's server
      sum.boxes[it.seq] = o.boxes;
      auto m = dimp::data::evaluate(o.boxes, seq.ground_truth);
      csv << sum.name << "," << seq.name << "," << seq.size() << "," << m.auc << "," << m.precision_20 << ","
          << m.norm_precision << "," << m.average_overlap << "," << m.success_50 << "," << m.success_75 << "," << fps
          << "\n";
      sum.metrics[it.seq] = std::move(m);
    }
    csv.close();

    dimp::tools::Report html("dimp_eval: " + dataset + " (" + root + "), " + std::to_string(seqs.size()) + " sequences");
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
      for (size_t q = 0; q < seqs.size(); ++q) {
        if (!summary[t].failed[q]) scored.push_back(summary[t].metrics[q]);
      }
      agg.push_back(dimp::data::aggregate(scored));
      order.push_back({-agg.back().auc, t});
    }
    std::sort(order.begin(), order.end());
    dimp::tools::Table overall{"", {"tracker", "AUC", "Prec@20", "NormPrec", "AO", "SR0.5", "SR0.75", "FPS", "failed runs"}, {}};
    for (const auto& [neg, t] : order) {
      const auto& d = agg[t];
      const double fps = summary[t].seconds > 0 ? summary[t].frames / summary[t].seconds : 0.0;
      const std::string note = summary[t].errors ? "  (" + std::to_string(summary[t].errors) + " failed, not averaged)" : "";
      std::printf("%-22s %8.3f %8.3f %8.3f %8.3f %8.3f %8.3f %8.1f%s\n", summary[t].name.c_str(), d.auc, d.precision_20,
                  d.norm_precision, d.average_overlap, d.success_50, d.success_75, fps, note.c_str());
      overall.rows.push_back({summary[t].name, fixed(d.auc), fixed(d.precision_20), fixed(d.norm_precision),
                              fixed(d.average_overlap), fixed(d.success_50), fixed(d.success_75), fixed(fps, 1),
                              std::to_string(summary[t].errors)});
    }
    // Plots, legend ordered by the figure's score.
    auto by_second = [](std::vector<dimp::tools::Curve> c) {
      std::stable_sort(c.begin(), c.end(), [](const auto& a, const auto& b) {
        return a.label.substr(a.label.rfind('[')) > b.label.substr(b.label.rfind('['));
      });
      return c;
    };
    auto curves = [&](const std::vector<std::pair<std::string, dimp::data::DatasetMetrics>>& sets, auto score,
                      auto curve) {
      std::vector<dimp::tools::Curve> out;
      for (const auto& [label, d] : sets) {
        char text[128];
        std::snprintf(text, sizeof text, "%s [%.3f]", label.c_str(), score(d));
        out.push_back({text, curve(d)});
      }
      return by_second(out);
    };
    auto write_plots = [&](const std::string& prefix, const std::string& title,
                           const std::vector<std::pair<std::string, dimp::data::DatasetMetrics>>& sets, bool norm) {
      std::vector<std::string> written;
      const std::string success = prefix + "success.png", precision = prefix + "precision.png";
      dimp::tools::write_curve_plot(
          success, "Success plot" + title, "Overlap threshold", "Success rate", dimp::data::success_thresholds(),
          curves(sets, [](const auto& d) { return d.auc; }, [](const auto& d) { return d.success_curve; }));
      dimp::tools::write_curve_plot(
          precision, "Precision plot" + title, "Location error threshold (pixels)", "Precision",
          dimp::data::precision_thresholds(),
          curves(sets, [](const auto& d) { return d.precision_20; }, [](const auto& d) { return d.precision_curve; }));
      written = {success, precision};
      if (norm) {
        const std::string np = prefix + "norm_precision.png";
        dimp::tools::write_curve_plot(
            np, "Normalized precision plot" + title, "Normalized location error threshold", "Normalized precision",
            dimp::data::norm_precision_thresholds(),
            curves(sets, [](const auto& d) { return d.norm_precision; }, [](const auto& d) { return d.norm_precision_curve; }));
        written.push_back(np);
      }
      return written;
    };
    std::vector<std::pair<std::string, dimp::data::DatasetMetrics>> overall_sets;
    for (const auto& [neg, t] : order) overall_sets.push_back({summary[t].name, agg[t]});
    const std::string title = " (" + dataset + ", " + std::to_string(seqs.size()) + " sequences)";
    const auto overall_plots = write_plots((fs::path(results_dir) / "").string(), title, overall_sets, true);
    std::vector<std::string> written{"per_sequence.csv", "success.png", "precision.png", "norm_precision.png"};
    {
      auto& s = html.section("Overall (one run per sequence, no resets)");
      s.notes.push_back("Success AUC over overlap thresholds 0, 0.05, ..., 1; precision at 20 px; normalised precision "
                        "at 0.2 (TrackingNet); AO and SR pooled over frames (GOT-10k). FPS counts tracking time only.");
      s.tables.push_back(overall);
      s.images = {{"Success plot", overall_plots[0]}, {"Precision plot", overall_plots[1]},
                  {"Normalized precision plot", overall_plots[2]}};
    }

    // Per attribute.
    {
      std::vector<std::vector<dimp::data::AttributeMetrics>> per_tracker;
      std::vector<std::vector<dimp::bbox::Box>> truths;
      for (const auto& s : seqs) truths.push_back(s.fully_annotated() ? s.ground_truth : std::vector<dimp::bbox::Box>{});
      // Failed runs and test splits hold no boxes here, and are left out.
      for (const auto& sum : summary) per_tracker.push_back(dimp::data::attribute_metrics(sum.boxes, truths, attributes));
      auto& section = html.section("Per attribute");
      section.notes = attribute_notes;
      std::printf("\n");
      for (const auto& n : attribute_notes) std::printf("attributes: %s\n", n.c_str());
      if (!per_tracker.empty() && !per_tracker[0].empty()) {
        const std::string attr_dir = (fs::path(results_dir) / "attributes").string();
        fs::create_directories(attr_dir);
        std::ofstream acsv(fs::path(results_dir) / "attributes.csv");
        acsv << "attribute,tracker,sequences,frames,auc,precision_20,norm_precision,ao\n";
        dimp::tools::Table table{"AUC / Prec@20 of the frames carrying each attribute", {"attribute", "sequences", "frames"}, {}};
        for (const auto& sum : summary) table.header.push_back(sum.name);
        std::printf("\n%-16s %5s %6s", "attribute", "seqs", "frames");
        for (const auto& sum : summary) std::printf(" | %-15s", sum.name.c_str());
        std::printf("\n%-16s %5s %6s", "", "", "");
        for (size_t t = 0; t < summary.size(); ++t) std::printf(" | %-15s", "AUC / Prec@20");
        std::printf("\n");
        for (size_t a = 0; a < per_tracker[0].size(); ++a) {
          const auto& first = per_tracker[0][a];
          std::vector<dimp::tools::Cell> row{first.name, std::to_string(first.sequences), std::to_string(first.frames)};
          std::printf("%-16s %5d %6d", first.name.c_str(), first.sequences, first.frames);
          std::vector<std::pair<std::string, dimp::data::DatasetMetrics>> sets;
          for (size_t t = 0; t < summary.size(); ++t) {
            const auto& m = per_tracker[t][a];
            const std::string cell = m.frames ? fixed(m.metrics.auc) + " / " + fixed(m.metrics.precision_20) : "n/a";
            std::printf(" | %-15s", cell.c_str());
            row.push_back(cell);
            acsv << m.name << "," << summary[t].name << "," << m.sequences << "," << m.frames << "," << m.metrics.auc
                 << "," << m.metrics.precision_20 << "," << m.metrics.norm_precision << ","
                 << m.metrics.average_overlap << "\n";
            sets.push_back({summary[t].name, m.metrics});
          }
          std::printf("\n");
          table.rows.push_back(row);
          if (first.frames == 0) continue;
          const auto plots = write_plots((fs::path(attr_dir) / (file_name(first.name) + "_")).string(),
                                         " - " + first.name + " (" + std::to_string(first.sequences) + " seq.)", sets,
                                         false);
          section.images.push_back({"Success - " + first.name, plots[0]});
          section.images.push_back({"Precision - " + first.name, plots[1]});
        }
        section.tables.push_back(table);
        written.push_back("attributes.csv");
        written.push_back("attributes/*.png");
      }
    }

    // VOT short-term measures (baseline experiment).
    if (std::find(is_vot.begin(), is_vot.end(), true) != is_vot.end()) {
      auto& section = html.section("VOT short-term measures (baseline experiment)");
      section.notes.push_back(
          "Runs with resets: a failure when the overlap drops to 0, re-initialisation 5 frames later. Accuracy: mean "
          "overlap of the valid frames, the 10 frames after each initialisation left out (pooled). Robustness: "
          "failures; R: failures per 100 frames. EAO: expected average overlap over sequence lengths " +
          std::to_string(eao.low) + "-" + std::to_string(eao.high) +
          " (cut to the longest sequence). Overlaps are exact polygon intersections inside the image.");
      std::ofstream vcsv(fs::path(results_dir) / "vot_measures.csv");
      vcsv << "tracker,selection,accuracy,failures,frames,failure_rate,eao\n";
      std::set<std::string> tag_names;
      std::vector<std::string> tag_order;
      for (size_t q = 0; q < seqs.size(); ++q) {
        if (!is_vot[q]) continue;
        for (const auto& a : attributes[q].attributes) {
          if (tag_names.insert(a.name).second) tag_order.push_back(a.name);
        }
      }
      dimp::tools::Table table{"", {"tracker", "accuracy", "failures", "R (per 100 frames)", "EAO", "sequences"}, {}};
      dimp::tools::Table tag_table{"Per tag: accuracy / failures", {"tag"}, {}};
      dimp::tools::Table seq_table{"Per sequence: accuracy / failures", {"sequence"}, {}};
      std::vector<dimp::tools::Curve> eao_curves;
      std::vector<double> lengths;
      std::map<std::string, std::vector<std::string>> tag_rows;
      std::vector<std::vector<dimp::tools::Cell>> seq_rows(seqs.size());
      std::printf("\nVOT baseline: %-14s %8s %8s %8s %8s\n", "tracker", "A", "fails", "R", "EAO");
      for (auto& sum : summary) {
        std::vector<vot::SequenceScores> runs;
        std::vector<size_t> run_seq;
        for (size_t q = 0; q < seqs.size(); ++q) {
          if (!is_vot[q]) continue;
          const Outcome* o = sum.baseline[q];
          if (!o) {
            seq_rows[q].push_back("failed");
            continue;
          }
          cv::Mat first = dimp::data::read_image(seqs[q].frames[0]);
          runs.push_back(vot::score_sequence(o->trajectory, vot_truth[q], first.cols, first.rows));
          run_seq.push_back(q);
          seq_rows[q].push_back({fixed(runs.back().accuracy) + " / " + std::to_string(runs.back().failures.size()),
                                 (fs::path(sum.name) / "baseline" / seqs[q].name / (seqs[q].name + "_001.txt")).string()});
          vcsv << sum.name << ",sequence:" << seqs[q].name << "," << runs.back().accuracy << ","
               << runs.back().failures.size() << "," << seqs[q].size() << ","
               << 100.0 * runs.back().failures.size() / seqs[q].size() << ",\n";
        }
        const vot::Measures m = vot::summarize(runs, {}, eao);
        std::printf("VOT baseline: %-14s %8.3f %8d %8.2f %8s\n", sum.name.c_str(), m.accuracy, m.failures,
                    m.failure_rate, fixed(m.eao).c_str());
        table.rows.push_back({sum.name, fixed(m.accuracy), std::to_string(m.failures), fixed(m.failure_rate, 2),
                              fixed(m.eao), std::to_string(runs.size())});
        vcsv << sum.name << ",all," << m.accuracy << "," << m.failures << "," << m.frames << "," << m.failure_rate
             << "," << m.eao << "\n";
        tag_table.header.push_back(sum.name);
        for (const auto& tag : tag_order) {
          std::vector<std::vector<uint8_t>> masks;
          for (size_t q : run_seq) {
            std::vector<uint8_t> mask(seqs[q].size(), 0);
            for (const auto& a : attributes[q].attributes) {
              if (a.name == tag) mask = a.frames;
            }
            masks.push_back(mask);
          }
          const vot::Measures tm = vot::summarize(runs, masks, eao);
          tag_rows[tag].push_back((tm.valid_frames ? fixed(tm.accuracy) : "n/a") + " / " + std::to_string(tm.failures));
          vcsv << sum.name << ",tag:" << tag << "," << tm.accuracy << "," << tm.failures << "," << tm.frames << ","
               << tm.failure_rate << "," << tm.eao << "\n";
        }
        if (m.expected_overlap.size() >= 2) {
          if (lengths.size() < m.expected_overlap.size()) {
            lengths.clear();
            for (size_t n = 1; n <= m.expected_overlap.size(); ++n) lengths.push_back(static_cast<double>(n));
          }
          char label[128];
          std::snprintf(label, sizeof label, "%s [%s]", sum.name.c_str(), fixed(m.eao).c_str());
          eao_curves.push_back({label, m.expected_overlap});
        }
      }
      for (const auto& tag : tag_order) {
        std::vector<dimp::tools::Cell> row{tag};
        for (const auto& c : tag_rows[tag]) row.push_back(c);
        tag_table.rows.push_back(row);
      }
      for (const auto& sum : summary) seq_table.header.push_back(sum.name);
      for (size_t q = 0; q < seqs.size(); ++q) {
        if (!is_vot[q]) continue;
        std::vector<dimp::tools::Cell> row{seqs[q].name};
        for (const auto& c : seq_rows[q]) row.push_back(c);
        seq_table.rows.push_back(row);
      }
      section.tables = {table, seq_table};
      if (!tag_order.empty()) section.tables.push_back(tag_table);
      written.push_back("vot_measures.csv");
      if (!eao_curves.empty() && lengths.size() >= 2) {
        const std::string plot = (fs::path(results_dir) / "expected_overlap.png").string();
        dimp::tools::write_curve_plot(plot, "Expected overlap (VOT baseline)", "Sequence length (frames)",
                                      "Expected average overlap", lengths, by_second(eao_curves));
        section.images.push_back({"Expected overlap by sequence length", plot});
        written.push_back("expected_overlap.png");
      }
    }

    // Per sequence, with links to each tracker's result file.
    {
      auto& section = html.section("Per sequence");
      dimp::tools::Table table{"AUC / Prec@20 / FPS", {"sequence", "frames"}, {}};
      for (const auto& s : summary) table.header.push_back(s.name);
      for (size_t q = 0; q < seqs.size(); ++q) {
        std::vector<dimp::tools::Cell> row{seqs[q].name, std::to_string(seqs[q].size())};
        for (const auto& s : summary) {
          const std::string link =
              fs::path(dimp::data::result_path(fmt_of(seqs[q]), ".", s.name, seqs[q].name)).lexically_normal().string();
          if (s.failed[q]) {
            row.push_back("failed");
          } else if (!seqs[q].fully_annotated()) {
            row.push_back({"(no ground truth) / " + fixed(s.fps[q], 0), link});
          } else {
            row.push_back({fixed(s.metrics[q].auc) + " / " + fixed(s.metrics[q].precision_20) + " / " + fixed(s.fps[q], 0), link});
          }
        }
        table.rows.push_back(row);
      }
      section.tables.push_back(table);
    }

    // Submission archives.
    if (pack) {
      std::vector<dimp::data::SubmissionSequence> to_pack;
      for (const auto& s : seqs) to_pack.push_back({s.name, s.size()});
      auto& section = html.section("Submission archives");
      for (const auto& sum : summary) {
        const std::string fmt = fmt_of(seqs[0]);
        const std::string zip = (fs::path(results_dir) / (sum.name + "_" + fmt + ".zip")).string();
        try {
          const size_t files = dimp::data::pack_submission(fmt, results_dir, sum.name, to_pack, zip);
          std::printf("packed %s: %zu files for %zu sequences\n", zip.c_str(), files, to_pack.size());
          section.notes.push_back(sum.name + ": " + fs::path(zip).filename().string() + " (" + std::to_string(files) +
                                  " files, " + std::to_string(to_pack.size()) + " sequences)");
          written.push_back(fs::path(zip).filename().string());
        } catch (const std::exception& e) {
          failures.push_back("--pack " + sum.name + ": " + e.what());
        }
      }
      if (!only.empty()) {
        section.notes.push_back("--sequences selected " + std::to_string(to_pack.size()) +
                                " sequences: the servers score complete test splits only.");
      }
    }

    if (report) {
      html.write((fs::path(results_dir) / "report.html").string());
      written.push_back("report.html");
    }
    size_t reused = 0;
    for (const auto& o : outcomes) reused += o.reused;
    std::printf("\nwrote in %s/:", results_dir.c_str());
    for (const auto& w : written) std::printf(" %s", w.c_str());
    std::printf(" and the result files");
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
