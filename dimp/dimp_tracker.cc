#include "dimp/dimp_tracker.h"

#include <algorithm>
#include <cmath>

#include "dimp/tracker_impl.h"
#include "dimp/weights/state_dict.h"

namespace dimp {

template <class N>
using DiMPTracker = Tracker<DiMPFeatures<N>, losses::LearnedLoss, optim::SteepestDescentGN, LinearFilterInitializer,
                           IoUNetBoxEstimator, SampleMemory>;
using DiMP18 = DiMPTracker<DiMP18Net>;
using DiMP50 = DiMPTracker<DiMP50Net>;

void IoUNetBoxEstimator::initialize(const backbones::ExtractedFeatures& features, const at::Tensor& boxes,
                                    const bbox::PatchRegion&, const TrackerParams& params) {
  rng_.seed(params.seed + 17);
  at::NoGradGuard ng;
  // The modulation vector from the un-augmented first sample (iounet_augmentation off).
  modulation_ = net_->bb_regressor->modulation(features.box[0].narrow(0, 0, 1), features.box[1].narrow(0, 0, 1),
                                               boxes.narrow(0, 0, 1));
}

std::pair<at::Tensor, at::Tensor> IoUNetBoxEstimator::refine(const bbox::IoUFeatures& features, const at::Tensor& proposals,
                                                             const TrackerParams& params) {
  bbox::IoUFeatures modulated;
  {
    at::NoGradGuard ng;
    modulated = net_->bb_regressor->modulate(modulation_, features);
    // Channels-last (the inference layout) lets the pooling kernel vectorize over channels.
    modulated.layer2 = modulated.layer2.contiguous(at::MemoryFormat::ChannelsLast);
    modulated.layer3 = modulated.layer3.contiguous(at::MemoryFormat::ChannelsLast);
  }
  at::Tensor boxes = proposals.view({1, -1, 4});
  at::Tensor scores;
  double step = params.box_refinement_step_length;
  at::AutoGradMode grad_on(true);
  for (int i = 0; i < params.box_refinement_iter; ++i) {
    auto b = boxes.detach().requires_grad_();
    scores = net_->bb_regressor->predict_iou_modulated(modulated, b);
    scores.sum().backward();
    // Gradient ascent on the predicted IoU, steps scaled by the box size.
    boxes = (b + step * b.grad() * b.narrow(2, 2, 2).repeat({1, 1, 2})).detach();
    step *= params.box_refinement_step_decay;
  }
  if (!scores.defined()) {  // no refinement iterations: score the proposals as they are
    at::NoGradGuard ng;
    scores = net_->bb_regressor->predict_iou_modulated(modulated, boxes);
  }
  return {boxes.view({-1, 4}), scores.detach().view({-1})};
}

bbox::CenterBox IoUNetBoxEstimator::estimate(const BoxContext& ctx) {
  const auto& p = ctx.params;
  const int s = ctx.localization.scale_index;
  const bbox::PatchRegion& region = ctx.regions[s];
  const bbox::Box init = region.box_to_patch(bbox::from_center(ctx.classifier_estimate));
  bbox::IoUFeatures feat;
  {
    at::NoGradGuard ng;
    feat = net_->bb_regressor->iou_features(ctx.features.box[0].narrow(0, s, 1), ctx.features.box[1].narrow(0, s, 1));
  }
  // Proposals: the estimate and num_init_random_boxes jittered copies.
  std::uniform_real_distribution<double> u(-0.5, 0.5);
  const double side = std::sqrt(init.w * init.h), min_edge = std::min(init.w, init.h) / 3;
  std::vector<float> props{static_cast<float>(init.x), static_cast<float>(init.y), static_cast<float>(init.w),
                           static_cast<float>(init.h)};
  for (int i = 0; i < p.num_init_random_boxes; ++i) {
    const double dx = u(rng_) * side * p.box_jitter_pos, dy = u(rng_) * side * p.box_jitter_pos;
    const double w = std::max(init.w + u(rng_) * side * p.box_jitter_sz, min_edge);
    const double h = std::max(init.h + u(rng_) * side * p.box_jitter_sz, min_edge);
    const double cx = init.cx() + dx, cy = init.cy() + dy;
    props.insert(props.end(), {static_cast<float>(cx - w / 2), static_cast<float>(cy - h / 2), static_cast<float>(w),
                               static_cast<float>(h)});
  }
  auto proposals = at::tensor(props).view({-1, 4}).to(feat.layer2.options());
  auto [boxes, scores] = refine(feat, proposals, p);
  boxes = boxes.to(at::kCPU, at::kDouble).contiguous();
  scores = scores.to(at::kCPU, at::kDouble).contiguous();
  const auto box = boxes.accessor<double, 2>();
  const auto score = scores.accessor<double, 1>();
  // Keep sensible aspect ratios, average the k best.
  std::vector<std::pair<double, int64_t>> kept;
  for (int64_t i = 0; i < boxes.size(0); ++i) {
    const double ar = std::max(1.0, box[i][2]) / std::max(1.0, box[i][3]);
    if (ar < p.maximal_aspect_ratio && ar > 1.0 / p.maximal_aspect_ratio) kept.push_back({score[i], i});
  }
  if (kept.empty()) return ctx.classifier_estimate;
  std::sort(kept.begin(), kept.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  const size_t k = std::min<size_t>(static_cast<size_t>(p.iounet_k), kept.size());
  bbox::Box mean{0, 0, 0, 0};
  for (size_t i = 0; i < k; ++i) {
    const int64_t j = kept[i].second;
    mean.x += box[j][0] / k;
    mean.y += box[j][1] / k;
    mean.w += std::max(1.0, box[j][2]) / k;
    mean.h += std::max(1.0, box[j][3]) / k;
  }
  return bbox::to_center(region.box_to_image(mean));
}

TrackerParams dimp_params() {
  TrackerParams p;  // TrackerParams' defaults are the reference's dimp18/dimp50 parameter files
  p.scale_factors = {1.0};
  p.subpixel_peak = false;
  return p;
}

namespace {

template <class N>
std::unique_ptr<VisualTracker> make_dimp(const std::string& name, const TrackerParams& params, const std::string& weights) {
  DiMPNet net(N::config());
  weights::load_module(*net, weights);
  net->prepare_inference();
  for (auto& p : net->parameters()) p.requires_grad_(false);
  const auto cfg = net->config();
  optim::FilterGeometry geometry{cfg.feature_stride, cfg.filter_size, cfg.filter_size,
                                 params.image_sample_size / static_cast<int64_t>(cfg.feature_stride),
                                 params.image_sample_size / static_cast<int64_t>(cfg.feature_stride)};
  typename DiMPTracker<N>::Predictor predictor(net->optimizer(params.net_opt_iter), net->initializer(), geometry);
  return std::make_unique<DiMPTracker<N>>(name, DiMPFeatures<N>(net), std::move(predictor), IoUNetBoxEstimator(net),
                                          params);
}

}  // namespace

std::unique_ptr<VisualTracker> make_dimp18(const TrackerParams& params, const std::string& weights) {
  return make_dimp<DiMP18Net>("dimp18", params, weights);
}

std::unique_ptr<VisualTracker> make_dimp50(const TrackerParams& params, const std::string& weights) {
  return make_dimp<DiMP50Net>("dimp50", params, weights);
}

}  // namespace dimp
