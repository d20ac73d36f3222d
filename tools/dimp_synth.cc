// dimp_synth — write synthetic tracking sequences (the demo's generator) to disk in the OTB
// layout (<dir>/<name>/img/0001.png, groundtruth_rect.txt), e.g. as held-out test sequences.
//
//   dimp_synth --out synthetic_eval --count 10 --seed 5000
#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <opencv2/imgcodecs.hpp>

#include "data/cv/image_io.h"
#include "data/ground_truth.h"
#include "data/synthetic.h"

int main(int argc, char** argv) {
  CLI::App app{"dimp_synth: write synthetic tracking sequences in the OTB layout"};
  std::string out = "synthetic";
  int count = 5, frames = 100, width = 320, height = 240;
  uint64_t seed = 5000;
  double target = 32;
  app.add_option("--out", out, "output folder");
  app.add_option("--count", count, "number of sequences")->check(CLI::PositiveNumber);
  app.add_option("--frames", frames, "frames per sequence");
  app.add_option("--width", width, "frame width");
  app.add_option("--height", height, "frame height");
  app.add_option("--target-size", target, "initial target side in pixels");
  app.add_option("--seed", seed, "seed of the first sequence (the others follow)");
  CLI11_PARSE(app, argc, argv);
  try {
    for (int i = 0; i < count; ++i) {
      dimp::data::SyntheticOptions o;
      o.width = width;
      o.height = height;
      o.frames = frames;
      o.seed = seed + static_cast<uint64_t>(i);
      o.target_size = target;
      const auto seq = dimp::data::make_synthetic_sequence(o);
      char name[32];
      std::snprintf(name, sizeof name, "synthetic_%04d", i);
      const auto dir = std::filesystem::path(out) / name;
      std::filesystem::create_directories(dir / "img");
      for (int t = 0; t < frames; ++t) {
        char file[16];
        std::snprintf(file, sizeof file, "%04d.png", t + 1);
        if (!cv::imwrite((dir / "img" / file).string(), dimp::data::tensor_to_mat(seq.frames[t]))) {
          throw std::runtime_error("cannot write " + (dir / "img" / file).string());
        }
      }
      dimp::data::write_rect_file((dir / "groundtruth_rect.txt").string(), seq.ground_truth, 1.0);
    }
    std::printf("wrote %d sequences of %d frames to %s\n", count, frames, out.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dimp_synth: %s\n", e.what());
    return 1;
  }
  return 0;
}
