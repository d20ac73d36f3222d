// dimp/tracker_impl.h — Tracker<>: the online tracking loop of §3.7 composed from policies.
// Heavy template: included only by the .cc file of each shipped alias (see weight_free.cc).
//
// Template parameters (each models the concept in the named header):
//   Features_     backbones/feature_extractor.h — patches -> classification (+ box) features
//   Loss_         losses/loss_concept.h         — the discriminative loss
//   Optimizer_    optim/*.h, template on Loss_  — SteepestDescentGN, GradientDescent, NoOptimizer
//   Initializer_  dimp/initializer.h            — f(0)
//   BoxEstimator_ dimp/scale_search.h (concept) — the target size (and refined centre)
//   Update_       dimp/model_update.h           — NoUpdate, ModelAveraging, SampleMemory
#pragma once

#include <ATen/ATen.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <stdexcept>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#include "backbones/feature_extractor.h"
#include "bbox/patch_sampler.h"
#include "dimp/augmentation.h"
#include "dimp/box_estimator.h"
#include "dimp/localization.h"
#include "dimp/model_predictor.h"
#include "dimp/model_update.h"
#include "dimp/staged_tracker.h"
#include "dimp/trace.h"
#include "dimp/tracker.h"

namespace dimp {

// has_refinement_flag_v: whether a box estimator reports, through `bool refined() const`,
// if its last estimate came from refinement (IoUNetBoxEstimator); pytracking's geometry keeps
// the classifier's position, and later the last refined one, when it did not.
template <class T, class = void>
struct has_refinement_flag : std::false_type {};
template <class T>
struct has_refinement_flag<T, std::void_t<decltype(std::declval<const T&>().refined())>> : std::true_type {};
template <class T>
inline constexpr bool has_refinement_flag_v = has_refinement_flag<T>::value;

// has_trace_v: whether a box estimator records intermediates through set_trace(TraceSink*).
template <class T, class = void>
struct has_trace : std::false_type {};
template <class T>
struct has_trace<T, std::void_t<decltype(std::declval<T&>().set_trace(static_cast<TraceSink*>(nullptr)))>>
    : std::true_type {};
template <class T>
inline constexpr bool has_trace_v = has_trace<T>::value;

template <class Features_, class Loss_, template <class> class Optimizer_, class Initializer_, class BoxEstimator_,
          class Update_>
class Tracker final : public StagedTracker {
  static_assert(backbones::is_feature_extractor_v<Features_>,
                "Tracker<Features_, ...>: Features_ must provide extract(), stride(), channels(); see "
                "backbones/feature_extractor.h");

 public:
  using Predictor = ModelPredictor<Loss_, Optimizer_, Initializer_>;

  Tracker(std::string name, Features_ features, Predictor predictor, BoxEstimator_ box_estimator,
          TrackerParams params)
      : name_(std::move(name)),
        features_(std::move(features)),
        predictor_(std::move(predictor)),
        box_estimator_(std::move(box_estimator)),
        update_(params),
        params_(std::move(params)) {
    params_.validate();
    pytracking_ = params_.pytracking_geometry();
  }

  const std::string& name() const override { return name_; }
  const StageTimes& stage_times() const override { return times_; }
  void reset_stage_times() override { times_ = StageTimes{}; }

  // initialize: bad input (image, box) is refused before any state changes, so the tracker
  // keeps tracking its previous target; a failure past those checks leaves it uninitialised.
  void initialize(const at::Tensor& image, const bbox::Box& box) override {
    const auto t0 = Clock::now();
    check_image(image);
    check_box(box, static_cast<double>(image.size(2)), static_cast<double>(image.size(1)));
    filter_ = at::Tensor();
    pending_fit_.reset();
    try {
      start(image, box);
    } catch (...) {
      filter_ = at::Tensor();
      throw;
    }
    times_.initialize += seconds_since(t0);
  }

  TrackResult track(const at::Tensor& image) override {
    at::NoGradGuard ng;
    FrameSearch search = begin_frame(image);
    const auto t = Clock::now();
    backbones::ExtractedFeatures feats = features_.extract(search.patches);
    times_.features += seconds_since(t);
    return end_frame(image, search, feats);
  }

