// dimp_info — print the version and the runtime's facts, and run a geometry self-check:
// sample a patch from a synthetic coordinate image and verify it maps back to the image.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>

#include "bbox/box.h"
#include "bbox/patch_sampler.h"
#include "dimp/runtime.h"
#include "dimp/version.h"

int main(int argc, char** argv) {
  CLI::App app{"dimp_info: version, runtime facts and a geometry self-check of dimp-cpp"};
  int threads = 0;
  app.add_option("--threads", threads, "LibTorch intra-op threads (0: all cores)")->check(CLI::NonNegativeNumber);
  CLI11_PARSE(app, argc, argv);

  dimp::set_num_threads(threads);
  std::printf("dimp-cpp %s\n", dimp::kVersion);
  std::printf("LibTorch threads: %d\n", at::get_num_threads());

  // BLAS check: a 512^3 GEMM through LibTorch.
  auto a = at::randn({512, 512}), b = at::randn({512, 512});
  at::mm(a, b);
  const auto t0 = std::chrono::steady_clock::now();
  const int reps = 10;
  for (int i = 0; i < reps; ++i) at::mm(a, b);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("GEMM 512^3: %.1f GFLOP/s\n", reps * 2.0 * 512 * 512 * 512 / s / 1e9);

  // Geometry self-check: an image whose values are their own x coordinates.
  auto img = at::arange(640, at::kFloat).view({1, 1, 640}).expand({3, 480, 640}).contiguous();
  const dimp::bbox::Box target{300, 200, 40, 30};
  const double side = std::sqrt(target.w * target.h) * 5;
  auto s1 = dimp::bbox::sample_patch(img, {target.cx(), target.cy(), side, side}, {288, 288});
  const double centre_value = s1.patch[0][0][144].slice(0, 143, 145).mean().item<double>();
  const double expected = s1.region.to_image_x(144.0) - 0.5;
  const bool ok = std::abs(centre_value - expected) < 1e-2;
  std::printf("geometry self-check: patch centre samples x=%.3f, region says %.3f: %s\n",
              centre_value, expected, ok ? "ok" : "MISMATCH");
  return ok ? 0 : 1;
}
