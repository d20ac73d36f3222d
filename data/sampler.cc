#include "data/sampler.h"

#include <numeric>
#include <optional>

#include "data/ground_truth.h"

namespace dimp::data {
namespace {

// k visible frames drawn with replacement from [lo, hi) (clamped to the sequence), or none.
std::optional<std::vector<size_t>> visible_ids(const SequenceInfo& info, int k, long lo, long hi, std::mt19937_64& rng) {
  if (k == 0) return std::vector<size_t>{};
  lo = std::max(0L, lo);
  hi = std::min(static_cast<long>(info.frames()), hi);
  std::vector<size_t> valid;
  for (long i = lo; i < hi; ++i) {
    if (info.visible[static_cast<size_t>(i)]) valid.push_back(static_cast<size_t>(i));
  }
  if (valid.empty()) return std::nullopt;
  std::uniform_int_distribution<size_t> pick(0, valid.size() - 1);
  std::vector<size_t> out;
  for (int i = 0; i < k; ++i) out.push_back(valid[pick(rng)]);
  return out;
}

}  // namespace

SetSampler::SetSampler(std::vector<std::shared_ptr<TrainingDataset>> datasets, SamplerOptions options)
    : datasets_(std::move(datasets)), options_(std::move(options)) {
  if (datasets_.empty()) throw DataError("set sampler: no training datasets");
  if (options_.weights.empty()) {
    for (const auto& d : datasets_) options_.weights.push_back(static_cast<double>(d->num_sequences()));
  }
  if (options_.weights.size() != datasets_.size()) {
    throw DataError("set sampler: " + std::to_string(options_.weights.size()) + " weights for " +
                    std::to_string(datasets_.size()) + " datasets");
  }
  if (options_.num_train_frames < 1 || options_.num_test_frames < 1 || options_.max_gap < 1) {
    throw DataError("set sampler: need at least one train and one test frame and max_gap >= 1");
  }
  double total = 0;
  for (double w : options_.weights) {
    if (!(w >= 0)) throw DataError("set sampler: dataset weights must be >= 0");
    total += w;
    cumulative_.push_back(total);
  }
  if (total <= 0) throw DataError("set sampler: all dataset weights are zero");
}

FrameSet SetSampler::sample(std::mt19937_64& rng) const {
  const int ntr = options_.num_train_frames, nte = options_.num_test_frames;
  FrameSet out;
  std::uniform_real_distribution<double> u(0, cumulative_.back());
  const double r = u(rng);
  out.dataset = static_cast<size_t>(std::upper_bound(cumulative_.begin(), cumulative_.end(), r) - cumulative_.begin());
  out.dataset = std::min(out.dataset, datasets_.size() - 1);
  const TrainingDataset& d = *datasets_[out.dataset];
  std::uniform_int_distribution<size_t> pick_seq(0, d.num_sequences() - 1);
  if (!d.is_video()) {
    out.sequence = pick_seq(rng);
    out.train.assign(static_cast<size_t>(ntr), 0);
    out.test.assign(static_cast<size_t>(nte), 0);
    return out;
  }
  // A sequence with enough visible frames (bounded tries: a dataset without any is an error).
  for (int tries = 0;; ++tries) {
    out.sequence = pick_seq(rng);
    const SequenceInfo& info = d.info(out.sequence);
    const long visible = std::accumulate(info.visible.begin(), info.visible.end(), 0L);
    if (visible > 2 * (ntr + nte) && info.frames() >= 20) break;
    if (tries > 1000) throw DataError("set sampler: dataset " + d.name() + " has no sequence with enough visible frames");
  }
  const SequenceInfo& info = d.info(out.sequence);
  const long n = static_cast<long>(info.frames());
  for (long gap_increase = 0;; gap_increase += 5) {
    auto base = visible_ids(info, 1, ntr - 1, n - nte, rng);
    if (!base) continue;
    auto prev = visible_ids(info, ntr - 1, static_cast<long>((*base)[0]) - options_.max_gap - gap_increase,
                            static_cast<long>((*base)[0]), rng);
    if (!prev) continue;
    auto test = visible_ids(info, nte, static_cast<long>((*base)[0]) + 1,
                            static_cast<long>((*base)[0]) + options_.max_gap + gap_increase, rng);
    if (!test) {
      if (gap_increase > n) throw DataError("set sampler: no test frames after the train frames in " + d.name());
      continue;
    }
    out.train = *base;
    out.train.insert(out.train.end(), prev->begin(), prev->end());
    out.test = *test;
    return out;
  }
}

}  // namespace dimp::data
