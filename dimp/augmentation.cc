#include "dimp/augmentation.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

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

at::Tensor gaussian_blur(const at::Tensor& patch, double sy, double sx, BlurBorder border) {
  TORCH_CHECK(sy > 0 && sx > 0, "gaussian_blur: sigmas must be positive");
  const int64_t C = patch.size(1);
  auto ky = gaussian_kernel(sy, patch.options()), kx = gaussian_kernel(sx, patch.options());
  const int64_t ry = (ky.numel() - 1) / 2, rx = (kx.numel() - 1) / 2;
  const bool zero = border == BlurBorder::kZero;
  auto x = zero ? patch : at::replication_pad2d(patch, {rx, rx, ry, ry});
  x = at::conv2d(x, ky.view({1, 1, -1, 1}).expand({C, 1, ky.numel(), 1}).contiguous(), {}, at::IntArrayRef{1},
                 at::IntArrayRef{zero ? ry : 0, 0}, at::IntArrayRef{1}, C);
  return at::conv2d(x, kx.view({1, 1, 1, -1}).expand({C, 1, 1, kx.numel()}).contiguous(), {}, at::IntArrayRef{1},
                    at::IntArrayRef{0, zero ? rx : 0}, at::IntArrayRef{1}, C);
}

at::Tensor rotate_patch(const at::Tensor& patch, double degrees) {
  const double a = degrees * M_PI / 180.0;
  // Output pixel (normalised) p samples input R(-a)·p: clockwise on screen (y points down).
  auto theta = at::tensor({std::cos(a), std::sin(a), 0.0, -std::sin(a), std::cos(a), 0.0}, patch.options())
                   .view({1, 2, 3});
  auto grid = at::affine_grid_generator(theta, patch.sizes(), /*align_corners=*/false);
  return at::grid_sampler(patch, grid, /*bilinear*/ 0, /*border*/ 1, /*align_corners=*/false);
}

