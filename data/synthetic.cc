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

SyntheticScene::SyntheticScene(const SyntheticOptions& o) : options_(o) {
  if (o.width < 64 || o.height < 64 || o.frames < 2 || o.target_size < 8 ||
      o.target_size * (1 + o.scale_amplitude) * 2 > std::min(o.width, o.height)) {
    throw std::invalid_argument("make_synthetic_sequence: need width, height >= 64, frames >= 2, and a target "
                                "(with its scale change) under half the smaller image side");
  }
  at::Generator gen = at::detail::createCPUGenerator(o.seed);
  std::mt19937_64 rng(o.seed);
  std::uniform_real_distribution<double> u(0, 1);
  background_ = smooth_texture(o.height, o.width, {64, 16, 4}, gen)[0] * 0.8 + 0.1;
  // The target: a high-contrast pattern of coloured blobs; the distractor looks alike.
  target_ = (smooth_texture(32, 32, {16, 4}, gen) - 0.5) * 1.6 + 0.5;
  distractor_ = target_.flip({3}) * 0.9 + 0.05;
  occluder_ = smooth_texture(64, 32, {32, 8}, gen) * 0.6 + 0.2;
  for (double& p : phase_) p = u(rng);
  aspect_ = 0.75 + 0.5 * u(rng);
  if (o.occlusion) {
    occlusion_begin_ = o.frames / 2;
    occlusion_end_ = occlusion_begin_ + std::max(2, o.frames / 25);
  }
}

// Smooth trajectories (sums of sinusoids with random phases) inside the frame.
std::pair<double, double> SyntheticScene::position(int t, bool distractor) const {
  const double margin = options_.target_size * (1 + options_.scale_amplitude);
  const double px = phase_[distractor ? 2 : 0], py = phase_[distractor ? 3 : 1];
  const double s = (distractor ? 0.8 : 1.0) * t / options_.frames;
  const double x = 0.5 + 0.3 * std::sin(2 * M_PI * (s + px)) + 0.1 * std::sin(2 * M_PI * (2.3 * s + py));
  const double y = 0.5 + 0.3 * std::sin(2 * M_PI * (0.8 * s + py)) + 0.1 * std::cos(2 * M_PI * (1.7 * s + px));
  return {margin + x * (options_.width - 2 * margin), margin + y * (options_.height - 2 * margin)};
}

bbox::Box SyntheticScene::box(int t) const {
  const double scale = 1 + options_.scale_amplitude * std::sin(2 * M_PI * t / options_.frames);
  const double tw = options_.target_size * scale * std::sqrt(aspect_), th = options_.target_size * scale / std::sqrt(aspect_);
  auto [cx, cy] = position(t, false);
  return {cx - tw / 2, cy - th / 2, tw, th};
}

at::Tensor SyntheticScene::render(int t) const {
  const bbox::Box b = box(t);
  auto frame = background_.clone();
  if (options_.distractor && t > 0) {
    auto [dx, dy] = position(t, true);
    paste(frame, distractor_, {dx - b.w / 2, dy - b.h / 2, b.w, b.h});
  }
  paste(frame, target_, b);
  if (occluded(t)) paste(frame, occluder_, {b.cx() - 0.8 * b.w, b.cy() - 0.8 * b.h, 1.6 * b.w, 1.6 * b.h});
  at::Generator noise = at::detail::createCPUGenerator(options_.seed * 7919 + static_cast<uint64_t>(t));
  frame += 0.02 * at::randn(frame.sizes(), noise);  // sensor noise
  return (frame.clamp(0, 1) * 255).round().to(at::kByte);
}

SyntheticSequence make_synthetic_sequence(const SyntheticOptions& o) {
  SyntheticScene scene(o);
  SyntheticSequence seq;
  seq.occlusion_begin = scene.occlusion_begin();
  seq.occlusion_end = scene.occlusion_end();
  for (int t = 0; t < o.frames; ++t) {
    seq.frames.push_back(scene.render(t));
    seq.ground_truth.push_back(scene.box(t));
  }
  return seq;
}

}  // namespace dimp::data
