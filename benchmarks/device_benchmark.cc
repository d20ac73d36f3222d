// device_benchmark — the heavy parts of tracking and training, and whole trackers (DiMP-18/50
// on seeded weights, one target and 16 batched), timed on the CPU and on a CUDA device side by
// side (milliseconds per call; then the trackers' frame rates). scripts/gpu_check.sh runs it;
// it needs only the core library (no OpenCV, no Google Benchmark), so it builds wherever
// LibTorch does.
//
//   device_benchmark                  # CPU, and CUDA when a device is present
//   device_benchmark --device cuda --threads 16
#include <ATen/Parallel.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "bbox/prroi_pool.h"
#include "benchmarks/tracking_setup.h"
#include "data/synthetic.h"
#include "dimp/dimp_net.h"
#include "dimp/multi_tracker.h"
#include "losses/learned_loss.h"
#include "optim/filter_ops.h"
#include "optim/steepest_descent.h"

namespace {

using Fn = std::function<at::Tensor()>;

// ms_per_call: warm-up twice, then repeat for about half a second; the result's sum is read
// back each time, so asynchronous devices are timed to completion.
double ms_per_call(const Fn& fn) {
  for (int i = 0; i < 2; ++i) fn().sum().item<double>();
  int reps = 0;
  const auto t0 = std::chrono::steady_clock::now();
  double elapsed = 0;
  while (reps < 3 || (elapsed < 0.5 && reps < 200)) {
    fn().sum().item<double>();
    ++reps;
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  return 1e3 * elapsed / reps;
}

struct Case {
  std::string name;
  std::function<Fn(at::Device)> make;  // builds inputs on the device, returns the timed call
  int targets = 0;                     // tracking cases: targets per call (one frame)
};

Fn backbone(const dimp::DiMPNetConfig& config, int64_t batch, at::Device device) {
  at::manual_seed(0);
  dimp::DiMPNet net(config);
  if (device.is_cpu()) {
    net->prepare_inference();  // what the tracker runs on the CPU (BatchNorms folded, channels-last)
  } else {
    net->eval();
    net->to(device);
  }
  auto patches = (at::rand({batch, 3, 288, 288}) * 255).to(device);
  return [net, patches]() mutable {
    at::NoGradGuard ng;
    auto maps = net->backbone(net->normalize(patches));
    return net->classification_features(maps.at("layer3"));
  };
}

// The learned loss on `device`, its tensors trainable when `train`.
dimp::losses::LearnedLoss learned_loss(at::Device device, bool train) {
  dimp::losses::LearnedLoss loss;
  for (at::Tensor* t : {&loss.label_coeffs, &loss.mask_coeffs, &loss.weight_coeffs, &loss.filter_reg}) {
    *t = t->to(device).detach().requires_grad_(train);
  }
  return loss;
}

Fn optimizer(int64_t images, int64_t sequences, int iters, bool train, at::Device device) {
  at::manual_seed(0);
  auto loss = learned_loss(device, train);
  auto feat = dimp::optim::to_filter_layout(at::randn({images, sequences, 512, 18, 18}) / std::sqrt(512 * 16.0))
                  .to(device)
                  .requires_grad_(train);
  auto centers = (4 + at::rand({images, sequences, 2}) * 10).to(device);
  auto f0 = (at::randn({sequences, 512, 4, 4}) * 0.01).to(device);
  dimp::optim::SteepestDescentGN<dimp::losses::LearnedLoss> sd(loss, {iters, 1.0, 0.0, train});
  return [=] {
    if (!train) {
      at::NoGradGuard ng;
      return sd.run(f0, {feat, loss.maps(centers, 19, 19), at::Tensor()}).filter;
    }
    auto res = sd.run(f0, {feat, loss.maps(centers, 19, 19), at::Tensor()});  // maps: part of the graph
    at::Tensor total = res.losses[0];
    for (size_t i = 1; i < res.losses.size(); ++i) total = total + res.losses[i];
    total.backward();
    return feat.grad();
  };
}

Fn prroi(at::Device device) {
  at::manual_seed(0);
  auto feat = at::randn({8, 256, 36, 36}).to(device).requires_grad_();
  auto boxes = at::cat({at::rand({8, 16, 2}) * 200, 20 + at::rand({8, 16, 2}) * 80}, 2);
  auto rois = dimp::bbox::xywh_to_rois(boxes).to(device);
  return [=] {
    auto out = dimp::bbox::prroi_pool2d(feat, rois, 5, 5, 1.0 / 8);
    out.sum().backward();
    return feat.grad();
  };
}

// Clip: a synthetic video played forwards and backwards, so that the targets never jump.
struct Clip {
  std::vector<at::Tensor> frames;
  size_t calls = 0;
  const at::Tensor& next() {
    const size_t period = 2 * frames.size() - 2, i = ++calls % period;
    return frames[i < frames.size() ? i : period - i];
  }
};

// tracking: `arch` (seeded weights; nothing lost, as trained weights keep every stage running)
// tracking `targets` targets, batched in a MultiTracker; one call is one frame. Frames are cut
// on the CPU, as a video decoder delivers them.
Fn tracking(const std::string& arch, int targets, at::Device device) {
  dimp::TrackerParams p = dimp::default_params(arch);
  p.device = device.str();
  p.target_not_found_threshold = -1e9;
  auto clip = std::make_shared<Clip>();
  const auto seq = dimp::data::make_synthetic_sequence({480, 360, 40});
  clip->frames = seq.frames;
  const std::string weights = dimp::benchmarks::seeded_weights("device_benchmark", arch);
  auto mt = std::make_shared<dimp::MultiTracker>(arch, p, weights);
  std::filesystem::remove(weights);
  for (const auto& box : dimp::benchmarks::grid_targets(seq.ground_truth[0], 480, 360, targets)) {
    mt->add_target(clip->frames[0], box);
  }
  return [mt, clip] {
    const auto results = mt->track(clip->next());
    return at::full({1}, results.front().result.box.w);
  };
}

std::vector<Case> cases() {
  return {
      {"DiMP-18 features, 1 patch", [](at::Device d) { return backbone(dimp::DiMPNetConfig::dimp18(), 1, d); }},
      {"DiMP-18 features, 16 patches", [](at::Device d) { return backbone(dimp::DiMPNetConfig::dimp18(), 16, d); }},
      {"DiMP-50 features, 1 patch", [](at::Device d) { return backbone(dimp::DiMPNetConfig::dimp50(), 1, d); }},
      {"DiMP-50 features, 16 patches", [](at::Device d) { return backbone(dimp::DiMPNetConfig::dimp50(), 16, d); }},
      {"SD update, 50 samples, 2 iters", [](at::Device d) { return optimizer(50, 1, 2, false, d); }},
      {"SD update x16 targets batched", [](at::Device d) { return optimizer(50, 16, 2, false, d); }},
      {"SD training step (3x26, 5 iters)", [](at::Device d) { return optimizer(3, 26, 5, true, d); }},
      {"PrRoIPool fwd+bwd (128 boxes)", [](at::Device d) { return prroi(d); }},
      {"DiMP-18 tracking, 1 target", [](at::Device d) { return tracking("dimp18", 1, d); }, 1},
      {"DiMP-50 tracking, 1 target", [](at::Device d) { return tracking("dimp50", 1, d); }, 1},
      {"DiMP-18 tracking, 16 targets", [](at::Device d) { return tracking("dimp18", 16, d); }, 16},
      {"DiMP-50 tracking, 16 targets", [](at::Device d) { return tracking("dimp50", 16, d); }, 16},
  };
}

// cell: a table entry with two decimals, "-" for what was not measured.
std::string cell(double value, const char* unit = "") {
  if (std::isnan(value)) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f%s", value, unit);
  return buf;
}

void usage() {
  std::puts(
      "device_benchmark: milliseconds per call of the heavy parts (network features, steepest-descent\n"
      "updates and training step, PrRoIPool) and of whole trackers (DiMP-18/50, seeded weights, one\n"
      "frame per call, 1 and 16 batched targets) on the CPU and a CUDA device, side by side; then the\n"
      "trackers' target-frames per second.\n\n"
      "  --device cpu|cuda|all   where to run (default all: the CPU, and CUDA when present)\n"
      "  --threads N             LibTorch CPU threads (default: LibTorch's)\n"
      "  --filter TEXT           only the cases whose name contains TEXT\n"
      "  --help                  this text");
}

}  // namespace

int main(int argc, char** argv) {
  std::string which = "all", filter;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      usage();
      return 0;
    } else if (a == "--device" && i + 1 < argc) {
      which = argv[++i];
    } else if (a == "--filter" && i + 1 < argc) {
      filter = argv[++i];
    } else if (a == "--threads" && i + 1 < argc) {
      const int n = std::atoi(argv[++i]);
      if (n < 1 || n > 256) {
        std::fprintf(stderr, "device_benchmark: --threads takes 1..256, got %s\n", argv[i]);
        return 2;
      }
      at::set_num_threads(n);
    } else {
      std::fprintf(stderr, "device_benchmark: unknown or incomplete argument '%s' (see --help)\n", a.c_str());
      return 2;
    }
  }
  if (which != "cpu" && which != "cuda" && which != "all") {
    std::fprintf(stderr, "device_benchmark: --device takes cpu, cuda or all, got '%s'\n", which.c_str());
    return 2;
  }
  const bool cuda = at::hasCUDA() && which != "cpu", cpu = which != "cuda";
  if (which == "cuda" && !at::hasCUDA()) {
    std::fprintf(stderr, "device_benchmark: no CUDA device (or LibTorch without CUDA)\n");
    return 1;
  }
  std::printf("LibTorch %d CPU thread(s); CUDA %s\n", at::get_num_threads(), at::hasCUDA() ? "present" : "absent");
  std::printf("%-34s %10s %10s %9s\n", "ms per call", "CPU", "CUDA", "speed-up");
  try {
    std::vector<std::string> rates;
    for (const Case& c : cases()) {
      if (c.name.find(filter) == std::string::npos) continue;
      const double t_cpu = cpu ? ms_per_call(c.make(at::kCPU)) : NAN;
      const double t_cuda = cuda ? ms_per_call(c.make(at::kCUDA)) : NAN;
      std::printf("%-34s %10s %10s %9s\n", c.name.c_str(), cell(t_cpu).c_str(), cell(t_cuda).c_str(),
                  cell(t_cpu / t_cuda, "x").c_str());
      std::fflush(stdout);
      if (c.targets > 0) {
        char row[160];
        std::snprintf(row, sizeof row, "%-34s %10s %10s", c.name.c_str(), cell(1e3 * c.targets / t_cpu).c_str(),
                      cell(1e3 * c.targets / t_cuda).c_str());
        rates.push_back(row);
      }
    }
    if (!rates.empty()) {
      std::printf("\n%-34s %10s %10s\n", "target-frames per second", "CPU", "CUDA");
      for (const auto& r : rates) std::puts(r.c_str());
      std::puts("(goals on a data-centre GPU: DiMP-50 >= 300 with 1 target, >= 1000 with 16)");
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "device_benchmark: %s\n", e.what());
    return 1;
  }
  return 0;
}
