#include "dimp/multi_tracker.h"

#include <sstream>
#include <stdexcept>
#include <utility>

namespace dimp {

MultiTracker::MultiTracker(const std::string& variant, const TrackerParams& params, const std::string& weights,
                           MultiTrackerOptions options)
    : options_(options) {
  std::unique_ptr<VisualTracker> made = make_tracker(variant, params, weights);
  auto* staged = dynamic_cast<StagedTracker*>(made.get());
  if (staged == nullptr) throw std::invalid_argument("MultiTracker: variant '" + variant + "' cannot be staged");
  made.release();
  prototype_.reset(staged);
}

void MultiTracker::check_frame_size(const at::Tensor& image) const {
  if (frame_w_ == 0 || !image.defined() || image.dim() != 3) return;  // the tracker's own check names it
  if (image.size(2) != frame_w_ || image.size(1) != frame_h_) {
    std::ostringstream msg;
    msg << "MultiTracker: frame of " << image.size(2) << "x" << image.size(1) << " pixels, but the video's are "
        << frame_w_ << "x" << frame_h_;
    throw std::invalid_argument(msg.str());
  }
}

int MultiTracker::add_target(const at::Tensor& image, const bbox::Box& box) {
  check_frame_size(image);
  std::unique_ptr<StagedTracker> t = prototype_->fresh_copy();
  t->initialize(image, box);  // checks image and box
  frame_w_ = image.size(2);
  frame_h_ = image.size(1);
  const int id = next_id_++;
  targets_.emplace(id, std::move(t));
  return id;
}

StagedTracker& MultiTracker::find(int id) const {
  auto it = targets_.find(id);
  if (it == targets_.end()) throw std::invalid_argument("MultiTracker: no target with id " + std::to_string(id));
  return *it->second;
}

void MultiTracker::remove_target(int id) {
  find(id);
  targets_.erase(id);
}

const VisualTracker& MultiTracker::tracker(int id) const { return find(id); }

std::vector<int> MultiTracker::ids() const {
  std::vector<int> out;
  for (const auto& [id, t] : targets_) out.push_back(id);
  return out;
}

std::vector<TargetResult> MultiTracker::track(const at::Tensor& image) {
  check_frame_size(image);
  std::vector<TargetResult> out;
  if (!options_.batched) {
    for (auto& [id, t] : targets_) out.push_back({id, t->track(image)});
    return out;
  }
  at::NoGradGuard ng;
  // Stage 1: every target's search patches (each checks the frame before changing).
  std::vector<FrameSearch> searches;
  for (auto& [id, t] : targets_) searches.push_back(t->begin_frame(image));

  // Stage 2: the shared network once per group of targets that share it.
  std::vector<backbones::ExtractedFeatures> features(targets_.size());
  std::map<const void*, std::vector<size_t>> groups;
  std::vector<StagedTracker*> trackers;
  std::vector<int> ids;
  for (auto& [id, t] : targets_) {
    trackers.push_back(t.get());
    ids.push_back(id);
  }
  for (size_t i = 0; i < trackers.size(); ++i) {
    if (const void* g = trackers[i]->feature_group()) {
      groups[g].push_back(i);
    } else {
      features[i] = trackers[i]->target_features({}, searches[i].patches);
    }
  }
  for (const auto& [group, members] : groups) {
    std::vector<at::Tensor> patches;
    for (size_t i : members) patches.push_back(searches[i].patches);
    const backbones::ExtractedFeatures shared = trackers[members[0]]->shared_features(at::cat(patches, 0));
    int64_t start = 0;
    for (size_t i : members) {
      const int64_t n = searches[i].patches.size(0);
      features[i] = trackers[i]->target_features(slice_features(shared, start, n), searches[i].patches);
      start += n;
    }
  }

  // Stage 3: the scores of each family's targets as one filter application.
  std::map<const void*, std::vector<size_t>> families;
  for (size_t i = 0; i < trackers.size(); ++i) families[trackers[i]->family()].push_back(i);
  std::vector<at::Tensor> scores(trackers.size());
  std::vector<bool> batch_model(trackers.size(), false);
  for (const auto& [family, members] : families) {
    // Only families whose features are the shared network's alone: with a per-target part
    // (weight-free, deep) stacking the maps and memories cost more than it saved (0.6x at 8
    // targets, multi_target_benchmark).
    if (!options_.batch_model || trackers[members[0]]->target_specific_features()) continue;
    for (size_t i : members) batch_model[i] = true;
    std::vector<StagedTracker*> m;
    std::vector<at::Tensor> x;
    for (size_t i : members) {
      m.push_back(trackers[i]);
      x.push_back(features[i].classification);
    }
    const auto s = trackers[members[0]]->batch_scores(m, x);
    for (size_t k = 0; k < members.size(); ++k) scores[members[k]] = s[k];
    ++stats_.score_runs;
  }

  // Stage 4: each target's localization, box and sample memory; its model fit deferred where
  // the family batches.
  for (size_t i = 0; i < trackers.size(); ++i) {
    out.push_back({ids[i], trackers[i]->end_frame(image, searches[i], features[i], scores[i], batch_model[i])});
    if (trackers[i]->has_pending_fit()) ++stats_.fits;
  }

  // Stage 5: the model fits, as one optimizer run per family and sample shape.
  for (const auto& [family, members] : families) {
    if (!batch_model[members[0]]) continue;
    std::vector<StagedTracker*> m;
    for (size_t i : members) m.push_back(trackers[i]);
    stats_.fit_runs += trackers[members[0]]->fit_batch(m);
  }
  ++stats_.frames;
  return out;
}

}  // namespace dimp
