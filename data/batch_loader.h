// data/batch_loader.h — multi-threaded training batches: worker threads sample frame sets,
// decode and process them, and hand complete batches over in order. Batch i of epoch e is
// drawn with a generator seeded from (seed, e, i), so the data do not depend on which worker
// made them or when: a resumed run sees the same batches.
//
//   BatchLoader loader(sampler, processing, {/*batch_size=*/8, /*batches_per_epoch=*/100, /*workers=*/2});
//   loader.start_epoch(3);
//   while (auto batch = loader.next()) train_on(*batch);
#pragma once

#include <ATen/ATen.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "data/processing.h"
#include "data/sampler.h"

namespace dimp::data {

// Batch: TrainingSamples stacked along a sequence dimension: (frames, sequences, ...).
struct Batch {
  at::Tensor train_images, train_boxes, test_images, test_boxes, test_labels, test_proposals, proposal_iou;
  at::Tensor proposal_density, gt_density;  // "gmm" proposal sampling only
  int64_t sequences() const { return train_images.size(1); }
};

// stack_samples: TrainingSamples of one batch -> Batch.
Batch stack_samples(const std::vector<TrainingSample>& samples);

// BatchLoaderOptions: batch shape, epoch length and parallelism.
struct BatchLoaderOptions {
  int batch_size = 8;          // sequences per batch
  int batches_per_epoch = 100;
  int workers = 2;             // loading threads
  int prefetch = 4;            // batches made ahead of the consumer
  uint64_t seed = 1;
};

class BatchLoader {
 public:
  BatchLoader(SetSampler sampler, ProcessingOptions processing, BatchLoaderOptions options);
  ~BatchLoader();
  BatchLoader(const BatchLoader&) = delete;
  BatchLoader& operator=(const BatchLoader&) = delete;

  void start_epoch(int epoch);
  // next: the epoch's next batch in order; nullopt at the end of the epoch. Rethrows a
  // worker's exception (e.g. an unreadable image) here.
  std::optional<Batch> next();
  // make_batch: batch `index` of `epoch`, made in the calling thread (what workers run).
  Batch make_batch(int epoch, int index) const;
  const BatchLoaderOptions& options() const { return options_; }

 private:
  void stop();
  SetSampler sampler_;
  ProcessingOptions processing_;
  BatchLoaderOptions options_;
  int epoch_ = 0, consumed_ = 0;
  std::atomic<int> next_index_{0};
  std::atomic<bool> stopping_{false};
  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable ready_, space_;
  std::map<int, Batch> done_;
  std::exception_ptr error_;
};

}  // namespace dimp::data