at::Tensor rotate_patch_opencv(const at::Tensor& patch_in, double degrees) {
  TORCH_CHECK(patch_in.dim() == 4 && patch_in.size(0) == 1, "rotate_patch_opencv: expected (1, C, H, W), got ",
              patch_in.sizes());
  const auto patch = patch_in.to(at::kCPU, at::kFloat).contiguous();
  const int64_t C = patch.size(1), H = patch.size(2), W = patch.size(3);
  // The forward map [R, c - R c] (c = ((H - 1) / 2, (W - 1) / 2), rows' centre first, as
  // pytracking builds it), inverted as cv::warpAffine inverts it, in double.
  const double a = M_PI * degrees / 180.0, cs = std::cos(a), sn = std::sin(a);
  const double c0 = (static_cast<double>(H) - 1) / 2, c1 = (static_cast<double>(W) - 1) / 2;
  double m[6] = {cs, sn, c0 - (cs * c0 + sn * c1), -sn, cs, c1 - (-sn * c0 + cs * c1)};
  double d = m[0] * m[4] - m[1] * m[3];
  d = d != 0 ? 1. / d : 0;
  const double a11 = m[4] * d, a22 = m[0] * d;
  m[0] = a11;
  m[1] *= -d;
  m[3] *= -d;
  m[4] = a22;
  const double b1 = -m[0] * m[2] - m[1] * m[5], b2 = -m[3] * m[2] - m[4] * m[5];
  m[2] = b1;
  m[5] = b2;
  // Source positions in fixed point: 10 fractional bits, rounded (to even) at each step as
  // OpenCV's cvRound does, then 5 bits (1/32 pixel) for the interpolation weights.
  constexpr int kAbBits = 10, kInterBits = 5, kTab = 1 << kInterBits;
  constexpr double kAbScale = 1 << kAbBits;
  constexpr int kRoundDelta = (1 << kAbBits) / kTab / 2;
  auto round_even = [](double v) { return static_cast<int>(std::nearbyint(v)); };
  std::vector<int> adelta(static_cast<size_t>(W)), bdelta(static_cast<size_t>(W));
  for (int64_t x = 0; x < W; ++x) {
    adelta[static_cast<size_t>(x)] = round_even(m[0] * static_cast<double>(x) * kAbScale);
    bdelta[static_cast<size_t>(x)] = round_even(m[3] * static_cast<double>(x) * kAbScale);
  }
  auto out = at::empty({1, C, H, W}, patch.options());
  const float* src = patch.data_ptr<float>();
  float* dst = out.data_ptr<float>();
  const int64_t plane = H * W;
  auto clampi = [](int64_t v, int64_t hi) { return std::min<int64_t>(std::max<int64_t>(v, 0), hi); };
  for (int64_t y = 0; y < H; ++y) {
    const int x0 = round_even((m[1] * static_cast<double>(y) + m[2]) * kAbScale) + kRoundDelta;
    const int y0 = round_even((m[4] * static_cast<double>(y) + m[5]) * kAbScale) + kRoundDelta;
    for (int64_t x = 0; x < W; ++x) {
      const int X = (x0 + adelta[static_cast<size_t>(x)]) >> (kAbBits - kInterBits);
      const int Y = (y0 + bdelta[static_cast<size_t>(x)]) >> (kAbBits - kInterBits);
      const int64_t sx = X >> kInterBits, sy = Y >> kInterBits;
      const float fx = static_cast<float>(X & (kTab - 1)) * (1.f / kTab);
      const float fy = static_cast<float>(Y & (kTab - 1)) * (1.f / kTab);
      // OpenCV's float table: products of the per-axis weights, each exact at 1/32 steps.
      const float w0 = (1.f - fy) * (1.f - fx), w1 = (1.f - fy) * fx, w2 = fy * (1.f - fx), w3 = fy * fx;
      const int64_t xa = clampi(sx, W - 1), xb = clampi(sx + 1, W - 1);
      const int64_t ya = clampi(sy, H - 1), yb = clampi(sy + 1, H - 1);
      for (int64_t c = 0; c < C; ++c) {
        const float* s0 = src + c * plane;
        // Left to right, as OpenCV sums them: ((v0 w0 + v1 w1) + v2 w2) + v3 w3.
        float v = s0[ya * W + xa] * w0;
        v = v + s0[ya * W + xb] * w1;
        v = v + s0[yb * W + xa] * w2;
        v = v + s0[yb * W + xb] * w3;
        dst[c * plane + y * W + x] = v;
      }
    }
  }
  return out.to(patch_in.device());
}

