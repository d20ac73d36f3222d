// dimp_track — track one or several targets through a video file, an image folder (OTB or VOT
// layout, ground truth read when present) or a camera; live, with a window, where a display is.
//
//   dimp_track --input ../shared/data/otb/Crossing --output boxes.txt --video out.avi
//   dimp_track --input clip.mp4 --box 120,80,40,60 --box 300,90,30,50 --output boxes.txt   # boxes_1.txt, boxes_2.txt
//   dimp_track --input camera:0          # select targets with the mouse; space pauses, r re-selects, q quits
//
// One tracker runs per target. Results: --output names the file of a single target; with
// several targets, or in an interactive session, target k's boxes go to <stem>_k<ext>, one line
// per frame of the video (a target selected later starts with NaN lines for the frames before
// it; one dropped by a re-selection stops). Without a display (no X server, or --no-display),
// nothing is shown and a single target runs exactly as it always has.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "data/ground_truth.h"
#include "data/metrics.h"
#include "dimp/runtime.h"
#include "dimp/tracker.h"
#include "tools/lib/frame_source.h"
#include "tools/lib/frame_tracker.h"
#include "tools/lib/live_view.h"
#include "tools/lib/output_files.h"
#include "tools/lib/plots.h"
#include "tools/lib/progress.h"

namespace fs = std::filesystem;

namespace {

dimp::bbox::Box parse_box(const std::string& text) {
  auto v = dimp::data::split_numbers(text, "--box");
  if (v.size() != 4) throw std::invalid_argument("--box needs x,y,w,h (4 numbers), got '" + text + "'");
  return {v[0], v[1], v[2], v[3]};
}

// numbered: "boxes.txt" -> "boxes_3.txt".
std::string numbered(const std::string& output, int k) {
  const fs::path p(output);
  return (p.parent_path() / (p.stem().string() + "_" + std::to_string(k) + p.extension().string())).string();
}

// Target: one tracked object: its tracker, its results file, its statistics.
struct Target {
  int id = 0;                 // 1-based, as in the file names
  long first_frame = 0;       // 0-based frame it was selected on
  std::unique_ptr<dimp::tools::FrameTracker> tracker;
  std::optional<dimp::data::RectFileWriter> writer;
  std::string output;
  std::vector<dimp::bbox::Box> boxes;  // from first_frame on
  dimp::TrackResult last;
  double seconds = 0, score_sum = 0;
  long tracked = 0;           // frames given to track()
  bool active = true;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"dimp_track: track targets through a video, an image folder or a camera"};
  std::string input, tracker_name = dimp::kDefaultTracker, params_file, weights, output, video_out, frames_dir;
  std::vector<std::string> box_texts, overrides;
  long max_frames = -1;
  int threads = 0;
  bool list = false, print_params = false, force = false, no_display = false;
  app.add_option("--input", input, "video file, image folder, OTB/VOT sequence folder, or camera:N");
  app.add_option("--box", box_texts,
                 "initial box x,y,w,h in pixels, 0-based; repeatable, one tracker per box (default: the first "
                 "ground-truth box, or a mouse selection on a video or camera with a display)");
  app.add_option("--tracker", tracker_name, "tracker variant (see --list) or an OpenCV baseline (csrt, kcf, mil)");
  app.add_option("--params", params_file, "JSON parameter file (default: the variant's)");
  app.add_option("--set", overrides, "parameter override name=value (repeatable)");
  app.add_option("--weights", weights, "weights file (safetensors) for variants that need one");
  app.add_option("--output", output,
                 "write boxes in OTB text format (1-based x,y,w,h per line); several targets: <stem>_<k><ext>");
  app.add_option("--video", video_out, "write the annotated video (MJPG .avi)");
  app.add_option("--frames-dir", frames_dir, "write annotated frames as PNG into this folder");
  app.add_option("--max-frames", max_frames, "stop after this many frames");
  app.add_option("--threads", threads, "LibTorch threads (0: all cores)");
  app.add_flag("--force", force, "overwrite existing output files (never the inputs)");
  app.add_flag("--no-display", no_display, "never open a window, even on a video or camera with a display");
  app.add_flag("--list", list, "list the registered trackers and exit");
  app.add_flag("--print-params", print_params, "print the tracker's parameters (JSON, after --params/--set) and exit");
  CLI11_PARSE(app, argc, argv);

