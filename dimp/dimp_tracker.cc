#include "dimp/dimp_tracker.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <stdexcept>
#include <tuple>

#include "backbones/tfjs/model_files.h"
#include "dimp/dimp_tracker_factory.h"
#include "dimp/weights/safetensors.h"

namespace dimp {

void IoUNetBoxEstimator::initialize(const BoxInitContext& ctx) {
  const auto& features = ctx.features;
  const auto& boxes = ctx.boxes;
  rng_.seed(ctx.params.seed + 17);
  at::NoGradGuard ng;
  const auto& iou_net = *net_->bb_regressor;
  head_.reset();
  if (iou_net.is_folded() && iou_net.iou_predictor->weight.is_cpu() &&
      iou_net.iou_predictor->weight.scalar_type() == at::kFloat) {
    // In bfloat16 inference the IoU head's FC layers run in bfloat16 too (its accuracy was
    // checked with the convolutions': tests and held-out AUC in the closing notes).
    head_ = std::make_shared<const bbox::IoUHead>(iou_net);
  }
  // The modulation vector from the un-augmented first sample (iounet_augmentation off).
  modulation_ = net_->bb_regressor->modulation(features.box[0].narrow(0, 0, 1), features.box[1].narrow(0, 0, 1),
                                               boxes.narrow(0, 0, 1));
  refined_ = true;
  if (trace_) {
    trace_->record("init/iou_modulation2", modulation_.layer2);
    trace_->record("init/iou_modulation3", modulation_.layer3);
  }
}

std::pair<at::Tensor, at::Tensor> IoUNetBoxEstimator::refine(const bbox::IoUFeatures& features, const at::Tensor& proposals,
                                                             const TrackerParams& params,
                                                             const std::function<bool(const at::Tensor&)>& inside) {
  bbox::IoUFeatures modulated;
  {
    at::NoGradGuard ng;
    modulated = net_->bb_regressor->modulate(modulation_, features);
    // Channels-last (the inference layout) lets the pooling kernel vectorize over channels.
    modulated.layer2 = modulated.layer2.contiguous(at::MemoryFormat::ChannelsLast);
    modulated.layer3 = modulated.layer3.contiguous(at::MemoryFormat::ChannelsLast);
  }
  // Predicted IoUs and their box gradients: the hand-written head on the CPU, autograd elsewhere.
  auto evaluate = [&](const at::Tensor& boxes) -> bbox::IoUHead::Output {
    if (head_ && modulated.layer2.is_cpu() && modulated.layer2.scalar_type() == at::kFloat) {
      return head_->evaluate(modulated, boxes);
    }
    at::AutoGradMode grad_on(true);
    auto b = boxes.detach().requires_grad_();
    auto iou = net_->bb_regressor->predict_iou_modulated(modulated, b);
    iou.sum().backward();
    return {iou.detach(), b.grad()};
  };
  at::Tensor boxes = proposals.view({1, -1, 4});
  at::Tensor scores;
  double step = params.box_refinement_step_length;
  const bool relative = params.box_refinement_space == "relative";
  const at::Tensor norm = boxes.narrow(1, 0, 1).narrow(2, 2, 2).clone();  // relative: the first box's size
  // `inside` vets every set of boxes before it is pooled; the final boxes are returned unscored.
  for (int i = 0; i < params.box_refinement_iter; ++i) {
    if (inside && !inside(boxes)) return {};
    auto out = evaluate(boxes);
    scores = out.iou;
    const at::Tensor wh = boxes.narrow(2, 2, 2), g_xy = out.box_gradient.narrow(2, 0, 2);
    if (relative) {
      // Gradient ascent on (cx/w0, cy/h0, log w, log h): the box gradient through
      // x = (cx/w0)·w0 − w/2, w = exp(log w) gives w0·g_x and w·(g_w − g_x/2).
      const at::Tensor center = (boxes.narrow(2, 0, 2) + 0.5 * wh) / norm + step * g_xy * norm;
      const at::Tensor size = (wh.log() + step * wh * (out.box_gradient.narrow(2, 2, 2) - 0.5 * g_xy)).exp();
      boxes = at::cat({center * norm - 0.5 * size, size}, 2);
    } else {
      // Gradient ascent on the predicted IoU, steps scaled by the box size.
      boxes = boxes + step * out.box_gradient * wh.repeat({1, 1, 2});
    }
    step *= params.box_refinement_step_decay;
  }
  if (!scores.defined()) {  // no refinement iterations: score the proposals as they are
    if (inside && !inside(boxes)) return {};
    at::NoGradGuard ng;
    scores = net_->bb_regressor->predict_iou_modulated(modulated, boxes);
  }
  return {boxes.view({-1, 4}), scores.detach().view({-1})};
}

IoUWindow IoUWindow::around(const at::Tensor& proposals, int64_t H2, int64_t W2, int64_t H3, int64_t W3) {
  auto p = proposals.to(at::kCPU, at::kDouble).reshape({-1, 4}).contiguous();
  const auto a = p.accessor<double, 2>();
  double bx0 = 1e30, by0 = 1e30, bx1 = -1e30, by1 = -1e30;
  for (int64_t i = 0; i < p.size(0); ++i) {
    bx0 = std::min(bx0, a[i][0]);
    by0 = std::min(by0, a[i][1]);
    bx1 = std::max(bx1, a[i][0] + a[i][2]);
    by1 = std::max(by1, a[i][1] + a[i][3]);
  }
  if (!(std::isfinite(bx0) && std::isfinite(by0) && std::isfinite(bx1) && std::isfinite(by1))) {
    return {0, 0, H3, W3, H2, W2, H2, W2, H3, W3};
  }
  // The bounding box grown by a fifth of its larger side, then by the two-cell halo (cells
  // floor(p0/stride) - 2 to ceil(p1/stride) + 2 of each map).
  const double margin = 0.2 * std::max(bx1 - bx0, by1 - by0);
  auto lo = [](double v, int64_t n) { return std::clamp<int64_t>(static_cast<int64_t>(std::floor(v / 16)) - 2, 0, n); };
  auto hi = [](double v, double stride, int64_t n) {
    return std::clamp<int64_t>(static_cast<int64_t>(std::ceil(v / stride)) + 3, 0, n);
  };
  IoUWindow w{lo(by0 - margin, H3), lo(bx0 - margin, W3), hi(by1 + margin, 16, H3), hi(bx1 + margin, 16, W3),
              hi(by1 + margin, 8, H2), hi(bx1 + margin, 8, W2), H2, W2, H3, W3};
  // The layer2 crop never ends before its start (or past twice the layer3 end).
  w.y1_2 = std::clamp(w.y1_2, std::min(H2, 2 * w.y0 + 1), std::min(H2, 2 * w.y1));
  w.x1_2 = std::clamp(w.x1_2, std::min(W2, 2 * w.x0 + 1), std::min(W2, 2 * w.x1));
  return w;
}

at::Tensor IoUWindow::crop2(const at::Tensor& l2) const {
  return l2.narrow(2, 2 * y0, y1_2 - 2 * y0).narrow(3, 2 * x0, x1_2 - 2 * x0);
}

at::Tensor IoUWindow::crop3(const at::Tensor& l3) const { return l3.narrow(2, y0, y1 - y0).narrow(3, x0, x1 - x0); }

bool IoUWindow::exact(const at::Tensor& boxes) const {
  auto b = boxes.detach().to(at::kCPU, at::kDouble).reshape({-1, 4}).contiguous();
  const auto a = b.accessor<double, 2>();
  // Per axis, the cells a box reads in each crop, [floor(p0/stride), ceil(p1/stride)] in
  // window-local cells, must avoid the crop's inexact rim; beyond the map's own edges both the
  // crop and the whole map read zeros.
  auto inside_rim = [](double first, double last, int64_t start, int64_t end, int64_t n) {
    const double lo = start == 0 ? -INFINITY : 2, hi = end == n ? INFINITY : end - start - 3;
    return std::floor(first) >= lo && std::ceil(last) <= hi;
  };
  auto axis = [&](double p0, double p1, int64_t c0, int64_t c1, int64_t c1_2, int64_t n2, int64_t n3) {
    return std::isfinite(p0) && std::isfinite(p1) && inside_rim(p0 / 8, p1 / 8, 2 * c0, c1_2, n2) &&
           inside_rim(p0 / 16, p1 / 16, c0, c1, n3);
  };
  for (int64_t i = 0; i < b.size(0); ++i) {
    if (!axis(a[i][0], a[i][0] + a[i][2], x0, x1, x1_2, W2, W3) ||
        !axis(a[i][1], a[i][1] + a[i][3], y0, y1, y1_2, H2, H3)) {
      return false;
    }
  }
  return true;
}

bbox::CenterBox IoUNetBoxEstimator::estimate(const BoxContext& ctx) {
  const auto& p = ctx.params;
  const int s = ctx.localization.scale_index;
  const bbox::PatchRegion& region = ctx.regions[s];
  const bbox::Box init = region.box_to_patch(bbox::from_center(ctx.classifier_estimate));
  const at::Tensor layer2 = ctx.features.box[0].narrow(0, s, 1), layer3 = ctx.features.box[1].narrow(0, s, 1);
  auto iou_features = [&](const at::Tensor& l2, const at::Tensor& l3) {
    at::NoGradGuard ng;
    return net_->bb_regressor->iou_features(l2, l3);
  };
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
  auto proposals = at::tensor(props).view({-1, 4}).to(layer2.options().dtype(at::kFloat));  // (bfloat16 features: float boxes)
  at::Tensor boxes, scores;
  // On the CPU, the IoU features of the proposals' window cost a fraction of the whole map's;
  // refinement falls back to the whole map if a box leaves the window's exact part.
  const auto window = IoUWindow::around(proposals, layer2.size(2), layer2.size(3), layer3.size(2), layer3.size(3));
  if (layer2.is_cpu() && !window.whole()) {
    const auto shift = at::tensor({window.origin_x(), window.origin_y(), 0.0, 0.0}, proposals.options());
    auto feat = iou_features(window.crop2(layer2), window.crop3(layer3));
    std::tie(boxes, scores) = refine(feat, proposals - shift, p, [&](const at::Tensor& b) { return window.exact(b); });
    if (boxes.defined()) boxes = boxes + shift;
  }
  if (!boxes.defined()) std::tie(boxes, scores) = refine(iou_features(layer2, layer3), proposals, p);
  if (trace_) {
    const auto whole = iou_features(layer2, layer3);
    trace_->record("track/iou_features2", whole.layer2);
    trace_->record("track/iou_features3", whole.layer3);
    trace_->record("track/proposals", proposals);
    trace_->record("track/refined_boxes", boxes);
    trace_->record("track/refined_iou", scores);
  }
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
  refined_ = !kept.empty();
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
  bbox::CenterBox out = bbox::to_center(region.box_to_image(mean));
  if (p.pytracking_geometry()) {
    out.cx += 0.5 * region.scale_x();
    out.cy += 0.5 * region.scale_y();
  }
  return out;
}

TrackerParams dimp_params() {
  TrackerParams p;  // TrackerParams' defaults are the reference's dimp18/dimp50 parameter files
  p.scale_factors = {1.0};
  p.subpixel_peak = false;
  p.geometry = "auto";  // pytracking's geometry for pytracking's weights, ours for ours
  return p;
}

TrackerParams resolve_geometry(TrackerParams params, const std::string& weights) {
  if (params.geometry != "auto") return params;
  const auto metadata = weights::read_safetensors_header(weights).metadata;
  const auto format = metadata.find("format");
  params.geometry = format != metadata.end() && format->second == "pytracking-state-dict" ? "pytracking" : "exact";
  return params;
}

at::ScalarType network_compute_type(const std::string& precision, const at::Device& device) {
  if (precision == "float32") return at::kFloat;
  if (precision == "bfloat16") return at::kBFloat16;
  TORCH_CHECK(precision == "auto", "network_precision must be auto, float32 or bfloat16, got '", precision, "'");
  if (!device.is_cpu()) return at::kFloat;  // the CPU's arithmetic, so that both devices give one tracker
  // Native bfloat16 dot products (AVX512-BF16) make oneDNN's bfloat16 convolutions ~2x faster.
  static const bool native = __builtin_cpu_supports("avx512bf16");
  return native ? at::kBFloat16 : at::kFloat;
}

namespace {

template <class N>
std::unique_ptr<VisualTracker> make_dimp(const std::string& name, const TrackerParams& requested,
                                         const std::string& weights, TraceSink* trace = nullptr) {
  return build_net_tracker<N, losses::LearnedLoss, optim::SteepestDescentGN>(name, requested, weights, trace);
}

}  // namespace

std::unique_ptr<VisualTracker> make_dimp18(const TrackerParams& params, const std::string& weights) {
  return make_dimp<DiMP18Net>("dimp18", params, weights);
}

std::unique_ptr<VisualTracker> make_dimp50(const TrackerParams& params, const std::string& weights) {
  return make_dimp<DiMP50Net>("dimp50", params, weights);
}

std::unique_ptr<VisualTracker> make_superdimp(const TrackerParams& params, const std::string& weights) {
  return make_dimp<DiMP50Net>("superdimp", params, weights);
}

std::unique_ptr<VisualTracker> make_dimp(const std::string& arch, const TrackerParams& params,
                                         const std::string& weights, TraceSink* trace) {
  if (arch == "dimp18") return make_dimp<DiMP18Net>("dimp18", params, weights, trace);
  if (arch == "dimp50") return make_dimp<DiMP50Net>("dimp50", params, weights, trace);
  if (arch == "dimp-mobilenet") {
    return make_dimp<DiMPMobileNetNet>("dimp-mobilenet", params,
                                       weights.empty() ? backbones::tfjs::find_model_file(kMobileNetHeadWeights) : weights,
                                       trace);
  }
  throw std::invalid_argument("make_dimp: unknown architecture '" + arch + "' (dimp18, dimp50, dimp-mobilenet)");
}

std::unique_ptr<VisualTracker> make_dimp_mobilenet(const TrackerParams& params, const std::string& weights) {
  return make_dimp<DiMPMobileNetNet>("dimp-mobilenet", params,
                                     weights.empty() ? backbones::tfjs::find_model_file(kMobileNetHeadWeights) : weights);
}

}  // namespace dimp
