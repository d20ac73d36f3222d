#include "training/actor.h"

#include "losses/distance_map.h"
#include "losses/probabilistic_regression.h"
#include "optim/filter_ops.h"

namespace dimp::training {

at::Tensor hinge_mse(const at::Tensor& scores, const at::Tensor& labels, double threshold) {
  auto negative = (labels < threshold).to(scores.scalar_type());
  auto positive = 1 - negative;
  auto pred = negative * scores.relu() + positive * scores;
  return (pred - positive * labels).pow(2).mean();
}

at::Tensor label_density(const at::Tensor& labels) {
  auto sum = labels.sum({-2, -1}, /*keepdim=*/true);
  auto uniform = at::full_like(labels, 1.0 / static_cast<double>(labels.size(-2) * labels.size(-1)));
  return at::where(sum > 0.01, labels / sum.clamp_min(0.01), uniform);
}

ActorLosses DiMPActor::operator()(const data::Batch& b) {
  const auto cfg = net_->config();
  const bool kl = cfg.objective == "kl";
  TORCH_CHECK(!kl || (b.proposal_density.defined() && b.gt_density.defined()),
              "DiMPActor: the KL objective needs proposals drawn with their densities (proposal_sampling gmm)");
  const int64_t ntr = b.train_images.size(0), nte = b.test_images.size(0), S = b.sequences();
  const int64_t H = b.train_images.size(3), W = b.train_images.size(4);
  auto train = net_->backbone(net_->normalize(b.train_images.reshape({ntr * S, 3, H, W})));
  auto test = net_->backbone(net_->normalize(b.test_images.reshape({nte * S, 3, H, W})));
  auto train_x = net_->classification_features(train.at("layer3"));
  auto test_x = net_->classification_features(test.at("layer3"));
  train_x = train_x.reshape({ntr, S, train_x.size(1), train_x.size(2), train_x.size(3)});
  test_x = test_x.reshape({nte, S, test_x.size(1), test_x.size(2), test_x.size(3)});

  // The model predictor: initializer, then N_iter unrolled steps of the network's objective.
  optim::FilterGeometry g{cfg.feature_stride, cfg.filter_size, cfg.filter_size, train_x.size(3), train_x.size(4)};
  auto f0 = net_->initializer().initial_filter(train_x, b.train_boxes);
  auto centers = optim::score_centers(b.train_boxes, g);
  auto unroll = [&](const auto& optimizer) {
    auto maps = optimizer.loss().maps(centers, g.output_h(), g.output_w());
    return optimizer.run(f0, optim::TrainingSet{train_x, maps, at::Tensor()}, options_.num_iter);
  };
  const optim::OptimizerResult result =
      kl ? unroll(net_->kl_optimizer(options_.num_iter)) : unroll(net_->optimizer(options_.num_iter));

  std::vector<at::Tensor> clf;
  const at::Tensor density = kl ? label_density(b.test_labels) : at::Tensor();
  for (const auto& f : result.iterates) {
    auto scores = optim::apply_filter(test_x, f);
    clf.push_back(kl ? losses::kl_regression_grid(scores, density, {-2, -1})
                     : hinge_mse(scores, b.test_labels, options_.hinge_threshold));
  }

  // IoU-Net: modulation from each sequence's first train frame, predictions on every test frame.
  auto reshape5 = [](const at::Tensor& t, int64_t n, int64_t s) { return t.reshape({n, s, t.size(1), t.size(2), t.size(3)}); };
  auto mod = net_->bb_regressor->modulation(reshape5(train.at("layer2"), ntr, S)[0], reshape5(train.at("layer3"), ntr, S)[0],
                                            b.train_boxes[0]);
  bbox::IoUModulation rep{mod.layer2.repeat({nte, 1, 1, 1}), mod.layer3.repeat({nte, 1, 1, 1})};  // test-frame-major
  auto feat = net_->bb_regressor->iou_features(test.at("layer2"), test.at("layer3"));
  const int64_t P = b.test_proposals.size(2);
  auto iou = net_->bb_regressor->predict_iou(rep, feat, b.test_proposals.reshape({nte * S, P, 4}));
  at::Tensor iou_loss;
  if (kl) {
    iou_loss = losses::kl_regression_mc(iou.reshape({nte, S, P}), b.proposal_density, b.gt_density, -1);
  } else {
    iou_loss = (iou.reshape({nte, S, P}) - b.proposal_iou).pow(2).mean();
  }

  ActorLosses out;
  at::Tensor total = options_.weight_final * clf.back() + options_.weight_init * clf.front() + options_.weight_iou * iou_loss;
  if (clf.size() > 2) {
    at::Tensor mid = at::zeros({}, clf.front().options());
    for (size_t i = 1; i + 1 < clf.size(); ++i) mid = mid + clf[i];
    total = total + options_.weight_iter / static_cast<double>(clf.size() - 2) * mid;
    out.clf_iter = mid.item<double>() / static_cast<double>(clf.size() - 2);
  }
  out.total = total;
  out.clf_final = clf.back().item<double>();
  out.clf_init = clf.front().item<double>();
  out.iou = iou_loss.item<double>();
  return out;
}

}  // namespace dimp::training
