#include "dimp/augmentation.h"

#include <cmath>
#include <stdexcept>

namespace dimp {
namespace {

at::Tensor gaussian_kernel(double sigma, const at::TensorOptions& opts) {
  const int64_t radius = static_cast<int64_t>(std::ceil(2 * sigma));
  auto x = at::arange(-radius, radius + 1, opts);
  auto k = at::exp(-(x * x) / (2 * sigma * sigma));
  return k / k.sum();
}

bbox::BorderMode border_of(const std::string& mode) {
  if (mode == "replicate") return bbox::BorderMode::kReplicate;
  if (mode == "mean") return bbox::BorderMode::kMean;
  if (mode == "zero") return bbox::BorderMode::kZero;
  if (mode == "inside") return bbox::BorderMode::kInside;
  return bbox::BorderMode::kInsideMajor;
}

}  // namespace

at::Tensor crop_shifted(const at::Tensor& patch, int64_t out, int64_t dx, int64_t dy) {
  const int64_t H = patch.size(2), W = patch.size(3);
  const auto opts = at::TensorOptions().dtype(at::kLong).device(patch.device());
  const int64_t x0 = (W - out) / 2 - dx, y0 = (H - out) / 2 - dy;
  auto xs = at::arange(x0, x0 + out, opts).clamp(0, W - 1);
  auto ys = at::arange(y0, y0 + out, opts).clamp(0, H - 1);
  return patch.index_select(3, xs).index_select(2, ys);
}

at::Tensor gaussian_blur(const at::Tensor& patch, double sy, double sx) {
  TORCH_CHECK(sy > 0 && sx > 0, "gaussian_blur: sigmas must be positive");
  const int64_t C = patch.size(1);
  auto ky = gaussian_kernel(sy, patch.options()), kx = gaussian_kernel(sx, patch.options());
  const int64_t ry = (ky.numel() - 1) / 2, rx = (kx.numel() - 1) / 2;
  auto x = at::replication_pad2d(patch, {rx, rx, ry, ry});
  x = at::conv2d(x, ky.view({1, 1, -1, 1}).expand({C, 1, ky.numel(), 1}).contiguous(), {}, at::IntArrayRef{1}, at::IntArrayRef{0}, at::IntArrayRef{1}, C);
  return at::conv2d(x, kx.view({1, 1, 1, -1}).expand({C, 1, 1, kx.numel()}).contiguous(), {}, at::IntArrayRef{1}, at::IntArrayRef{0}, at::IntArrayRef{1}, C);
}

at::Tensor rotate_patch(const at::Tensor& patch, double degrees) {
  const double a = degrees * M_PI / 180.0;
  // Output pixel (normalised) p samples input R(-a)·p: counter-clockwise rotation on screen.
  auto theta = at::tensor({std::cos(a), std::sin(a), 0.0, -std::sin(a), std::cos(a), 0.0}, patch.options())
                   .view({1, 2, 3});
  auto grid = at::affine_grid_generator(theta, patch.sizes(), /*align_corners=*/false);
  return at::grid_sampler(patch, grid, /*bilinear*/ 0, /*border*/ 1, /*align_corners=*/false);
}

AugmentedSamples augment_first_frame(const at::Tensor& image, const bbox::Box& target, double sample_side,
                                     const TrackerParams& p, std::mt19937_64& rng) {
  if (!target.is_valid()) throw std::invalid_argument("augment_first_frame: invalid target box");
  const int64_t S = p.image_sample_size;
  const bool augment = p.use_augmentation;
  // The expanded patch leaves room for shifts and rotations without border effects.
  int64_t E = augment ? static_cast<int64_t>(S * p.augmentation_expansion_factor) : S;
  E += (E - S) % 2;
  bbox::PatchSamplerOptions so;
  so.border = border_of(p.border_mode);
  so.max_scale_change = p.patch_max_scale_change;
  const double expanded_side = sample_side * static_cast<double>(E) / static_cast<double>(S);
  auto big = bbox::sample_patch(image, {target.cx(), target.cy(), expanded_side, expanded_side},
                                {static_cast<int>(E), static_cast<int>(E)}, so);
  // The un-augmented patch's region and the target box in it.
  bbox::PatchRegion region = big.region;
  const double margin_x = (region.x1 - region.x0) * (E - S) / (2.0 * E);
  const double margin_y = (region.y1 - region.y0) * (E - S) / (2.0 * E);
  region.x0 += margin_x;
  region.x1 -= margin_x;
  region.y0 += margin_y;
  region.y1 -= margin_y;
  region.out_w = region.out_h = static_cast<int>(S);
  const bbox::Box box = region.box_to_patch(target);

  std::vector<at::Tensor> patches;
  std::vector<bbox::Box> boxes;
  auto add = [&](const at::Tensor& transformed, int64_t dx, int64_t dy, bool flipped) {
    patches.push_back(crop_shifted(transformed, S, dx, dy));
    bbox::Box b = box;
    if (flipped) b.x = S - b.x - b.w;
    boxes.push_back({b.x + dx, b.y + dy, b.w, b.h});
  };
  std::uniform_real_distribution<double> u(-0.5, 0.5);
  auto random_shift = [&]() -> std::pair<int64_t, int64_t> {
    if (p.random_shift_factor <= 0) return {0, 0};
    return {static_cast<int64_t>(u(rng) * S * p.random_shift_factor), static_cast<int64_t>(u(rng) * S * p.random_shift_factor)};
  };

  add(big.patch, 0, 0, false);
  if (augment) {
    for (const auto& [ry, rx] : p.augment_relative_shift) {
      add(big.patch, static_cast<int64_t>(rx * S / 2), static_cast<int64_t>(ry * S / 2), false);
    }
    if (p.augment_fliplr) {
      auto [dx, dy] = random_shift();
      add(big.patch.flip({3}), dx, dy, true);
    }
    for (const auto& [sy, sx] : p.augment_blur) {
      auto [dx, dy] = random_shift();
      add(gaussian_blur(big.patch, sy, sx), dx, dy, false);
    }
    for (double angle : p.augment_rotate) {
      auto [dx, dy] = random_shift();
      add(rotate_patch(big.patch, angle), dx, dy, false);
    }
  }
  AugmentedSamples out;
  out.patches = at::cat(patches, 0);
  out.boxes = at::empty({static_cast<int64_t>(boxes.size()), 4}, at::kFloat);
  for (size_t i = 0; i < boxes.size(); ++i) {
    out.boxes[i] = at::tensor({boxes[i].x, boxes[i].y, boxes[i].w, boxes[i].h}, at::kFloat);
  }
  out.boxes = out.boxes.to(image.device());
  out.region = region;
  return out;
}

at::Tensor augment_dropout(const at::Tensor& features, int num, double p, std::mt19937_64& rng) {
  TORCH_CHECK(features.dim() == 4 && features.size(0) >= 1, "augment_dropout: features must be (N, C, h, w)");
  TORCH_CHECK(p >= 0 && p < 1, "augment_dropout: probability must be in [0, 1)");
  const int64_t C = features.size(1);
  std::bernoulli_distribution keep(1.0 - p);
  auto masks = at::empty({num, C, 1, 1}, at::kFloat);
  auto* m = masks.data_ptr<float>();
  for (int64_t i = 0; i < num * C; ++i) m[i] = keep(rng) ? static_cast<float>(1.0 / (1.0 - p)) : 0.f;
  return features.narrow(0, 0, 1) * masks.to(features.options());
}

}  // namespace dimp