  // StagedTracker (dimp/staged_tracker.h): track() in the stages a MultiTracker batches.
  FrameSearch begin_frame(const at::Tensor& image) override {
    if (!filter_.defined()) throw std::logic_error(name_ + ": track() called before a successful initialize()");
    check_image(image);
    if (image.size(2) != static_cast<int64_t>(image_w_) || image.size(1) != static_cast<int64_t>(image_h_)) {
      std::ostringstream msg;
      msg << name_ << ": frame of " << image.size(2) << "x" << image.size(1) << " pixels, but the sequence started at "
          << image_w_ << "x" << image_h_;
      throw std::invalid_argument(msg.str());
    }
    if (pending_fit_) fit_batch({this});  // a deferred fit nobody batched runs before the next frame
    return search_patches(image);
  }

  backbones::ExtractedFeatures shared_features(const at::Tensor& patches) const override {
    at::NoGradGuard ng;
    if constexpr (backbones::splits_features_v<Features_>) {
      return features_.shared_features(patches);
    } else if constexpr (!backbones::adapts_to_target_v<Features_>) {
      return features_.extract(patches);
    } else {
      return {};
    }
  }

  backbones::ExtractedFeatures target_features(const backbones::ExtractedFeatures& shared,
                                               const at::Tensor& patches) const override {
    at::NoGradGuard ng;
    if constexpr (backbones::splits_features_v<Features_>) {
      return features_.target_features(shared, patches);
    } else if constexpr (!backbones::adapts_to_target_v<Features_>) {
      return shared;
    } else {
      return features_.extract(patches);
    }
  }

  TrackResult end_frame(const at::Tensor& image, const FrameSearch& search,
                        const backbones::ExtractedFeatures& features) override {
    return finish_frame(image, search, features, at::Tensor(), false);
  }

  TrackResult end_frame(const at::Tensor& image, const FrameSearch& search, const backbones::ExtractedFeatures& features,
                        const at::Tensor& scores, bool defer_fit) override {
    return finish_frame(image, search, features, scores, defer_fit);
  }

  const void* family() const override { return feature_group_.get(); }

  bool target_specific_features() const override {
    return backbones::splits_features_v<Features_> || backbones::adapts_to_target_v<Features_>;
  }

  std::vector<at::Tensor> batch_scores(const std::vector<StagedTracker*>& members,
                                       const std::vector<at::Tensor>& features) const override {
    at::NoGradGuard ng;
    TORCH_CHECK(members.size() == features.size(), name_, ": batch_scores needs one feature tensor per member");
    std::vector<at::Tensor> out(members.size());
    std::map<std::vector<int64_t>, std::vector<size_t>> same_shape;
    for (size_t i = 0; i < members.size(); ++i) {
      std::vector<int64_t> key = features[i].sizes().vec();
      const auto f = kin(*members[i]).filter_.sizes();
      key.insert(key.end(), f.begin(), f.end());
      same_shape[key].push_back(i);
    }
    for (const auto& [key, idx] : same_shape) {
      if (idx.size() == 1) {
        out[idx[0]] = predictor_.scores(kin(*members[idx[0]]).filter_, features[idx[0]]);
        continue;
      }
      std::vector<at::Tensor> x, f;
      for (size_t i : idx) {
        x.push_back(features[i]);
        f.push_back(kin(*members[i]).filter_);
      }
      const at::Tensor s = optim::apply_filter(at::stack(x, 1), at::cat(f, 0));  // (S, targets, Ho, Wo)
      for (size_t k = 0; k < idx.size(); ++k) out[idx[k]] = s.select(1, static_cast<int64_t>(k));
    }
    return out;
  }

