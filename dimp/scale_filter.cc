#include "dimp/scale_filter.h"

#include <ATen/ops/fft_fft.h>
#include <ATen/ops/fft_ifft.h>

#include <cmath>
#include <stdexcept>

#include "bbox/patch_sampler.h"
#include "dimp/localization.h"

namespace dimp {
namespace {
constexpr double kOversample = 2;  // the shared crop's resolution, in template pixels
}  // namespace

ScaleFilter::ScaleFilter(ScaleFilterOptions o, backbones::HandcraftedFeaturesOptions f) : options_(o), features_(f) {
  if (o.scales < 3 || o.step <= 1 || o.learning_rate <= 0 || o.learning_rate > 1 || o.lambda <= 0) {
    throw std::invalid_argument("ScaleFilter: needs >= 3 scales, step > 1, 0 < learning_rate <= 1, lambda > 0");
  }
  const int S = o.scales;
  const double centre = (S - 1) / 2.0, sigma = o.sigma_factor * std::sqrt(static_cast<double>(S));
  auto n = at::arange(S, at::kDouble) - centre;
  for (int i = 0; i < S; ++i) factors_.push_back(std::pow(o.step, i - centre));
  // Labels peaked at scale index 0 after a circular shift, so that the response's index k
  // means a change of step^k (k taken modulo S into [-S/2, S/2]).
  auto g = at::exp(-0.5 * (n * n) / (sigma * sigma));
  labels_ = at::fft_fft(at::roll(g, {-static_cast<int64_t>(centre)})).unsqueeze(1);
  window_ = (0.5 - 0.5 * at::cos(2 * M_PI * (at::arange(S, at::kDouble) + 1) / (S + 1))).unsqueeze(1);
}

at::Tensor ScaleFilter::spectrum(const at::Tensor& image, const bbox::CenterBox& target) const {
  // One crop of the family's bounding box at the template's resolution, then each box
  // bilinearly from it: S crops of the full image would cost S times a large target's area.
  const double s_max = factors_.back();
  const bbox::CenterBox outer{target.cx, target.cy, target.w * s_max, target.h * (options_.aspect ? 1 / factors_.front() : s_max)};
  const int outer_w = static_cast<int>(std::ceil(kOversample * outer.w * model_w_ / target.w)) + 2;
  const int outer_h = static_cast<int>(std::ceil(kOversample * outer.h * model_h_ / target.h)) + 2;
  const auto crop = bbox::sample_patch(image, {outer.cx, outer.cy, outer.w * outer_w / (outer_w - 2.0),
                                               outer.h * outer_h / (outer_h - 2.0)}, {outer_w, outer_h});
  const auto& r = crop.region;
  const int S = options_.scales;
  auto grid = at::empty({S, model_h_, model_w_, 2}, at::kFloat);
  auto g = grid.accessor<float, 4>();
  for (int n = 0; n < S; ++n) {
    const bbox::CenterBox b = resized(target, factors_[n]);
    // Template pixel centres in the crop's normalised coordinates (align_corners = false).
    for (int i = 0; i < model_h_; ++i) {
      const double iy = b.cy - b.h / 2 + (i + 0.5) * b.h / model_h_;
      const float gy = static_cast<float>(2 * r.to_patch_y(iy) / outer_h - 1);
      for (int j = 0; j < model_w_; ++j) {
        const double ix = b.cx - b.w / 2 + (j + 0.5) * b.w / model_w_;
        g[n][i][j][0] = static_cast<float>(2 * r.to_patch_x(ix) / outer_w - 1);
        g[n][i][j][1] = gy;
      }
    }
  }
  const auto patches = at::grid_sampler(crop.patch.to(at::kFloat).expand({S, -1, -1, -1}), grid, /*bilinear*/ 0,
                                        /*border*/ 1, /*align_corners=*/false);
  auto x = features_.extract(patches).classification;  // (S, C, h, w)
  x = x.reshape({x.size(0), -1}).to(at::kDouble) * window_;
  return at::fft_fft(x, c10::nullopt, 0);
}

void ScaleFilter::initialize(const at::Tensor& image, const bbox::CenterBox& target) {
  // The template: the target's aspect at no more than max_model_area pixels, at least two
  // feature cells per side.
  const double area = target.w * target.h, shrink = area > options_.max_model_area ? std::sqrt(options_.max_model_area / area) : 1.0;
  const int cell = static_cast<int>(features_.stride());
  model_w_ = std::max(2 * cell, static_cast<int>(std::floor(target.w * shrink / cell)) * cell);
  model_h_ = std::max(2 * cell, static_cast<int>(std::floor(target.h * shrink / cell)) * cell);
  num_ = den_ = at::Tensor();
  learn(spectrum(image, target), 1.0);
}

void ScaleFilter::learn(const at::Tensor& X, double rate) {
  const auto num = labels_ * X.conj(), den = at::real(X * X.conj()).sum(1, /*keepdim=*/true);
  num_ = num_.defined() ? (1 - rate) * num_ + rate * num : num;
  den_ = den_.defined() ? (1 - rate) * den_ + rate * den : den;
}

bbox::CenterBox ScaleFilter::resized(bbox::CenterBox box, double factor) const {
  box.w *= factor;
  box.h = options_.aspect ? box.h / factor : box.h * factor;
  return box;
}

double ScaleFilter::change(const at::Tensor& image, const bbox::CenterBox& target) const {
  TORCH_CHECK(num_.defined(), "ScaleFilter: change() before initialize()");
  const auto Z = spectrum(image, target);
  const auto response = at::real(at::fft_ifft((num_ * Z).sum(1) / (den_.squeeze(1) + options_.lambda)));
  const auto r = response.contiguous();
  const double* v = r.data_ptr<double>();
  const int S = options_.scales;
  int best = 0;
  for (int i = 1; i < S; ++i) {
    if (v[i] > v[best]) best = i;
  }
  // Sub-step peak: a parabola through the neighbours (circularly).
  double k = best + parabola_offset(v[(best + S - 1) % S], v[best], v[(best + 1) % S]);
  if (k > S / 2.0) k -= S;
  return std::pow(options_.step, k);
}

void ScaleFilter::update(const at::Tensor& image, const bbox::CenterBox& target) {
  TORCH_CHECK(num_.defined(), "ScaleFilter: update() before initialize()");
  learn(spectrum(image, target), options_.learning_rate);
}

ScaleFilterSearch::ScaleFilterSearch(ScaleFilterOptions scale, std::optional<ScaleFilterOptions> aspect,
                                     backbones::HandcraftedFeaturesOptions features)
    : scale_(scale, features) {
  if (aspect) aspect_.emplace(*aspect, features);
}

void ScaleFilterSearch::initialize(const BoxInitContext& ctx) {
  scale_.initialize(ctx.image, ctx.target);
  if (aspect_) aspect_->initialize(ctx.image, ctx.target);
}

bbox::CenterBox ScaleFilterSearch::estimate(const BoxContext& ctx) {
  bbox::CenterBox b = scale_.resized(ctx.classifier_estimate, scale_.change(ctx.image, ctx.classifier_estimate));
  if (aspect_) {
    // Shape changes compound frame after frame: keep the aspect ratio within the limit the
    // DiMP variants' box estimator applies (maximal_aspect_ratio).
    const bbox::CenterBox shaped = aspect_->resized(b, aspect_->change(ctx.image, b));
    const double ratio = shaped.w / shaped.h, limit = ctx.params.maximal_aspect_ratio;
    if (ratio < limit && ratio > 1 / limit) b = shaped;
  }
  scale_.update(ctx.image, b);
  if (aspect_) aspect_->update(ctx.image, b);
  return b;
}

}  // namespace dimp