  try {
    if (list) {
      for (const auto& s : dimp::tracker_specs()) std::printf("%-22s %s\n", s.name.c_str(), s.description.c_str());
      for (const auto& n : dimp::tools::opencv_tracker_names()) std::printf("%-22s OpenCV baseline\n", n.c_str());
      return 0;
    }
    if (print_params) {
      std::printf("%s\n", dimp::resolve_params(tracker_name, params_file, overrides).to_json().c_str());
      return 0;
    }
    if (input.empty()) throw std::invalid_argument("--input is required (see --help)");
    dimp::set_num_threads(threads);
    auto source = dimp::tools::open_frames(input);
    const auto& gt = source->ground_truth();
    const bool gui = !no_display && source->video() && dimp::tools::display_available();
    std::vector<dimp::bbox::Box> init;
    for (const auto& t : box_texts) init.push_back(parse_box(t));
    if (init.empty() && !gt.empty()) init.push_back(gt[0]);
    if (init.empty() && !gui) {
      throw std::invalid_argument("no ground truth in " + input + ": give the initial box with --box x,y,w,h" +
                                  (source->video() ? " (or select it with the mouse on a display)" : ""));
    }
    // Interactive sessions and several targets number their files; one target keeps --output.
    const bool several = init.size() > 1 || gui;
    auto output_of = [&](int k) { return output.empty() ? std::string() : several ? numbered(output, k) : output; };
    // Every output is checked before the first frame: nothing is tracked for nothing.
    auto check_outputs = [&](int first, int last) {
      for (int k = first; k <= last && !output.empty(); ++k) dimp::tools::check_output_file(output_of(k), force, source->files());
    };
    check_outputs(1, std::max<int>(1, static_cast<int>(init.size())));
    if (!video_out.empty()) dimp::tools::check_output_file(video_out, force, source->files());
    if (!frames_dir.empty()) dimp::tools::check_output_folder(frames_dir, force);
    std::unique_ptr<dimp::TrackerParams> params;
    const auto& cv_names = dimp::tools::opencv_tracker_names();
    if (std::find(cv_names.begin(), cv_names.end(), tracker_name) == cv_names.end()) {
      params = std::make_unique<dimp::TrackerParams>(dimp::resolve_params(tracker_name, params_file, overrides));
    }
    auto make_tracker = [&] { return dimp::tools::make_frame_tracker(tracker_name, params.get(), weights); };
    auto first_tracker = make_tracker();  // variants and weights checked before the first frame

    std::optional<dimp::tools::LiveView> view;
    if (gui) view.emplace("dimp_track: " + source->name());
    std::vector<Target> targets;
    long index = 0;
    // add_targets: new targets on `frame` (numbered after the existing ones); their files start
    // with a NaN line for each frame before this one.
    auto add_targets = [&](const dimp::tools::Frame& frame, const std::vector<dimp::bbox::Box>& boxes) {
      const int first_id = static_cast<int>(targets.size()) + 1;
      check_outputs(first_id, first_id + static_cast<int>(boxes.size()) - 1);
      for (size_t b = 0; b < boxes.size(); ++b) {
        Target t;
        t.id = first_id + static_cast<int>(b);
        t.first_frame = index;
        t.tracker = first_tracker ? std::move(first_tracker) : make_tracker();
        try {
          t.tracker->initialize(frame, boxes[b]);
        } catch (const std::exception& e) {
          throw std::invalid_argument(several ? "target " + std::to_string(t.id) + ": " + e.what() : e.what());
        }
        t.last = {boxes[b], 1.0, dimp::TargetStatus::kNormal};
        t.output = output_of(t.id);
        if (!t.output.empty()) {
          t.writer.emplace(t.output, 1.0);
          for (long f = 0; f < index; ++f) t.writer->add({NAN, NAN, NAN, NAN});
        }
        targets.push_back(std::move(t));
      }
    };
    auto kept_message = [&] {
      std::string files;
      for (const auto& t : targets) {
        if (!t.output.empty()) files += (files.empty() ? "" : ", ") + t.output;
      }
      return files;
    };

    cv::VideoWriter writer;
    dimp::tools::Frame frame;
    long total = source->size();
    if (max_frames > 0) total = total < 0 ? max_frames : std::min(total, max_frames);
    dimp::tools::ProgressBar bar(source->name(), total, !gui);
    double track_seconds = 0;
    bool paused = false, quit = false;
    try {
      while (!quit && (max_frames < 0 || index < max_frames) && source->next(frame)) {
        const auto t0 = std::chrono::steady_clock::now();
        if (index == 0) {
          std::vector<dimp::bbox::Box> boxes = init;
          if (boxes.empty()) {
            std::fprintf(stderr, "dimp_track: select the targets: drag a box, Enter or space for each, Esc to start\n");
            boxes = view->select(frame.bgr);
            if (boxes.empty()) throw std::invalid_argument("no target selected");
          }
          add_targets(frame, boxes);
        } else {
          for (auto& t : targets) {
            if (!t.active) continue;
            const auto s0 = std::chrono::steady_clock::now();
            try {
              t.last = t.tracker->track(frame);
            } catch (const std::exception& e) {
              throw std::runtime_error(several ? "target " + std::to_string(t.id) + ": " + e.what() : e.what());
            }
            t.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - s0).count();
            t.score_sum += t.last.score;
            ++t.tracked;
          }
          track_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        }
        for (auto& t : targets) {
          if (!t.active) continue;
          t.boxes.push_back(t.last.box);
          if (t.writer) t.writer->add(t.last.box);
        }
        const double fps = index > 0 && track_seconds > 0 ? index / track_seconds : 0;
        if (!video_out.empty() || !frames_dir.empty() || gui) {
          cv::Mat vis = frame.bgr.clone();
          if (static_cast<size_t>(index) < gt.size()) dimp::tools::draw_box(vis, gt[index], {0, 0, 255}, "ground truth");
          for (const auto& t : targets) {
            if (!t.active) continue;
            const bool lost = t.last.status == dimp::TargetStatus::kNotFound;
            if (!several) {
              dimp::tools::draw_box(vis, t.last.box, {0, 220, 0}, tracker_name + (lost ? " (lost)" : ""));
            } else {
              char label[64];
              std::snprintf(label, sizeof label, "#%d %.2f%s", t.id, t.last.score, lost ? " lost" : "");
              dimp::tools::draw_box(vis, t.last.box, dimp::tools::series_colour(static_cast<size_t>(t.id - 1)), label);
            }
          }
          cv::putText(vis, "#" + std::to_string(index), {8, 20}, cv::FONT_HERSHEY_SIMPLEX, 0.6, {255, 255, 255}, 2);
          if (!video_out.empty()) {
            if (!writer.isOpened() &&
                !writer.open(video_out, cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), source->fps(), vis.size())) {
              throw std::runtime_error("cannot write video " + video_out);
            }
            writer.write(vis);
          }
          if (!frames_dir.empty()) {
            char name[32];
            std::snprintf(name, sizeof name, "%06ld.png", index + 1);
            cv::imwrite((fs::path(frames_dir) / name).string(), vis);
          }
          if (gui) {
            // The live overlay: the frame rate of tracking all targets, and the keys.
            char status[128];
            std::snprintf(status, sizeof status, "%.1f FPS  %zu target(s)  [space] pause  [r] re-select  [q] quit",
                          fps, static_cast<size_t>(std::count_if(targets.begin(), targets.end(),
                                                                  [](const Target& t) { return t.active; })));
            cv::putText(vis, status, {8, vis.rows - 10}, cv::FONT_HERSHEY_SIMPLEX, 0.5, {255, 255, 255}, 1, cv::LINE_AA);
            view->show(vis);
            for (bool wait = true; wait;) {
              wait = false;
              switch (view->key(paused ? 50 : 1)) {
                case dimp::tools::Key::kPause:
                  paused = !paused;
                  break;
                case dimp::tools::Key::kQuit:
                  quit = true;
                  break;
                case dimp::tools::Key::kReselect: {
                  std::fprintf(stderr, "dimp_track: re-select the targets on frame %ld (Esc keeps the current ones)\n",
                               index + 1);
                  auto boxes = view->select(frame.bgr);
                  if (boxes.empty()) break;
                  try {
                    // The new targets replace the current ones from this frame on: initialised on
                    // it, they write its line too.
                    const size_t before = targets.size();
                    add_targets(frame, boxes);
                    for (size_t k = 0; k < before; ++k) targets[k].active = false;
                    for (size_t k = before; k < targets.size(); ++k) {
                      targets[k].boxes.push_back(targets[k].last.box);
                      if (targets[k].writer) targets[k].writer->add(targets[k].last.box);
                    }
                  } catch (const std::exception& e) {
                    std::fprintf(stderr, "dimp_track: cannot add those targets: %s\n", e.what());
                  }
                  break;
                }
                case dimp::tools::Key::kNone:
                  break;
              }
              if (paused && !quit) wait = true;
            }
          }
        }
        ++index;
        bar.tick(fps > 0 ? fps : -1);
      }
    } catch (const std::exception& e) {
      bar.finish();
      std::string kept;
      const std::string files = kept_message();
      if (!files.empty()) kept = "; the boxes of the " + std::to_string(index) + " frame(s) before it are in " + files;
      throw std::runtime_error("frame " + std::to_string(index + 1) + ": " + e.what() + kept);
    }
    bar.finish();
    if (index == 0) throw std::invalid_argument("no frames in " + input);
    const double fps = index > 1 && track_seconds > 0 ? (index - 1) / track_seconds : 0;
    std::printf("%s: %ld frames, %.1f FPS (tracking only)%s\n", tracker_name.c_str(), index, fps,
                quit ? ", stopped by the user" : "");
    if (several) {
      for (const auto& t : targets) {
        const long last = t.first_frame + static_cast<long>(t.boxes.size());
        std::printf("target %d: frames %ld-%ld, %.1f FPS, mean score %.3f%s%s\n", t.id, t.first_frame + 1, last,
                    t.tracked > 0 && t.seconds > 0 ? t.tracked / t.seconds : 0.0,
                    t.tracked > 0 ? t.score_sum / t.tracked : 0.0, t.output.empty() ? "" : ", boxes in ",
                    t.output.c_str());
      }
    } else if (targets.size() == 1 && gt.size() >= targets[0].boxes.size()) {
      const auto& boxes = targets[0].boxes;
      std::vector<dimp::bbox::Box> gt_part(gt.begin(), gt.begin() + static_cast<long>(boxes.size()));
      const auto m = dimp::data::evaluate(boxes, gt_part);
      std::printf("success AUC %.3f, precision@20px %.3f\n", m.auc, m.precision_20);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dimp_track: %s\n", e.what());
    return 1;
  }
  return 0;
}
