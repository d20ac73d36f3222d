#include "dimp/localization.h"

#include <algorithm>
#include <cmath>

namespace dimp {
namespace {

struct Peak {
  double value;
  int64_t y, x;
};

Peak max2d(const at::Tensor& map) {  // map (H, W) contiguous float CPU
  const int64_t W = map.size(1);
  auto flat = map.reshape(-1);
  const int64_t idx = flat.argmax().item<int64_t>();
  return {flat[idx].item<double>(), idx / W, idx % W};
}

}  // namespace

double parabola_offset(double left, double centre, double right) {
  const double denom = left - 2 * centre + right;
  if (!(denom < 0)) return 0.0;
  return std::clamp(0.5 * (left - right) / denom, -0.5, 0.5);
}

std::string to_string(TargetStatus s) {
  switch (s) {
    case TargetStatus::kNormal: return "normal";
    case TargetStatus::kUncertain: return "uncertain";
    case TargetStatus::kHardNegative: return "hard_negative";
    case TargetStatus::kNotFound: return "not_found";
  }
  return "unknown";
}

Localization localize_target(const at::Tensor& scores_in, double prev_x, double prev_y, double target_w,
                             double target_h, const LocalizationOptions& o) {
  TORCH_CHECK(scores_in.dim() == 3, "localize_target: scores must be (scales, Ho, Wo), got ", scores_in.sizes());
  return localize_target(scores_in, std::vector<TargetPrior>(scores_in.size(0), {prev_x, prev_y, target_w, target_h}),
                         o);
}

Localization localize_target(const at::Tensor& scores_in, const std::vector<TargetPrior>& priors,
                             const LocalizationOptions& o) {
  TORCH_CHECK(scores_in.dim() == 3, "localize_target: scores must be (scales, Ho, Wo), got ", scores_in.sizes());
  TORCH_CHECK(static_cast<int64_t>(priors.size()) == scores_in.size(0), "localize_target: ", priors.size(),
              " target priors for ", scores_in.size(0), " scales");
  auto scores = scores_in.detach().to(at::kCPU, at::kFloat).contiguous();
  const int64_t S = scores.size(0), H = scores.size(1), W = scores.size(2);

  Localization loc;
  double best = -INFINITY;
  Peak p1{0, 0, 0};
  for (int64_t s = 0; s < S; ++s) {
    Peak p = max2d(scores[s]);
    loc.scale_scores.push_back(p.value);
    if (p.value > best) best = p.value, p1 = p, loc.scale_index = static_cast<int>(s);
  }
  loc.max_score = p1.value;
  loc.peak_x = static_cast<double>(p1.x);
  loc.peak_y = static_cast<double>(p1.y);
  auto map = scores[loc.scale_index];
  if (o.subpixel) {
    auto at2 = [&](int64_t y, int64_t x) { return map[y][x].item<double>(); };
    if (p1.x > 0 && p1.x < W - 1) loc.peak_x += parabola_offset(at2(p1.y, p1.x - 1), p1.value, at2(p1.y, p1.x + 1));
    if (p1.y > 0 && p1.y < H - 1) loc.peak_y += parabola_offset(at2(p1.y - 1, p1.x), p1.value, at2(p1.y + 1, p1.x));
  }
  if (!o.advanced) return loc;
  if (p1.value < o.target_not_found_threshold) {
    loc.status = TargetStatus::kNotFound;
    return loc;
  }
  // Mask the target's neighbourhood and look for a second peak (in the winning scale's cells).
  const TargetPrior& prior = priors[static_cast<size_t>(loc.scale_index)];
  const double prev_x = prior.x, prev_y = prior.y;
  const double nh = o.target_neighborhood_scale * prior.h, nw = o.target_neighborhood_scale * prior.w;
  auto round = [&](double v) { return static_cast<int64_t>(o.round_half_even ? std::nearbyint(v) : std::round(v)); };
  const int64_t top = std::max<int64_t>(round(p1.y - nh / 2), 0);
  const int64_t bottom = std::min<int64_t>(round(p1.y + nh / 2 + 1), H);
  const int64_t left = std::max<int64_t>(round(p1.x - nw / 2), 0);
  const int64_t right = std::min<int64_t>(round(p1.x + nw / 2 + 1), W);
  auto masked = map.clone();
  if (bottom > top && right > left) masked.slice(0, top, bottom).slice(1, left, right).zero_();
  const Peak p2 = max2d(masked);

  if (p2.value > o.distractor_threshold * p1.value) {
    const double d1 = std::hypot(p1.y - prev_y, p1.x - prev_x);
    const double d2 = std::hypot(p2.y - prev_y, p2.x - prev_x);
    const double threshold = o.displacement_scale * std::sqrt(static_cast<double>(H * W)) / 2;
    if (d2 > threshold && d1 < threshold) {
      loc.status = TargetStatus::kHardNegative;
    } else if (d2 < threshold && d1 > threshold) {
      // The second peak is where the target was: take it.
      loc.peak_x = static_cast<double>(p2.x);
      loc.peak_y = static_cast<double>(p2.y);
      loc.max_score = p2.value;
      loc.status = TargetStatus::kHardNegative;
    } else {
      loc.status = TargetStatus::kUncertain;
    }
    return loc;
  }
  if (p2.value > o.hard_negative_threshold * p1.value && p2.value > o.target_not_found_threshold) {
    loc.status = TargetStatus::kHardNegative;
  }
  return loc;
}

at::Tensor cosine_window(int64_t h, int64_t w, const at::TensorOptions& options) {
  auto hann = [&](int64_t n) {
    auto i = at::arange(n, options.dtype(at::kDouble));
    return (0.5 - 0.5 * at::cos(2 * M_PI * (i + 1) / (n + 1))).to(options);
  };
  return hann(h).view({h, 1}) * hann(w).view({1, w});
}

}  // namespace dimp
