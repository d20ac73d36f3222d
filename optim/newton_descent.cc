#include "optim/newton_descent.h"

#include <cmath>

#include "optim/objective.h"

namespace dimp::optim {

template <class Loss_>
SteepestDescentNewton<Loss_>::SteepestDescentNewton(Loss_ loss, NewtonDescentOptions options)
    : loss_(std::move(loss)), options_(options) {
  TORCH_CHECK(options.num_iter >= 0, "SteepestDescentNewton: num_iter must be >= 0, got ", options.num_iter);
  TORCH_CHECK(options.init_step_length > 0, "SteepestDescentNewton: init_step_length must be positive");
  log_step_length = at::full({1}, std::log(options.init_step_length), at::kFloat);
}

template <class Loss_>
OptimizerResult SteepestDescentNewton<Loss_>::run(const at::Tensor& filter0, const TrainingSet& set,
                                                 int num_iter) const {
  if (num_iter < 0) num_iter = options_.num_iter;
  TORCH_CHECK(filter0.defined() && filter0.dim() == 4, "SteepestDescentNewton: filter must be (sequences, C, kh, kw)");
  TORCH_CHECK(set.maps.label.defined(), "SteepestDescentNewton: the training set has no label densities");
  const at::Tensor feat = set.features.dim() == 5 ? fuse_feature_gradients(set.features) : set.features;
  const auto& opts = set.features.options();
  const std::pair<int64_t, int64_t> ksize{filter0.size(2), filter0.size(3)};
  const at::Tensor gamma = log_step_length.to(opts).exp();
  const at::Tensor reg = loss_.regularization().to(opts);
  const at::Tensor w = sample_weights(set, /*square_root=*/false);  // (N, S, 1, 1): not a residual loss
  const int64_t S = filter0.size(0);
  auto objective = [&](const at::Tensor& scores, const at::Tensor& f) {
    const at::Tensor per_sample = loss_.sample_losses(scores, set.maps);  // (N, S)
    return ((w.flatten(1) * per_sample).sum() + 0.5 * reg * (f * f).sum()) / static_cast<double>(S);
  };

  OptimizerResult out;
  at::Tensor f = filter0;
  out.iterates.push_back(f);
  for (int i = 0; i < num_iter; ++i) {
    const at::Tensor s = apply_filter(feat, f, options_.backend);
    if (options_.compute_losses) out.losses.push_back(objective(s, f));
    const at::Tensor probs = Loss_::softmax(s);
    const at::Tensor g = apply_filter_transpose(feat, w * (probs - set.maps.label), ksize, options_.backend) + reg * f;
    const at::Tensor sg = apply_filter(feat, g, options_.backend);  // x * g
    const at::Tensor ghg = (w.flatten(1) * (sg * Loss_::hessian_product(probs, sg)).sum({-2, -1}).clamp_min(0)).sum(0);
    const at::Tensor gg = (g * g).sum({1, 2, 3});
    const at::Tensor alpha = gg / (ghg + (reg + options_.alpha_eps) * gg).clamp_min(1e-8);
    f = f - (gamma * alpha).view({S, 1, 1, 1}) * g;
    out.iterates.push_back(f);
  }
  if (options_.compute_losses) out.losses.push_back(objective(apply_filter(feat, f, options_.backend), f));
  out.filter = f;
  return out;
}

template class SteepestDescentNewton<losses::KLDivergenceLoss>;

}  // namespace dimp::optim
