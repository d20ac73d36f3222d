// training/settings.h — dimp_train's settings file (JSON), read strictly: an unknown or
// misspelled key, a wrong type, a non-integral or out-of-range number, an unknown architecture,
// dataset type or frozen layer is an error naming the file and the key, before any work.
//
//   TrainingSettings s = read_training_settings("training/settings/synthetic_dimp18.json");
//   s.trainer.epochs; s.datasets[0].type;
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/batch_loader.h"
#include "data/processing.h"
#include "data/sampler.h"
#include "data/training_datasets.h"
#include "training/options.h"

namespace dimp::training {

// DatasetSettings: one entry of "datasets": its type, sampling weight and the type's fields.
struct DatasetSettings {
  std::string type;                             // synthetic, got10k, lasot, trackingnet, coco
  double weight = 1;                            // relative sampling weight
  data::SyntheticTrainingDataset::Options synthetic;  // type synthetic
  std::string root;                             // got10k, lasot, trackingnet
  std::vector<int> sets{0, 1, 2, 3};            // trackingnet: TRAIN_<i> folders
  std::string annotations, images;              // coco
};

// TrainingSettings: everything a training run is made of.
struct TrainingSettings {
  // dimp18, dimp50, dimp-mobilenet (the head on the pretrained MobileNetV3), or the same with
  // PrDiMP's objective: prdimp18, prdimp50, prdimp-mobilenet (KL losses, mixture proposals).
  std::string arch = "dimp18";
  uint64_t seed = 1;
  std::string init_weights;     // optional safetensors to start from
  data::ProcessingOptions processing;
  data::SamplerOptions sampler;      // weights come from the datasets
  data::BatchLoaderOptions loader;   // seed from `seed`
  std::vector<DatasetSettings> datasets;
  int validation_batches = 10;
  std::vector<DatasetSettings> validation;  // empty: no validation
  ActorOptions actor;
  TrainerOptions trainer;
};

// parse_training_settings / read_training_settings: throw std::invalid_argument naming
// `where` (the file) and the offending key.
TrainingSettings parse_training_settings(const std::string& json_text, const std::string& where);
TrainingSettings read_training_settings(const std::string& path);

}  // namespace dimp::training
