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

namespace {

double gauss(double x, double sigma) {
  constexpr double kInvSqrt2Pi = 0.3989422804014327;
  return kInvSqrt2Pi / sigma * std::exp(-0.5 * (x / sigma) * (x / sigma));
}

double product_density(const std::vector<double>& y, RelativeSigma s) {
  return gauss(y[0], s.center) * gauss(y[1], s.center) * gauss(y[2], s.size) * gauss(y[3], s.size);
}

void check_sigma(RelativeSigma s, const char* what) {
  if (!(s.center > 0) || !(s.size > 0) || !std::isfinite(s.center) || !std::isfinite(s.size)) {
    throw std::invalid_argument(std::string("sample_box_gmm: ") + what + " std. devs must be finite and > 0");
  }
}

}  // namespace

std::vector<double> relative_offset(const Box& mean, const Box& box) {
  return {(box.cx() - mean.cx()) / mean.w, (box.cy() - mean.cy()) / mean.h, std::log(box.w / mean.w),
          std::log(box.h / mean.h)};
}

double box_gmm_density(const std::vector<double>& offset, const std::vector<RelativeSigma>& components) {
  if (offset.size() != 4) throw std::invalid_argument("box_gmm_density: the offset has 4 coordinates");
  if (components.empty()) throw std::invalid_argument("box_gmm_density: no mixture components");
  double q = 0;
  for (const auto& c : components) q += product_density(offset, c);
  return q / static_cast<double>(components.size());
}

MixtureProposal sample_box_gmm(const Box& mean, const std::vector<RelativeSigma>& components,
                               RelativeSigma gt_sigma, std::mt19937_64& rng) {
  if (!mean.is_valid()) throw std::invalid_argument("sample_box_gmm: invalid mean box (need w > 0, h > 0)");
  if (components.empty()) throw std::invalid_argument("sample_box_gmm: no mixture components");
  for (const auto& c : components) check_sigma(c, "component");
  check_sigma(gt_sigma, "ground-truth");
  std::uniform_int_distribution<size_t> pick(0, components.size() - 1);
  std::normal_distribution<double> normal(0.0, 1.0);
  const RelativeSigma& c = components[pick(rng)];
  const std::vector<double> y{c.center * normal(rng), c.center * normal(rng), c.size * normal(rng), c.size * normal(rng)};
  MixtureProposal out;
  out.box = from_center({mean.cx() + y[0] * mean.w, mean.cy() + y[1] * mean.h, mean.w * std::exp(y[2]),
                         mean.h * std::exp(y[3])});
  out.proposal_density = box_gmm_density(y, components);
  out.gt_density = product_density(y, gt_sigma);
  return out;
}

}  // namespace dimp::bbox
