#include "data/batch_loader.h"

#include "data/ground_truth.h"

namespace dimp::data {

Batch stack_samples(const std::vector<TrainingSample>& samples) {
  auto stack = [&](auto member) {
    std::vector<at::Tensor> v;
    if (!(samples.front().*member).defined()) return at::Tensor();  // a field this sampling leaves out
    for (const auto& s : samples) v.push_back(s.*member);
    return at::stack(v, 1);
  };
  Batch b;
  b.train_images = stack(&TrainingSample::train_images);
  b.train_boxes = stack(&TrainingSample::train_boxes);
  b.test_images = stack(&TrainingSample::test_images);
  b.test_boxes = stack(&TrainingSample::test_boxes);
  b.test_labels = stack(&TrainingSample::test_labels);
  b.test_proposals = stack(&TrainingSample::test_proposals);
  b.proposal_iou = stack(&TrainingSample::proposal_iou);
  b.proposal_density = stack(&TrainingSample::proposal_density);
  b.gt_density = stack(&TrainingSample::gt_density);
  return b;
}

BatchLoader::BatchLoader(SetSampler sampler, ProcessingOptions processing, BatchLoaderOptions options)
    : sampler_(std::move(sampler)), processing_(std::move(processing)), options_(options) {
  if (options_.batch_size < 1 || options_.batches_per_epoch < 1 || options_.workers < 1 || options_.prefetch < 1) {
    throw DataError("batch loader: batch size, batches per epoch, workers and prefetch must be >= 1");
  }
}

BatchLoader::~BatchLoader() { stop(); }

void BatchLoader::stop() {
  stopping_ = true;
  space_.notify_all();
  for (auto& t : workers_) t.join();
  workers_.clear();
  stopping_ = false;
}

Batch BatchLoader::make_batch(int epoch, int index) const {
  std::seed_seq seq{static_cast<uint32_t>(options_.seed), static_cast<uint32_t>(options_.seed >> 32),
                    static_cast<uint32_t>(epoch), static_cast<uint32_t>(index)};
  std::mt19937_64 rng(seq);
  std::vector<TrainingSample> samples;
  for (int b = 0; b < options_.batch_size; ++b) {
    const FrameSet fs = sampler_.sample(rng);
    const TrainingDataset& d = *sampler_.datasets()[fs.dataset];
    const SequenceInfo& info = d.info(fs.sequence);
    std::vector<at::Tensor> trf, tef;
    std::vector<bbox::Box> trb, teb;
    for (size_t i : fs.train) {
      trf.push_back(d.frame(fs.sequence, i));
      trb.push_back(info.boxes[i]);
    }
    for (size_t i : fs.test) {
      tef.push_back(d.frame(fs.sequence, i));
      teb.push_back(info.boxes[i]);
    }
    samples.push_back(process(trf, trb, tef, teb, processing_, rng));
  }
  return stack_samples(samples);
}

void BatchLoader::start_epoch(int epoch) {
  stop();
  epoch_ = epoch;
  consumed_ = 0;
  next_index_ = 0;
  done_.clear();
  error_ = nullptr;
  for (int w = 0; w < options_.workers; ++w) {
    workers_.emplace_back([this] {
      while (!stopping_) {
        const int i = next_index_++;
        if (i >= options_.batches_per_epoch) return;
        {
          // Stay at most `prefetch` batches ahead of the consumer.
          std::unique_lock<std::mutex> lock(mu_);
          space_.wait(lock, [&] { return stopping_ || i < consumed_ + options_.prefetch; });
          if (stopping_) return;
        }
        try {
          Batch b = make_batch(epoch_, i);
          std::lock_guard<std::mutex> lock(mu_);
          done_[i] = std::move(b);
        } catch (...) {
          std::lock_guard<std::mutex> lock(mu_);
          if (!error_) error_ = std::current_exception();
        }
        ready_.notify_all();
      }
    });
  }
}

std::optional<Batch> BatchLoader::next() {
  if (consumed_ >= options_.batches_per_epoch) return std::nullopt;
  std::unique_lock<std::mutex> lock(mu_);
  ready_.wait(lock, [&] { return error_ || done_.count(consumed_); });
  if (error_) std::rethrow_exception(error_);
  Batch b = std::move(done_[consumed_]);
  done_.erase(consumed_);
  ++consumed_;
  lock.unlock();
  space_.notify_all();
  return b;
}

}  // namespace dimp::data