  int fit_batch(const std::vector<StagedTracker*>& members) const override {
    at::NoGradGuard ng;
    std::map<std::vector<int64_t>, std::vector<Tracker*>> same_shape;
    for (StagedTracker* m : members) {
      Tracker& t = kin(*m);
      if (t.pending_fit_) same_shape[fit_shape_key(*t.pending_fit_)].push_back(&t);
    }
    int runs = 0;
    for (const auto& [key, ts] : same_shape) {
      ++runs;
      std::vector<const PendingFit*> fits;
      for (const Tracker* t : ts) fits.push_back(&*t->pending_fit_);
      const PendingFit p = stack_fits(fits);  // the targets as the optimizer's sequences
      const at::Tensor f = ts.front()->predictor_.optimize(p.filter, p.features, p.maps, p.weights, p.iters);
      for (size_t k = 0; k < ts.size(); ++k) {
        ts[k]->filter_ = ts.size() == 1 ? f : f.narrow(0, static_cast<int64_t>(k), 1).contiguous();
        ts[k]->pending_fit_.reset();
      }
    }
    return runs;
  }

  bool has_pending_fit() const override { return pending_fit_.has_value(); }

  const void* feature_group() const override {
    constexpr bool shares = backbones::splits_features_v<Features_> || !backbones::adapts_to_target_v<Features_>;
    return shares ? feature_group_.get() : nullptr;
  }

  // fresh_copy: copies of the policies as constructed (networks are shared handles); the
  // tracking state is rebuilt by initialize().
  std::unique_ptr<StagedTracker> fresh_copy() const override {
    auto copy = std::make_unique<Tracker>(name_, features_, predictor_, box_estimator_, params_);
    copy->feature_group_ = feature_group_;
    return copy;
  }

  // set_trace: record intermediates into `sink` (dimp/trace.h) from the next initialize() on;
  // nullptr stops. The sink must outlive its use.
  void set_trace(TraceSink* sink) {
    trace_ = sink;
    if constexpr (has_trace_v<BoxEstimator_>) box_estimator_.set_trace(sink);
  }

  // Introspection for tests and benchmarks.
  const at::Tensor& filter() const { return filter_; }
  const Update_& update_strategy() const { return update_; }
  Predictor& predictor() { return predictor_; }

 private:
  using Clock = std::chrono::steady_clock;
  static double seconds_since(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
  }

  // start: the first frame's state, samples and model (input already checked).
  void start(const at::Tensor& image, const bbox::Box& box) {
    image_w_ = static_cast<double>(image.size(2));
    image_h_ = static_cast<double>(image.size(1));
    rng_.seed(params_.seed);
    update_ = Update_(params_);
    frame_num_ = 1;
    last_refined_.reset();
    center_x_ = box.cx();
    center_y_ = box.cy();
    target_w_ = box.w;
    target_h_ = box.h;
    const double S = params_.image_sample_size;
    target_scale_ = std::sqrt(box.w * box.h) * params_.search_area_scale / S;
    base_w_ = box.w / target_scale_;
    base_h_ = box.h / target_scale_;
    min_scale_ = params_.min_target_size / std::min(base_w_, base_h_);
    max_scale_ = std::min(image_w_ / base_w_, image_h_ / base_h_);

    AugmentedSamples aug = augment_first_frame(image, box, target_scale_ * S, params_, rng_);
    backbones::ExtractedFeatures feats;
    {
      at::NoGradGuard ng;
      if constexpr (backbones::adapts_to_target_v<Features_>) {
        features_.adapt_to_target(aug.patches.narrow(0, 0, 1), aug.boxes[0]);  // sample 0: not augmented
      }
      feats = features_.extract(aug.patches);
    }
    trace("init/patches", aug.patches);
    if (feats.box.size() == 2) {
      trace("init/layer2", feats.box[0]);
      trace("init/layer3", feats.box[1]);
    }
    at::Tensor x = feats.classification;
    optim::FilterGeometry g = predictor_.geometry();
    g.stride = static_cast<double>(features_.stride());
    g.feature_h = x.size(2);
    g.feature_w = x.size(3);
    predictor_.set_geometry(g);
    at::Tensor boxes = aug.boxes.to(x.options());
    if (params_.use_augmentation && params_.augment_dropout_num > 0) {
      x = at::cat({x, augment_dropout(x, params_.augment_dropout_num, params_.augment_dropout_prob, rng_)}, 0);
      boxes = at::cat({boxes, boxes.narrow(0, 0, 1).expand({params_.augment_dropout_num, 4})}, 0);
    }
    {
      at::NoGradGuard ng;
      if (trace_) {
        trace("init/clf_features", x);
        trace("init/boxes", boxes);
        trace("init/filter0", predictor_.initial_filter(x, boxes));
      }
      filter_ = update_.initialize(predictor_, x, boxes, params_);
      trace("init/filter", filter_);
      box_estimator_.initialize({image, bbox::to_center(box), feats, aug.boxes, aug.region, params_});
    }
    score_scale_ = params_.relative_scores ? first_frame_scale(x.narrow(0, 0, 1)) : 1.0;
  }

