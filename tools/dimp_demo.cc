// dimp_demo — the main job of the README: generate the synthetic demo sequence (a textured
// target moving, scaling, briefly occluded, with a look-alike distractor), track it with the
// default tracker (deep: pretrained MobileNetV3 features), print success AUC and FPS, and write the annotated result.
//
//   dimp_demo --out demo_output
#include <ATen/Parallel.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "data/cv/image_io.h"
#include "data/ground_truth.h"
#include "data/metrics.h"
#include "data/synthetic.h"
#include "dimp/runtime.h"
#include "dimp/version.h"
#include "dimp/tracker.h"
#include "tools/lib/frame_tracker.h"
#include "tools/lib/plots.h"
#include "tools/lib/sequence_runner.h"

int main(int argc, char** argv) {
  CLI::App app{"dimp_demo: track the synthetic demo sequence with the default tracker and write the result"};
  std::string out_dir = "demo_output", tracker_name = dimp::kDefaultTracker;
  dimp::data::SyntheticOptions syn;
  int threads = 0;
  app.add_option("--out", out_dir, "output folder (video, boxes, success plot)");
  app.add_option("--tracker", tracker_name, "tracker variant");
  app.add_option("--frames", syn.frames, "sequence length");
  app.add_option("--seed", syn.seed, "scene seed");
  app.add_option("--threads", threads, "LibTorch threads (0: all cores)");
  CLI11_PARSE(app, argc, argv);

  try {
    dimp::set_num_threads(threads);
    std::printf("dimp-cpp %s demo: synthetic sequence of %d frames (seed %llu), tracker %s\n", dimp::kVersion, syn.frames,
                static_cast<unsigned long long>(syn.seed), tracker_name.c_str());
    const auto seq = dimp::data::make_synthetic_sequence(syn);
    std::filesystem::create_directories(out_dir);
    auto tracker = dimp::tools::make_frame_tracker(tracker_name);
    std::vector<dimp::tools::Frame> frames;
    for (const auto& f : seq.frames) frames.push_back({dimp::data::tensor_to_mat(f), f});

    cv::VideoWriter writer;
    const std::string video = (std::filesystem::path(out_dir) / "demo.avi").string();
    auto annotate = [&](size_t i, const dimp::tools::Frame& f, const dimp::TrackResult& r) {
      cv::Mat vis = f.bgr.clone();
      dimp::tools::draw_box(vis, seq.ground_truth[i], {0, 0, 255}, "ground truth");
      dimp::tools::draw_box(vis, r.box, {0, 220, 0}, tracker_name);
      cv::putText(vis, "#" + std::to_string(i), {8, 20}, cv::FONT_HERSHEY_SIMPLEX, 0.6, {255, 255, 255}, 2);
      if (!writer.isOpened() && !writer.open(video, cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 25, vis.size())) {
        throw std::runtime_error("cannot write " + video);
      }
      writer.write(vis);
      if (i == seq.frames.size() / 2 - 5) cv::imwrite((std::filesystem::path(out_dir) / "frame_mid.png").string(), vis);
    };
    dimp::tools::ProgressBar bar("demo", static_cast<long>(frames.size()));
    auto run = dimp::tools::run_sequence(*tracker, frames.size(), [&](size_t i) { return frames[i]; }, seq.ground_truth[0],
                                         &bar, annotate);
    bar.finish();
    writer.release();
    const auto m = dimp::data::evaluate(run.boxes, seq.ground_truth);
    dimp::data::write_rect_file((std::filesystem::path(out_dir) / "boxes.txt").string(), run.boxes, 1.0);
    char label[64];
    std::snprintf(label, sizeof label, "%s [%.3f]", tracker_name.c_str(), m.auc);
    dimp::tools::write_curve_plot((std::filesystem::path(out_dir) / "success.png").string(), "Success plot (synthetic demo)",
                                  "Overlap threshold", "Success rate", dimp::data::success_thresholds(), {{label, m.success_curve}});
    std::printf("success AUC %.3f, precision@20px %.3f, %.1f FPS (tracking only, %d threads)\n", m.auc, m.precision_20,
                run.fps, at::get_num_threads());
    std::printf("wrote %s, %s/boxes.txt, %s/success.png\n", video.c_str(), out_dir.c_str(), out_dir.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dimp_demo: %s\n", e.what());
    return 1;
  }
  return 0;
}