AugmentedSamples augment_first_frame(const at::Tensor& image, const bbox::Box& target, double sample_side,
                                     const TrackerParams& p, std::mt19937_64& rng) {
  if (!target.is_valid()) throw std::invalid_argument("augment_first_frame: invalid target box");
  const int64_t S = p.image_sample_size;
  const bool augment = p.use_augmentation;
  const bool pytracking = p.pytracking_geometry();
  // The expanded patch leaves room for shifts and rotations without border effects.
  int64_t E = augment ? static_cast<int64_t>(S * p.augmentation_expansion_factor) : S;
  E += (E - S) % 2;
  bbox::PatchSamplerOptions so;
  so.border = border_of(p.border_mode);
  so.max_scale_change = p.patch_max_scale_change;
  bbox::PatchRegion region;
  bbox::SampledPatch big;
  double global_x = 0, global_y = 0;  // pytracking's global shift (border_mode inside), patch pixels
  if (pytracking) {
    // pytracking samples around its position rounded (halves to even), in its pixel-centre
    // coordinates (our centre - 0.5), always with a replicated border, and places the boxes in
    // the nominal patch: centred on that point, sample_side wide.
    const double px = target.cx() - 0.5, py = target.cy() - 0.5;
    const double rx = std::nearbyint(px) + 0.5, ry = std::nearbyint(py) + 0.5;
    double side = sample_side;
    if (p.border_mode == "inside") {
      // Its inside mode shrinks the first frame's scale to fit the image, and shifts every
      // sample by how far the shrunk region, at the unrounded position, leaves the image.
      const double W = static_cast<double>(image.size(-1)), H = static_cast<double>(image.size(-2));
      const double shrink = std::clamp(std::max(side / W, side / H), 1.0, p.patch_max_scale_change);
      side /= shrink;
      const double scale = side / static_cast<double>(S);
      auto shift = [&](double pos, double size) {
        const double tl = pos - (side - 1) / 2, br = pos + side / 2 + 1;
        return -(std::max(-tl, 0.0) - std::max(br - size, 0.0)) / scale;
      };
      global_x = shift(px, W);
      global_y = shift(py, H);
    }
    so.border = bbox::BorderMode::kReplicate;
    so.crop = bbox::CropRule::kPytracking;
    const double expanded_side = side * static_cast<double>(E) / static_cast<double>(S);
    big = bbox::sample_patch(image, {rx, ry, expanded_side, expanded_side}, {static_cast<int>(E), static_cast<int>(E)},
                             so);
    region = {rx - side / 2, ry - side / 2, rx + side / 2, ry + side / 2, static_cast<int>(S), static_cast<int>(S)};
  } else {
    const double expanded_side = sample_side * static_cast<double>(E) / static_cast<double>(S);
    big = bbox::sample_patch(image, {target.cx(), target.cy(), expanded_side, expanded_side},
                             {static_cast<int>(E), static_cast<int>(E)}, so);
    // The un-augmented patch's region and the target box in it.
    region = big.region;
    const double margin_x = (region.x1 - region.x0) * (E - S) / (2.0 * E);
    const double margin_y = (region.y1 - region.y0) * (E - S) / (2.0 * E);
    region.x0 += margin_x;
    region.x1 -= margin_x;
    region.y0 += margin_y;
    region.y1 -= margin_y;
    region.out_w = region.out_h = static_cast<int>(S);
  }
  const bbox::Box box = region.box_to_patch(target);

  std::vector<at::Tensor> patches;
  std::vector<bbox::Box> boxes;
  auto add = [&](const at::Tensor& transformed, int64_t dx, int64_t dy, bool flipped) {
    patches.push_back(crop_shifted(transformed, S, dx, dy));
    bbox::Box b = box;
    if (flipped && !pytracking) b.x = S - b.x - b.w;  // pytracking keeps the unflipped box
    boxes.push_back({b.x + dx, b.y + dy, b.w, b.h});
  };
  std::uniform_real_distribution<double> u(-0.5, 0.5);
  // Shifts truncate toward zero; pytracking adds its global shift before truncating, and only
  // to the random shifts it draws (none when random_shift_factor is 0).
  auto random_shift = [&]() -> std::pair<int64_t, int64_t> {
    if (p.random_shift_factor <= 0) return {0, 0};
    const double f = static_cast<double>(S) * p.random_shift_factor;
    if (pytracking) {
      const double dy = u(rng) * f + global_y;  // pytracking draws (y, x)
      return {static_cast<int64_t>(u(rng) * f + global_x), static_cast<int64_t>(dy)};
    }
    return {static_cast<int64_t>(u(rng) * f), static_cast<int64_t>(u(rng) * f)};
  };
  const auto gx = static_cast<int64_t>(global_x), gy = static_cast<int64_t>(global_y);
  const BlurBorder blur_border = pytracking ? BlurBorder::kZero : BlurBorder::kReplicate;

  add(big.patch, gx, gy, false);
  if (augment) {
    for (const auto& [ry, rx] : p.augment_relative_shift) {
      add(big.patch, gx + static_cast<int64_t>(rx * S / 2), gy + static_cast<int64_t>(ry * S / 2), false);
    }
    if (p.augment_fliplr) {
      auto [dx, dy] = random_shift();
      add(big.patch.flip({3}), dx, dy, true);
    }
    for (const auto& [sy, sx] : p.augment_blur) {
      auto [dx, dy] = random_shift();
      add(gaussian_blur(big.patch, sy, sx, blur_border), dx, dy, false);
    }
    for (double angle : p.augment_rotate) {
      auto [dx, dy] = random_shift();
      add(pytracking ? rotate_patch_opencv(big.patch, angle) : rotate_patch(big.patch, angle), dx, dy, false);
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