  FrameSearch search_patches(const at::Tensor& image) {
    ++frame_num_;
    ++times_.frames;
    const double S = params_.image_sample_size;
    const auto& g = predictor_.geometry();

    // Search region(s), centred so that the current position lands on a score cell.
    const auto t = Clock::now();
    const double side = target_scale_ * S;
    const double cell_offset = g.patch_to_score_x(S / 2) - std::round(g.patch_to_score_x(S / 2));
    const double shift = -cell_offset * g.stride * target_scale_;
    auto patches = bbox::sample_patches_multiscale(image, {center_x_ + shift, center_y_ + shift, side, side},
                                                   params_.scale_factors, {params_.image_sample_size,
                                                   params_.image_sample_size}, sampler_options());
    times_.patch += seconds_since(t);
    if (trace_) {
      const bbox::PatchRegion& r0 = patches.regions[0];
      trace("track/patch", patches.patches);
      trace("track/search", at::tensor({r0.x0, r0.y0, r0.x1, r0.y1}, at::kDouble));
    }
    return {patches.patches, patches.regions};
  }

  // kin: another member of this tracker's family, as this type.
  Tracker& kin(StagedTracker& other) const {
    TORCH_CHECK(other.family() == family(), name_, ": batching a tracker of another family");
    return static_cast<Tracker&>(other);
  }

