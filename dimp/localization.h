// dimp/localization.h — from score maps to the target position, with ATOM's advanced
// localization (§3.7): a second peak outside the target's neighbourhood marks a distractor
// ("hard negative": one extra optimizer step), a weak peak means the target is not found.
//
//   Localization loc = dimp::localize_target(scores, previous_peak, target_cells, options);
//   if (loc.status == TargetStatus::kNotFound) { /* keep the old state */ }
#pragma once

#include <ATen/ATen.h>

#include <string>
#include <vector>

namespace dimp {

// TargetStatus: the localization's verdict ("target lost" is a result, not an error).
enum class TargetStatus { kNormal, kUncertain, kHardNegative, kNotFound };
std::string to_string(TargetStatus s);

// LocalizationOptions: thresholds of the advanced localization (TrackerParams' names).
struct LocalizationOptions {
  bool advanced = true;
  double target_not_found_threshold = 0.25;
  double distractor_threshold = 0.8;
  double hard_negative_threshold = 0.5;
  double target_neighborhood_scale = 2.2;
  double displacement_scale = 0.8;
  bool subpixel = false;  // refine the peak with a quadratic fit along each axis
  // The neighbourhood mask's bounds round halves to even (Python's round, as pytracking's
  // tracker) instead of away from zero.
  bool round_half_even = false;
};

// Localization: the chosen scale, the peak in continuous score-map coordinates (x, y), its
// score, and the verdict.
struct Localization {
  int scale_index = 0;
  double peak_x = 0, peak_y = 0;
  double max_score = 0;
  TargetStatus status = TargetStatus::kNormal;
  std::vector<double> scale_scores;  // the maximum score of each sampled scale
};

// parabola_offset: the vertex of the parabola through (−1, left), (0, centre), (1, right),
// clamped to [−0.5, 0.5]; 0 when the samples are not a maximum.
double parabola_offset(double left, double centre, double right);

// TargetPrior: where the target was, (x, y), and its size, (w, h), in one scale's score cells.
struct TargetPrior {
  double x = 0, y = 0, w = 0, h = 0;
};

// localize_target: scores (scales, Ho, Wo) and the target's prior in each scale's own score
// coordinates (one per scale; scales sample different image regions, so the same image
// position lands on different cells). The neighbourhood mask and the distractor distances use
// the prior of the scale whose peak wins.
Localization localize_target(const at::Tensor& scores, const std::vector<TargetPrior>& priors,
                             const LocalizationOptions& options);
// localize_target: one prior for every scale (single-scale scores).
Localization localize_target(const at::Tensor& scores, double prev_x, double prev_y, double target_w,
                             double target_h, const LocalizationOptions& options);

// cosine_window: the (h, w) Hann window the reference multiplies scores with (window_output).
at::Tensor cosine_window(int64_t h, int64_t w, const at::TensorOptions& options);

}  // namespace dimp
