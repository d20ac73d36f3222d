// training/options.h — the options of a training run (the actor's loss weights, the trainer's
// schedule), apart from the heavy classes that use them, so that reading settings
// (training/settings.h) needs no network code.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace dimp::training {

// ActorOptions: loss weights and the unrolled optimizer's length.
struct ActorOptions {
  int num_iter = 5;                 // N_iter steepest-descent steps, back-propagated through
  double hinge_threshold = 0.05;    // T of eq. 8
  double weight_final = 100;        // β on the last iterate
  double weight_init = 100;         // on f(0), the initializer's filter
  double weight_iter = 400;         // on the intermediate iterates (split evenly)
  double weight_iou = 1;            // on L_bb

  // prdimp: the KL objective's weights (pytracking's prdimp18/50 training settings).
  static ActorOptions prdimp() {
    ActorOptions o;
    o.weight_final = 0.25;
    o.weight_init = 0.25;
    o.weight_iter = 1.0;
    o.weight_iou = 0.0025;
    return o;
  }
};

// BatchProgress: what on_batch reports after each batch.
struct BatchProgress {
  int epoch = 0;
  bool training = true;
  int batch = 0, batches = 0;        // done, of this epoch
  double samples_per_second = 0;
  bool epoch_done = false;           // the epoch's last report
};

// TrainerOptions: schedule, learning rates, freezing, workspace.
struct TrainerOptions {
  int epochs = 50;
  double lr_backbone = 2e-4;
  double lr_initializer = 5e-5;
  double lr_filter_optimizer = 5e-4;
  double lr_classification_features = 5e-5;
  double lr_bb_regressor = 1e-3;
  int lr_step = 15;          // epochs between decays
  double lr_gamma = 0.2;     // decay factor
  std::vector<std::string> frozen_layers;  // backbone parts kept fixed: conv1, layer1 .. layer4, or "all"
  std::string workspace;     // checkpoints and log.csv; empty: none written
  bool resume = true;        // continue from the workspace's latest checkpoint
  std::function<void(const BatchProgress&)> on_batch;  // optional progress reports
};

}  // namespace dimp::training
