#include "dimp/model_update.h"

#include <numeric>

namespace dimp {

SampleWeights::SampleWeights(int capacity, double init_minimum_weight, bool pytracking_renormalisation)
    : w_(static_cast<size_t>(capacity), 0.0), init_min_(init_minimum_weight), pytracking_(pytracking_renormalisation) {
  TORCH_CHECK(capacity >= 1, "SampleWeights: capacity must be >= 1");
}

void SampleWeights::reset(int num_init) {
  TORCH_CHECK(num_init >= 1 && num_init <= static_cast<int>(w_.size()), "SampleWeights: ", num_init,
              " initial samples do not fit a memory of ", w_.size());
  // With a floor on their weight the initial samples are never replaced, so add() needs a
  // slot beyond them.
  TORCH_CHECK(init_min_ <= 0 || num_init < static_cast<int>(w_.size()), "SampleWeights: a memory of ", w_.size(),
              " holds only the ", num_init, " initial samples, which a minimum weight of ", init_min_,
              " keeps: no slot is left for later samples (the memory must be larger)");
  std::fill(w_.begin(), w_.end(), 0.0);
  std::fill(w_.begin(), w_.begin() + num_init, 1.0 / num_init);
  num_init_ = num_stored_ = num_init;
  prev_replace_ = -1;
}

int SampleWeights::add(double lr) {
  const int capacity = static_cast<int>(w_.size());
  // With a floor on the initial samples they are never replaced.
  const int first_replaceable = init_min_ > 0 ? num_init_ : 0;
  int slot;
  if (num_stored_ == 0 || lr >= 1) {
    std::fill(w_.begin(), w_.end(), 0.0);
    w_[0] = 1;
    slot = 0;
  } else {
    if (num_stored_ < capacity) {
      slot = num_stored_;
    } else {
      slot = static_cast<int>(std::min_element(w_.begin() + first_replaceable, w_.end()) - w_.begin());
    }
    if (prev_replace_ < 0) {
      for (double& v : w_) v /= 1 - lr;
      w_[slot] = lr;
    } else {
      // The new sample weighs 1/(1 − lr) times the previous newest: geometric decay of age.
      w_[slot] = w_[prev_replace_] / (1 - lr);
    }
  }
  const double total = std::accumulate(w_.begin(), w_.end(), 0.0);
  for (double& v : w_) v /= total;
  if (init_min_ > 0) {
    // The first frame's samples keep at least init_min_ of the total; the later samples share
    // the rest in their proportions. (The reference divides the later ones by init_min_ + rest,
    // which leaves the total above 1; here the weights sum to 1 unless pytracking_.)
    const double init_sum = std::accumulate(w_.begin(), w_.begin() + num_init_, 0.0);
    if (init_sum < init_min_) {
      const double rest = std::accumulate(w_.begin() + num_init_, w_.end(), 0.0);
      const double factor = pytracking_ ? 1 / (init_min_ + rest) : (1 - init_min_) / rest;
      for (int i = num_init_; i < capacity; ++i) w_[i] *= factor;
      for (int i = 0; i < num_init_; ++i) w_[i] = init_min_ / num_init_;
    }
  }
  prev_replace_ = slot;
  num_stored_ = std::min(num_stored_ + 1, capacity);
  return slot;
}

SampleMemory::SampleMemory(const TrackerParams& p)
    : params_(p),
      capacity_(p.sample_memory_size),
      weights_(p.sample_memory_size, p.init_samples_minimum_weight, p.pytracking_geometry()) {}

losses::ResidualMaps SampleMemory::stored_maps() const {
  return maps_.index_images(at::arange(weights_.num_stored(), at::TensorOptions().dtype(at::kLong).device(
                                                                  maps_.label.device())));
}

at::Tensor SampleMemory::stored_weights() const {
  const int n = weights_.num_stored();
  std::vector<double> w(weights_.weights().begin(), weights_.weights().begin() + n);
  return at::tensor(w, at::kDouble).to(memory_.options());
}

std::vector<int64_t> fit_shape_key(const PendingFit& p) {
  std::vector<int64_t> key{p.iters, p.maps.mask.defined(), p.maps.weight.defined(), p.weights.defined()};
  for (const auto& v : {p.features.sizes(), p.filter.sizes(), p.maps.label.sizes()}) key.insert(key.end(), v.begin(), v.end());
  return key;
}

PendingFit stack_fits(const std::vector<const PendingFit*>& fits) {
  TORCH_CHECK(!fits.empty(), "stack_fits: no fits");
  if (fits.size() == 1) return *fits.front();
  const std::vector<int64_t> key = fit_shape_key(*fits.front());
  std::vector<at::Tensor> filters, feats, labels, masks, wmaps, weights;
  for (const PendingFit* p : fits) {
    TORCH_CHECK(fit_shape_key(*p) == key, "stack_fits: fits of different shapes");
    filters.push_back(p->filter);
    feats.push_back(p->features);
    labels.push_back(p->maps.label);
    if (p->maps.mask.defined()) masks.push_back(p->maps.mask);
    if (p->maps.weight.defined()) wmaps.push_back(p->maps.weight);
    if (p->weights.defined()) weights.push_back(p->weights);
  }
  auto cat1 = [](const std::vector<at::Tensor>& v) { return v.empty() ? at::Tensor() : at::cat(v, 1); };
  PendingFit out;
  out.filter = at::cat(filters, 0);
  out.features = optim::to_filter_layout(at::cat(feats, 1));
  out.maps = {cat1(labels), cat1(masks), cat1(wmaps)};
  out.weights = weights.empty() ? at::Tensor() : at::stack(weights, 1);
  out.iters = fits.front()->iters;
  return out;
}

}  // namespace dimp