  TrackResult finish_frame(const at::Tensor& image, const FrameSearch& patches,
                           const backbones::ExtractedFeatures& feats, const at::Tensor& given_scores, bool defer_fit) {
    at::NoGradGuard ng;
    const auto& g = predictor_.geometry();
    if (trace_ && feats.box.size() == 2) {
      trace("track/layer2", feats.box[0]);
      trace("track/layer3", feats.box[1]);
    }
    trace("track/clf_features", feats.classification);

    auto t = Clock::now();
    at::Tensor scores = given_scores.defined() ? given_scores : predictor_.scores(filter_, feats.classification);
    trace("track/scores", scores.unsqueeze(1));
    if (score_scale_ != 1.0) scores = scores * score_scale_;
    if (params_.score_preprocess == "softmax") {  // per scale: (S, Ho, Wo)
      scores = at::softmax(scores.flatten(1), 1).view_as(scores);
    } else if (params_.score_preprocess == "exp") {
      scores = scores.exp();
    }
    if (params_.window_output) scores = scores * window(scores);
    times_.scores += seconds_since(t);

    // Localization on the score maps, the target's prior in each scale's own score cells.
    t = Clock::now();
    std::vector<TargetPrior> priors;
    for (const bbox::PatchRegion& r : patches.regions) {
      priors.push_back({g.patch_to_score_x(r.to_patch_x(center_x_)), g.patch_to_score_y(r.to_patch_y(center_y_)),
                        target_w_ / r.scale_x() / g.stride, target_h_ / r.scale_y() / g.stride});
    }
    Localization loc = localize_target(scores, priors, localization_options());
    times_.localization += seconds_since(t);

    t = Clock::now();
    const bbox::PatchRegion& region = patches.regions[loc.scale_index];
    if (loc.status != TargetStatus::kNotFound) {
      double new_x = region.to_image_x(g.score_to_patch_x(loc.peak_x));
      double new_y = region.to_image_y(g.score_to_patch_y(loc.peak_y));
      const bool update_size = params_.update_scale_when_uncertain || loc.status != TargetStatus::kUncertain;
      if (pytracking_) {
        // pytracking clamps the classifier's position (with the old size), then refines from it.
        std::tie(new_x, new_y) = clamp_center(new_x, new_y, target_w_, target_h_);
        center_x_ = new_x;
        center_y_ = new_y;
      }
      BoxContext ctx{image, feats, patches.regions, loc, {new_x, new_y, target_w_, target_h_}, params_};
      bbox::CenterBox est = box_estimator_.estimate(ctx);
      bool refined = true;
      if constexpr (has_refinement_flag_v<BoxEstimator_>) refined = box_estimator_.refined();
      if (pytracking_ && has_refinement_flag_v<BoxEstimator_>) {
        // pytracking's IoU-Net path: the refined box as it is (no clamping); the size even when
        // uncertain, the search scale only when update_size. Without a refined box it keeps the
        // classifier's position and the old size.
        if (refined) {
          center_x_ = est.cx;
          center_y_ = est.cy;
          target_w_ = est.w;
          target_h_ = est.h;
          if (update_size) target_scale_ = std::sqrt(est.w * est.h / (base_w_ * base_h_));
          last_refined_ = std::make_pair(est.cx, est.cy);
        }
      } else {
        if (!update_size) {
          est.w = target_w_;
          est.h = target_h_;
        }
        set_state(est);
      }
    }
    times_.box += seconds_since(t);

    t = Clock::now();
    if (params_.update_classifier) {
      UpdateKind kind = UpdateKind::kNormal;
      if (loc.status == TargetStatus::kNotFound || loc.status == TargetStatus::kUncertain) kind = UpdateKind::kSkip;
      if (loc.status == TargetStatus::kHardNegative) kind = UpdateKind::kHardNegative;
      if (kind != UpdateKind::kSkip) {
        const bbox::Box in_patch = region.box_to_patch(current_box());
        auto box = at::tensor({in_patch.x, in_patch.y, in_patch.w, in_patch.h}, at::kDouble)
                       .to(feats.classification.options());
        const at::Tensor sample = feats.classification.narrow(0, loc.scale_index, 1);
        if constexpr (fit_is_last_v<Update_>) {
          if (defer_fit) {
            DeferredFit<Predictor> deferred{predictor_, std::nullopt};
            filter_ = update_.update(deferred, filter_, sample, box, kind, frame_num_);
            pending_fit_ = std::move(deferred.pending);
          } else {
            filter_ = update_.update(predictor_, filter_, sample, box, kind, frame_num_);
          }
        } else {
          filter_ = update_.update(predictor_, filter_, sample, box, kind, frame_num_);
        }
      }
    }
    times_.update += seconds_since(t);
    if (pytracking_ && loc.status != TargetStatus::kNotFound && last_refined_) {
      // pytracking ends every frame on its last refined position, which is an earlier frame's
      // when this one's refinement kept no box.
      std::tie(center_x_, center_y_) = *last_refined_;
    }
    return {current_box(), loc.max_score, loc.status};
  }

  void check_image(const at::Tensor& image) const {
    if (!image.defined() || image.dim() != 3 || image.size(0) != 3 || image.size(1) < 1 || image.size(2) < 1) {
      std::ostringstream msg;
      msg << name_ << ": expected a (3, H, W) RGB frame, got "
          << (image.defined() ? c10::str(image.sizes()) : std::string("an undefined tensor"));
      throw std::invalid_argument(msg.str());
    }
  }

  void check_box(const bbox::Box& box, double image_w, double image_h) const {
    std::ostringstream msg;
    if (!box.is_valid()) {
      msg << name_ << ": initial box " << box << " must be finite with positive width and height";
      throw std::invalid_argument(msg.str());
    }
    if (bbox::intersection(box, {0, 0, image_w, image_h}).area() <= 0) {
      msg << name_ << ": initial box " << box << " lies outside the " << image_w << "x" << image_h << " frame";
      throw std::invalid_argument(msg.str());
    }
  }

  void set_state(const bbox::CenterBox& est) {
    // Scale within bounds, centre at most (0.5 − target_inside_ratio) target sizes outside.
    const double scale = std::clamp(std::sqrt(est.w * est.h / (base_w_ * base_h_)), min_scale_, max_scale_);
    const double aspect = est.w / est.h;
    target_scale_ = scale;
    target_w_ = std::sqrt(base_w_ * base_h_ * aspect) * scale;
    target_h_ = target_w_ / aspect;
    std::tie(center_x_, center_y_) = clamp_center(est.cx, est.cy, target_w_, target_h_);
  }

