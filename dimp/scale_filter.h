// dimp/scale_filter.h — a discriminative scale filter, after DSST (Danelljan et al., "Accurate
// Scale Estimation for Robust Visual Tracking", BMVC 2014), as a box-estimator policy.
//
// The weight-free tracker's classifier finds the centre well but judges size poorly: its
// three-scale search lets the box drift (Crossing's height grows to 1.3x, ball1 shrinks to
// 0.9x). DSST learns a separate 1-D correlation filter over S scaled copies of the target:
// each copy (the box times step^n, n = -(S-1)/2 .. (S-1)/2) resized to one small template and
// described by the same hand-crafted features, the filter trained to answer with a Gaussian
// peaked at n = 0. Closed form in the Fourier domain along the scale axis:
//   numerator   A = Y · conj(X)          (S, d)        Y = FFT of the Gaussian labels
//   denominator B = Σ_d |X|²             (S)           X = FFT over scales of the features
//   response    r = IFFT(Σ_d A · Z / (B + λ)),        its peak the scale change;
// A and B are running averages (learning rate η), updated at every new estimate. The same
// filter over aspect changes (the box's width times step^n, its height divided by it) lets the
// box follow a target that changes shape, which DSST's single scale cannot.
#pragma once

#include <ATen/ATen.h>

#include <optional>

#include "backbones/handcrafted_features.h"
#include "bbox/box.h"
#include "dimp/box_estimator.h"

namespace dimp {

// ScaleFilterOptions: DSST's values (33 scales of 2%, σ = √S/4, η = 0.025, model of at most
// 512 pixels).
struct ScaleFilterOptions {
  bool aspect = false;  // the family of boxes: (w, h)·step^n, or (w·step^n, h/step^n)
  int scales = 33;
  double step = 1.02;
  double sigma_factor = 0.25;
  double learning_rate = 0.025;
  double lambda = 1e-2;
  double max_model_area = 512;
};

class ScaleFilter {
 public:
  explicit ScaleFilter(ScaleFilterOptions options = {}, backbones::HandcraftedFeaturesOptions features = {});
  // initialize: learn from the first frame's target; the model template keeps its aspect.
  void initialize(const at::Tensor& image, const bbox::CenterBox& target);
  // change: the factor that best explains `image` at `target` (new centre, old size); apply
  // it with resized().
  double change(const at::Tensor& image, const bbox::CenterBox& target) const;
  bbox::CenterBox resized(bbox::CenterBox box, double factor) const;
  // update: blend in the appearance of `target` in `image`.
  void update(const at::Tensor& image, const bbox::CenterBox& target);
  const ScaleFilterOptions& options() const { return options_; }

 private:
  at::Tensor spectrum(const at::Tensor& image, const bbox::CenterBox& target) const;  // (S, d) complex
  void learn(const at::Tensor& X, double rate);  // blend X's numerator and denominator in

  ScaleFilterOptions options_;
  backbones::HandcraftedFeatures features_;
  std::vector<double> factors_;
  at::Tensor window_;   // (S, 1) Hann window over the scales
  at::Tensor labels_;   // (S, 1) FFT of the Gaussian labels
  at::Tensor num_, den_;
  int model_w_ = 0, model_h_ = 0;
};

// ScaleFilterSearch: the box-estimator policy: the classifier's centre, the scale filter's
// size, then (if enabled) the aspect filter's shape.
class ScaleFilterSearch {
 public:
  ScaleFilterSearch(ScaleFilterOptions scale, std::optional<ScaleFilterOptions> aspect,
                    backbones::HandcraftedFeaturesOptions features = {});
  void initialize(const BoxInitContext& ctx);
  bbox::CenterBox estimate(const BoxContext& ctx);

 private:
  ScaleFilter scale_;
  std::optional<ScaleFilter> aspect_;
};

}  // namespace dimp
