// tracker_benchmark — frames per second of a tracker and the time of each stage of its loop
// (patch sampling, features, scores, localization, box estimation/scale search, model update
// including the optimizer steps), on the synthetic demo sequence and, when present, the real
// sequences (DIMP_DATA_DIR).
//
//   bazel run //benchmarks:tracker_benchmark -- --tracker deep --threads 2
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
#include "bbox/iou_head.h"
#include "dimp/dimp_net.h"
#include "dimp/dimp_tracker.h"
#include "dimp/tracker.h"
#include "dimp/weights/state_dict.h"

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
  std::string tracker = dimp::kDefaultTracker, data_dir, weights;
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
    const auto params = dimp::resolve_params(tracker, "", overrides);
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
    if (tracker == "dimp18" || tracker == "dimp50") {
      // The network's parts on one 288 x 288 patch (what the "feat" and "box" stages contain).
      dimp::DiMPNet net(tracker == "dimp18" ? dimp::DiMPNetConfig::dimp18() : dimp::DiMPNetConfig::dimp50());
      dimp::weights::load_module(*net, weights);
      net->prepare_inference(dimp::network_compute_type(params.network_precision));
      for (auto& p : net->parameters()) p.requires_grad_(false);
      at::NoGradGuard ng;
      auto time_ms = [](auto&& f) {
        f();
        const int reps = 10;
        const auto t0 = std::chrono::steady_clock::now();
        for (int i = 0; i < reps; ++i) f();
        return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / reps;
      };
      auto x = net->normalize(at::rand({1, 3, params.image_sample_size, params.image_sample_size}) * 255);
      std::map<std::string, at::Tensor> bb;
      const double backbone = time_ms([&] { bb = net->backbone(x); });
      const double cls = time_ms([&] { net->classification_features(bb.at("layer3")); });
      dimp::bbox::IoUFeatures f;
      const double iou_feat = time_ms([&] { f = net->bb_regressor->iou_features(bb.at("layer2"), bb.at("layer3")); });
      auto mod = net->bb_regressor->modulation(bb.at("layer2"), bb.at("layer3"), at::tensor({110.f, 110.f, 60.f, 60.f}).view({1, 4}));
      auto m = net->bb_regressor->modulate(mod, f);
      m.layer2 = m.layer2.contiguous(at::MemoryFormat::ChannelsLast);
      m.layer3 = m.layer3.contiguous(at::MemoryFormat::ChannelsLast);
      auto props = at::rand({1, params.num_init_random_boxes + 1, 4}) * 30 + at::tensor({100.f, 100.f, 50.f, 50.f});
      const double autograd_step = time_ms([&] {
        at::AutoGradMode on(true);
        auto b = props.clone().requires_grad_();
        net->bb_regressor->predict_iou_modulated(m, b).sum().backward();
      });
      // The head as the tracker builds it (bfloat16 FC layers with bfloat16 inference).
      const dimp::bbox::IoUHead head(*net->bb_regressor);
      const double step = time_ms([&] { head.evaluate(m, props); });
      // What the tracker computes: the IoU features of the proposals' window only.
      const auto l2 = bb.at("layer2"), l3 = bb.at("layer3");
      const auto window = dimp::IoUWindow::around(props, l2.size(2), l2.size(3), l3.size(2), l3.size(3));
      const double window_feat = time_ms([&] { net->bb_regressor->iou_features(window.crop2(l2), window.crop3(l3)); });
      std::printf("\n%s parts per patch (ms): backbone %.2f, classification features %.2f, IoU features %.2f "
                  "(window of %ldx%ld layer3 and %ldx%ld layer2 cells: %.2f), one refinement step (%d boxes, IoU and box gradient) %.2f "
                  "(x%d per frame; through autograd %.2f)\n",
                  tracker.c_str(), backbone, cls, iou_feat, window.y1 - window.y0, window.x1 - window.x0,
                  window.y1_2 - 2 * window.y0, window.x1_2 - 2 * window.x0, window_feat,
                  params.num_init_random_boxes + 1, step, params.box_refinement_iter, autograd_step);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tracker_benchmark: %s\n", e.what());
    return 1;
  }
  return 0;
}