  // clamp_center: the centre at most (0.5 − target_inside_ratio) target sizes outside the
  // image; pytracking's bounds are half a pixel later (it clamps pixel-centre coordinates).
  std::pair<double, double> clamp_center(double cx, double cy, double w, double h) const {
    const double ox = (params_.target_inside_ratio - 0.5) * w, oy = (params_.target_inside_ratio - 0.5) * h;
    const double half = pytracking_ ? 0.5 : 0.0;
    return {std::clamp(cx, ox + half, image_w_ - ox + half), std::clamp(cy, oy + half, image_h_ - oy + half)};
  }

  void trace(const char* name, const at::Tensor& value) const {
    if (trace_) trace_->record(name, value);
  }

  // first_frame_scale: 1 / the new model's peak score on the first frame's (un-augmented)
  // features, so that scores read as fractions of what the model answers on the target it
  // was fitted to. Hand-crafted features give that peak a scale that varies with the target
  // (0.2-0.65 on ../shared/data), which an absolute not-found threshold cannot follow.
  double first_frame_scale(const at::Tensor& first_features) {
    at::NoGradGuard ng;
    const double peak = predictor_.scores(filter_, first_features).max().template item<double>();
    if (!(peak > 1e-6)) {
      throw std::runtime_error(name_ + ": the model's peak score on the first frame is " + std::to_string(peak) +
                               "; relative_scores needs a positive one");
    }
    return 1.0 / peak;
  }

  bbox::Box current_box() const { return bbox::from_center({center_x_, center_y_, target_w_, target_h_}); }

  bbox::PatchSamplerOptions sampler_options() const {
    bbox::PatchSamplerOptions o;
    const auto& m = params_.border_mode;
    o.border = m == "replicate" ? bbox::BorderMode::kReplicate
               : m == "mean"    ? bbox::BorderMode::kMean
               : m == "zero"    ? bbox::BorderMode::kZero
               : m == "inside"  ? bbox::BorderMode::kInside
                                : bbox::BorderMode::kInsideMajor;
    o.max_scale_change = params_.patch_max_scale_change;
    o.crop = pytracking_ ? bbox::CropRule::kPytracking : bbox::CropRule::kCentered;
    return o;
  }

  LocalizationOptions localization_options() const {
    LocalizationOptions o;
    o.advanced = params_.advanced_localization;
    o.target_not_found_threshold = params_.target_not_found_threshold;
    o.distractor_threshold = params_.distractor_threshold;
    o.hard_negative_threshold = params_.hard_negative_threshold;
    o.target_neighborhood_scale = params_.target_neighborhood_scale;
    o.displacement_scale = params_.displacement_scale;
    o.subpixel = params_.subpixel_peak;
    o.round_half_even = pytracking_;
    return o;
  }

  const at::Tensor& window(const at::Tensor& scores) {
    if (!window_.defined() || window_.size(0) != scores.size(1) || window_.size(1) != scores.size(2)) {
      window_ = cosine_window(scores.size(1), scores.size(2), scores.options());
    }
    return window_;
  }

  std::string name_;
  Features_ features_;
  Predictor predictor_;
  std::optional<PendingFit> pending_fit_;  // a deferred model fit (end_frame with defer_fit)
  BoxEstimator_ box_estimator_;
  Update_ update_;
  TrackerParams params_;
  std::mt19937_64 rng_;
  TraceSink* trace_ = nullptr;
  std::shared_ptr<const char> feature_group_ = std::make_shared<const char>(0);  // see feature_group()
  bool pytracking_ = false;  // params_.geometry == "pytracking"
  std::optional<std::pair<double, double>> last_refined_;  // pytracking: the last refined centre
  at::Tensor filter_, window_;
  StageTimes times_;
  int frame_num_ = 0;
  double score_scale_ = 1;  // relative_scores: 1 / the first frame's peak score
  double image_w_ = 0, image_h_ = 0;
  double center_x_ = 0, center_y_ = 0, target_w_ = 0, target_h_ = 0;
  double target_scale_ = 1, base_w_ = 1, base_h_ = 1, min_scale_ = 0, max_scale_ = 1e9;
};

}  // namespace dimp
