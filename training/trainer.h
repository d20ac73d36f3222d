// training/trainer.h — trains a DiMP network (§3.6): Adam with the reference's per-module
// learning rates, step decay (×0.2 every 15 epochs), optional frozen backbone layers,
// checkpoints (weights and optimizer state, safetensors) after every epoch, resume from the
// latest one, a per-epoch log, and per-batch progress reports (a tool draws them as a bar).
//
//   Trainer trainer(net, ActorOptions{}, TrainerOptions{.epochs = 50, .workspace = "ws"});
//   auto history = trainer.train(train_loader, &val_loader);
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "data/batch_loader.h"
#include "dimp/dimp_net.h"
#include "training/actor.h"
#include "training/adam.h"
#include "training/options.h"

namespace dimp::training {


// EpochStats: mean losses (unweighted parts) and throughput of one epoch.
struct EpochStats {
  int epoch = 0;
  bool training = true;
  double loss = 0, clf_final = 0, clf_init = 0, clf_iter = 0, iou = 0;
  double samples_per_second = 0;
};

class Trainer {
 public:
  Trainer(DiMPNet net, ActorOptions actor, TrainerOptions options, std::string arch);

  // train: from the next epoch (1, or the resumed checkpoint's + 1) to options.epochs.
  std::vector<EpochStats> train(data::BatchLoader& train_loader, data::BatchLoader* val_loader = nullptr);
  // evaluate: the losses over one epoch of `loader`, without updates.
  EpochStats evaluate(data::BatchLoader& loader, int epoch);

  void save_checkpoint(const std::string& path, int epoch) const;
  int load_checkpoint(const std::string& path);   // returns the checkpoint's epoch
  std::string latest_checkpoint() const;          // "" when none
  int epoch() const { return epoch_; }
  const Adam& optimizer() const { return adam_; }

 private:
  EpochStats run_epoch(data::BatchLoader& loader, int epoch, bool training);
  void set_modes(bool training);

  DiMPNet net_;
  DiMPActor actor_;
  TrainerOptions options_;
  std::string arch_;
  Adam adam_;
  int epoch_ = 0;
};

}  // namespace dimp::training
