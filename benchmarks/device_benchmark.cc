// device_benchmark — the heavy parts of tracking and training timed on the CPU and on a CUDA
// device side by side (milliseconds per call; one table). scripts/gpu_check.sh runs it; it
// needs only the core library (no OpenCV, no Google Benchmark), so it builds wherever
// LibTorch does.
//
//   device_benchmark                  # CPU, and CUDA when a device is present
//   device_benchmark --device cuda --threads 16
#include <ATen/Parallel.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "bbox/prroi_pool.h"
#include "dimp/dimp_net.h"
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
      "updates and training step, PrRoIPool) on the CPU and a CUDA device, side by side.\n\n"
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
    for (const Case& c : cases()) {
      if (c.name.find(filter) == std::string::npos) continue;
      const double t_cpu = cpu ? ms_per_call(c.make(at::kCPU)) : NAN;
      const double t_cuda = cuda ? ms_per_call(c.make(at::kCUDA)) : NAN;
      std::printf("%-34s %10s %10s %9s\n", c.name.c_str(), cell(t_cpu).c_str(), cell(t_cuda).c_str(),
                  cell(t_cpu / t_cuda, "x").c_str());
      std::fflush(stdout);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "device_benchmark: %s\n", e.what());
    return 1;
  }
  return 0;
}
