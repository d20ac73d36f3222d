#include "data/synthetic.h"

#include <cmath>
#include <random>
#include <stdexcept>

namespace dimp::data {
namespace {

// Smooth coloured noise: random values upsampled bilinearly from a coarse grid, octaves summed.
at::Tensor smooth_texture(int64_t h, int64_t w, const std::vector<int64_t>& cells, at::Generator& gen) {
  auto tex = at::zeros({1, 3, h, w});
  double amp = 1.0;
  for (int64_t c : cells) {
    auto coarse = at::rand({1, 3, std::max<int64_t>(2, h / c), std::max<int64_t>(2, w / c)}, gen);
    tex += amp * at::upsample_bilinear2d(coarse, {h, w}, false);
    amp *= 0.5;
  }
  tex = (tex - tex.amin({2, 3}, true)) / (tex.amax({2, 3}, true) - tex.amin({2, 3}, true) + 1e-6);
  return tex;  // (1, 3, h, w) in [0, 1]
}

// paste: draw `sprite` (1, 3, sh, sw) resized to box into frame (3, H, W) float.
void paste(at::Tensor& frame, const at::Tensor& sprite, const bbox::Box& box) {
  const int64_t H = frame.size(1), W = frame.size(2);
  const int64_t x0 = std::lround(box.x), y0 = std::lround(box.y);
  const int64_t w = std::max<int64_t>(2, std::lround(box.w)), h = std::max<int64_t>(2, std::lround(box.h));
  auto resized = at::upsample_bilinear2d(sprite, {h, w}, false)[0];
  const int64_t cx0 = std::max<int64_t>(0, x0), cy0 = std::max<int64_t>(0, y0);
  const int64_t cx1 = std::min<int64_t>(W, x0 + w), cy1 = std::min<int64_t>(H, y0 + h);
  if (cx1 <= cx0 || cy1 <= cy0) return;
  frame.slice(1, cy0, cy1).slice(2, cx0, cx1).copy_(resized.slice(1, cy0 - y0, cy1 - y0).slice(2, cx0 - x0, cx1 - x0));
}

}  // namespace

SyntheticSequence make_synthetic_sequence(const SyntheticOptions& o) {
  if (o.width < 64 || o.height < 64 || o.frames < 2 || o.target_size < 8 ||
      o.target_size * (1 + o.scale_amplitude) * 2 > std::min(o.width, o.height)) {
    throw std::invalid_argument("make_synthetic_sequence: need width, height >= 64, frames >= 2, and a target "
                                "(with its scale change) under half the smaller image side");
  }
  at::Generator gen = at::detail::createCPUGenerator(o.seed);
  std::mt19937_64 rng(o.seed);
  std::uniform_real_distribution<double> u(0, 1);
  const int64_t H = o.height, W = o.width;
  auto background = smooth_texture(H, W, {64, 16, 4}, gen)[0] * 0.8 + 0.1;
  // The target: a high-contrast pattern of coloured blobs; the distractor looks alike.
  auto target = smooth_texture(32, 32, {16, 4}, gen);
  target = (target - 0.5) * 1.6 + 0.5;
  auto distractor = (target.flip({3}) * 0.9 + 0.05);
  auto occluder = smooth_texture(64, 32, {32, 8}, gen) * 0.6 + 0.2;

  // Smooth trajectories (sums of sinusoids with random phases) inside the frame.
  const double margin = o.target_size * (1 + o.scale_amplitude);
  auto path = [&](double phase_x, double phase_y, double speed) {
    return [=](int t) {
      const double s = speed * t / o.frames;
      const double x = 0.5 + 0.3 * std::sin(2 * M_PI * (s + phase_x)) + 0.1 * std::sin(2 * M_PI * (2.3 * s + phase_y));
      const double y = 0.5 + 0.3 * std::sin(2 * M_PI * (0.8 * s + phase_y)) + 0.1 * std::cos(2 * M_PI * (1.7 * s + phase_x));
      return std::make_pair(margin + x * (W - 2 * margin), margin + y * (H - 2 * margin));
    };
  };
  auto target_path = path(u(rng), u(rng), 1.0);
  auto distractor_path = path(u(rng), u(rng), 0.8);
  const double aspect = 0.75 + 0.5 * u(rng);

  SyntheticSequence seq;
  if (o.occlusion) {
    seq.occlusion_begin = o.frames / 2;
    seq.occlusion_end = seq.occlusion_begin + std::max(2, o.frames / 25);
  }
  for (int t = 0; t < o.frames; ++t) {
    const double scale = 1 + o.scale_amplitude * std::sin(2 * M_PI * t / o.frames);
    const double tw = o.target_size * scale * std::sqrt(aspect), th = o.target_size * scale / std::sqrt(aspect);
    auto [cx, cy] = target_path(t);
    const bbox::Box box{cx - tw / 2, cy - th / 2, tw, th};
    auto frame = background.clone();
    if (o.distractor && t > 0) {
      auto [dx, dy] = distractor_path(t);
      paste(frame, distractor, {dx - tw / 2, dy - th / 2, tw, th});
    }
    paste(frame, target, box);
    if (t >= seq.occlusion_begin && t < seq.occlusion_end) {
      paste(frame, occluder, {cx - 0.8 * tw, cy - 0.8 * th, 1.6 * tw, 1.6 * th});
    }
    frame += 0.02 * at::randn(frame.sizes(), gen);  // sensor noise
    seq.frames.push_back((frame.clamp(0, 1) * 255).round().to(at::kByte));
    seq.ground_truth.push_back(box);
  }
  return seq;
}

}  // namespace dimp::data
