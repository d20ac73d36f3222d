// losses/kl_loss.h — PrDiMP's classification objective ("Probabilistic Regression for Visual
// Tracking", Danelljan, Van Gool, Timofte, CVPR 2020): the scores s_j = x_j * f of a sample
// read as an unnormalised log density over the score grid, fitted to a label density p_j (a
// Gaussian at the target centre) by the KL divergence,
//
//   L(f) = Σ_j w_j [ log Σ_k exp(s_jk) − Σ_k p_jk s_jk ] + (λ/2)·||f||²
//
// (KL(p_j || softmax(s_j)) up to p_j's entropy, which does not depend on f). Not a residual:
// its optimizer is SteepestDescentNewton (optim/newton_descent.h), which takes the score
// gradient softmax(s) − p and the Hessian's product v ↦ softmax⊙v − softmax·Σ(softmax⊙v).
//
//   KLDivergenceLoss loss({/*sigma=*/1.0});
//   auto maps = loss.maps(centers, 19, 19);   // maps.label: the densities
#pragma once

#include <ATen/ATen.h>

#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "losses/residual.h"

namespace dimp::losses {

// KLDivergenceLossOptions: the label density and the regulariser (pytracking's names).
struct KLDivergenceLossOptions {
  double sigma = 1.0;             // the label Gaussian's σ, in score cells (gauss_sigma)
  double init_filter_reg = 1e-2;  // λ's learnable root (filter_reg)
  double min_filter_reg = 1e-3;   // λ = max(filter_reg², min_filter_reg²)
  double uniform_weight = 0;      // mixes in a uniform density (init_uni_weight)
  bool normalize = false;         // densities summing to exactly 1 on the grid (normalize_label)
  double label_shrink = 0;        // scales the density by 1 − label_shrink
  double label_threshold = 0;     // density values below it set to 0
};

class KLDivergenceLoss {
 public:
  explicit KLDivergenceLoss(KLDivergenceLossOptions options = {});

  // maps: label densities (images, sequences, out_h, out_w) in `label` for targets centred at
  // `centers` ((images, sequences, 2) score-grid (x, y), as every loss takes them).
  ResidualMaps maps(const at::Tensor& centers, int64_t out_h, int64_t out_w) const;
  // sample_losses: log Σ exp(s) − Σ p·s per sample, (images, sequences).
  at::Tensor sample_losses(const at::Tensor& scores, const ResidualMaps& maps) const;
  // score_gradient: d sample_loss / d s = softmax(s) − p, per sample over its grid.
  at::Tensor score_gradient(const at::Tensor& scores, const ResidualMaps& maps) const;
  // hessian_product: the sample loss's Hessian in s (given softmax(s) as `probs`) times v.
  static at::Tensor hessian_product(const at::Tensor& probs, const at::Tensor& v);
  // softmax: over each sample's grid (images, sequences, Ho, Wo).
  static at::Tensor softmax(const at::Tensor& scores);
  // regularization: λ as a 0-dim tensor (differentiable in filter_reg).
  at::Tensor regularization() const;

  void set_requires_grad(bool on) { filter_reg.requires_grad_(on); }
  std::vector<std::pair<std::string, at::Tensor>> parameters() const { return {{"filter_reg", filter_reg}}; }
  const KLDivergenceLossOptions& options() const { return options_; }

  at::Tensor filter_reg;  // (1)

 private:
  KLDivergenceLossOptions options_;
};

// is_density_loss_v: whether L models the KL loss's interface (what SteepestDescentNewton takes).
template <class L, class = void>
struct is_density_loss : std::false_type {};
template <class L>
struct is_density_loss<L, std::void_t<decltype(std::declval<const L&>().score_gradient(
                                          std::declval<const at::Tensor&>(), std::declval<const ResidualMaps&>())),
                                      decltype(std::declval<const L&>().sample_losses(
                                          std::declval<const at::Tensor&>(), std::declval<const ResidualMaps&>())),
                                      decltype(L::hessian_product(std::declval<const at::Tensor&>(),
                                                                  std::declval<const at::Tensor&>())),
                                      decltype(std::declval<const L&>().regularization())>> : std::true_type {};
template <class L>
inline constexpr bool is_density_loss_v = is_density_loss<L>::value;

}  // namespace dimp::losses
