#include "bbox/jitter.h"

#include <cmath>
#include <stdexcept>
#include <string>

namespace dimp::bbox {

Box jitter_box(const Box& box, const JitterOptions& options, std::mt19937_64& rng) {
  if (!box.is_valid()) throw std::invalid_argument("jitter_box: invalid box (need w > 0, h > 0)");
  std::normal_distribution<double> normal(0.0, 1.0);
  std::uniform_real_distribution<double> uniform(-0.5, 0.5);
  const double w = box.w * std::exp(normal(rng) * options.scale_factor);
  const double h = box.h * std::exp(normal(rng) * options.scale_factor);
  const double max_offset = std::sqrt(w * h) * options.center_factor;
  const double cx = box.cx() + max_offset * uniform(rng);
  const double cy = box.cy() + max_offset * uniform(rng);
  return from_center({cx, cy, w, h});
}

PerturbedBox perturb_box(const Box& box, double min_iou, double sigma_factor, std::mt19937_64& rng,
                         int max_tries) {
  if (!box.is_valid()) throw std::invalid_argument("perturb_box: invalid box (need w > 0, h > 0)");
  if (max_tries < 1) throw std::invalid_argument("perturb_box: max_tries must be >= 1");
  std::uniform_real_distribution<double> shrink(0.15, 0.5);
  double sigma = std::sqrt(box.w * box.h) * sigma_factor;
  PerturbedBox out;
  for (int i = 0; i < max_tries; ++i) {
    std::normal_distribution<double> n(0.0, sigma);
    double w = box.w + n(rng), h = box.h + n(rng);
    // A draw that collapses a side is replaced by a small fraction of the original side.
    if (w <= 1) w = box.w * shrink(rng);
    if (h <= 1) h = box.h * shrink(rng);
    out.box = from_center({box.cx() + n(rng), box.cy() + n(rng), w, h});
    out.iou = iou(box, out.box);
    if (out.iou > min_iou) return out;
    sigma *= 0.9;
  }
  return out;
}

}  // namespace dimp::bbox
