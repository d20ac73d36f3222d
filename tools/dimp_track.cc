// dimp_track — track one target through a video file, an image folder (OTB or VOT layout,
// ground truth read when present) or a camera.
//
//   dimp_track --input ../shared/data/otb/Crossing --output boxes.txt --video out.avi
//   dimp_track --input clip.mp4 --box 120,80,40,60 --tracker weight-free
#include <CLI/CLI.hpp>
#include <chrono>
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
#include "tools/lib/output_files.h"
#include "tools/lib/plots.h"
#include "tools/lib/progress.h"

namespace {

dimp::bbox::Box parse_box(const std::string& text) {
  auto v = dimp::data::split_numbers(text, "--box");
  if (v.size() != 4) throw std::invalid_argument("--box needs x,y,w,h (4 numbers), got '" + text + "'");
  return {v[0], v[1], v[2], v[3]};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"dimp_track: track a target through a video, an image folder or a camera"};
  std::string input, box_text, tracker_name = "weight-free", params_file, weights, output, video_out, frames_dir;
  std::vector<std::string> overrides;
  long max_frames = -1;
  int threads = 0;
  bool list = false, print_params = false, force = false;
  app.add_option("--input", input, "video file, image folder, OTB/VOT sequence folder, or camera:N");
  app.add_option("--box", box_text, "initial box x,y,w,h in pixels, 0-based (default: first ground-truth box)");
  app.add_option("--tracker", tracker_name, "tracker variant (see --list) or an OpenCV baseline (csrt, kcf, mil)");
  app.add_option("--params", params_file, "JSON parameter file (default: the variant's)");
  app.add_option("--set", overrides, "parameter override name=value (repeatable)");
  app.add_option("--weights", weights, "weights file (safetensors) for variants that need one");
  app.add_option("--output", output, "write boxes in OTB text format (1-based x,y,w,h per line)");
  app.add_option("--video", video_out, "write the annotated video (MJPG .avi)");
  app.add_option("--frames-dir", frames_dir, "write annotated frames as PNG into this folder");
  app.add_option("--max-frames", max_frames, "stop after this many frames");
  app.add_option("--threads", threads, "LibTorch threads (0: all cores)");
  app.add_flag("--force", force, "overwrite existing output files (never the inputs)");
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
    dimp::bbox::Box init;
    if (!box_text.empty()) {
      init = parse_box(box_text);
    } else if (!gt.empty()) {
      init = gt[0];
    } else {
      throw std::invalid_argument("no ground truth in " + input + ": give the initial box with --box x,y,w,h");
    }
    // Every output is checked before the first frame: nothing is tracked for nothing.
    if (!output.empty()) dimp::tools::check_output_file(output, force, source->files());
    if (!video_out.empty()) dimp::tools::check_output_file(video_out, force, source->files());
    if (!frames_dir.empty()) dimp::tools::check_output_folder(frames_dir, force);
    std::unique_ptr<dimp::TrackerParams> params;
    const auto& cv_names = dimp::tools::opencv_tracker_names();
    if (std::find(cv_names.begin(), cv_names.end(), tracker_name) == cv_names.end()) {
      params = std::make_unique<dimp::TrackerParams>(dimp::resolve_params(tracker_name, params_file, overrides));
    }
    auto tracker = dimp::tools::make_frame_tracker(tracker_name, params.get(), weights);

    // Boxes are streamed: a frame that fails later leaves every box tracked before it on disk.
    std::optional<dimp::data::RectFileWriter> boxes_out;
    if (!output.empty()) boxes_out.emplace(output, 1.0);
    cv::VideoWriter writer;
    std::vector<dimp::bbox::Box> boxes;
    dimp::tools::Frame frame;
    long total = source->size();
    if (max_frames > 0) total = total < 0 ? max_frames : std::min(total, max_frames);
    dimp::tools::ProgressBar bar(source->name(), total);
    double track_seconds = 0;
    long index = 0;
    try {
      while ((max_frames < 0 || index < max_frames) && source->next(frame)) {
        dimp::TrackResult r;
        const auto t0 = std::chrono::steady_clock::now();
        if (index == 0) {
          tracker->initialize(frame, init);
          r.box = init;
        } else {
          r = tracker->track(frame);
          track_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        }
        boxes.push_back(r.box);
        if (boxes_out) boxes_out->add(r.box);
        if (!video_out.empty() || !frames_dir.empty()) {
          cv::Mat vis = frame.bgr.clone();
          if (static_cast<size_t>(index) < gt.size()) dimp::tools::draw_box(vis, gt[index], {0, 0, 255}, "ground truth");
          dimp::tools::draw_box(vis, r.box, {0, 220, 0},
                                tracker_name + (r.status == dimp::TargetStatus::kNotFound ? " (lost)" : ""));
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
            cv::imwrite((std::filesystem::path(frames_dir) / name).string(), vis);
          }
        }
        ++index;
        bar.tick(index > 1 && track_seconds > 0 ? (index - 1) / track_seconds : -1);
      }
    } catch (const std::exception& e) {
      bar.finish();
      std::string kept;
      if (boxes_out) kept = "; the boxes of the " + std::to_string(index) + " frame(s) before it are in " + output;
      throw std::runtime_error("frame " + std::to_string(index + 1) + ": " + e.what() + kept);
    }
    bar.finish();
    if (index == 0) throw std::invalid_argument("no frames in " + input);
    const double fps = index > 1 && track_seconds > 0 ? (index - 1) / track_seconds : 0;
    std::printf("%s: %ld frames, %.1f FPS (tracking only)\n", tracker_name.c_str(), index, fps);
    if (gt.size() >= boxes.size()) {
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
