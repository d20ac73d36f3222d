// dimp_train — train a DiMP network from a settings file (JSON): the datasets and their
// weights, the architecture and input size, the schedule, learning rates, frozen layers and the
// workspace (checkpoints, log.csv). An interrupted run resumes from its latest checkpoint.
//
//   dimp_train --settings training/settings/synthetic_dimp18.json
#include <ATen/Parallel.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "data/cv/image_io.h"
#include "data/training_datasets.h"
#include "dimp/runtime.h"
#include "dimp/weights/state_dict.h"
#include "tools/lib/progress.h"
#include "training/settings.h"
#include "training/trainer.h"

namespace {

using dimp::training::DatasetSettings;

dimp::data::ImageDecoder decoder() {
  return [](const std::string& path) { return dimp::data::load_image(path); };
}

std::shared_ptr<dimp::data::TrainingDataset> make_dataset(const DatasetSettings& d) {
  if (d.type == "synthetic") return std::make_shared<dimp::data::SyntheticTrainingDataset>(d.synthetic);
  if (d.type == "got10k") return dimp::data::got10k_train(d.root, decoder());
  if (d.type == "lasot") return dimp::data::lasot_train(d.root, decoder());
  if (d.type == "trackingnet") return dimp::data::trackingnet_train(d.root, d.sets, decoder());
  return dimp::data::coco(d.annotations, d.images, decoder());  // the settings reader allows no other type
}

std::unique_ptr<dimp::data::BatchLoader> make_loader(const std::vector<DatasetSettings>& datasets, int batches,
                                                     const dimp::training::TrainingSettings& s, uint64_t seed) {
  std::vector<std::shared_ptr<dimp::data::TrainingDataset>> ds;
  dimp::data::SamplerOptions so = s.sampler;
  so.weights.clear();
  for (const auto& d : datasets) {
    ds.push_back(make_dataset(d));
    so.weights.push_back(d.weight);
  }
  dimp::data::BatchLoaderOptions lo = s.loader;
  lo.batches_per_epoch = batches;
  lo.seed = seed;
  return std::make_unique<dimp::data::BatchLoader>(dimp::data::SetSampler(ds, so), s.processing, lo);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"dimp_train: train a DiMP network from a settings file (resumes from the workspace's latest checkpoint)"};
  std::string settings_path;
  int threads = 0;
  app.add_option("--settings", settings_path, "training settings (JSON)")->required();
  app.add_option("--threads", threads, "LibTorch threads (0: all cores)");
  CLI11_PARSE(app, argc, argv);
  try {
    auto s = dimp::training::read_training_settings(settings_path);
    dimp::set_num_threads(threads);
    at::manual_seed(s.seed);
    dimp::DiMPNet net(dimp::DiMPNetConfig::from_arch(s.arch));
    if (!s.init_weights.empty()) dimp::weights::load_module(*net, s.init_weights);
    auto train = make_loader(s.datasets, s.loader.batches_per_epoch, s, s.seed);
    std::unique_ptr<dimp::data::BatchLoader> val;
    if (!s.validation.empty()) val = make_loader(s.validation, s.validation_batches, s, s.seed + 1000);
    std::unique_ptr<dimp::tools::ProgressBar> bar;
    s.trainer.on_batch = [&bar](const dimp::training::BatchProgress& p) {
      if (!bar) bar = std::make_unique<dimp::tools::ProgressBar>((p.training ? "train " : "val ") + std::to_string(p.epoch), p.batches);
      if (p.epoch_done) {
        bar.reset();
      } else {
        bar->tick(p.samples_per_second);
      }
    };
    const auto& workspace = s.trainer.workspace;
    std::printf("dimp_train: %s, %d x %d input, %d LibTorch threads, workspace %s\n", s.arch.c_str(),
                s.processing.output_size, s.processing.output_size, at::get_num_threads(), workspace.c_str());
    dimp::training::Trainer trainer(net, s.actor, s.trainer, s.arch);
    if (trainer.epoch() == 0) {
      std::filesystem::create_directories(workspace);
      dimp::weights::save_module(*net, workspace + "/initial.safetensors", {{"arch", s.arch}});
      if (val) {  // the untrained network's held-out losses, for reference
        const auto e = trainer.evaluate(*val, 0);
        std::printf("epoch   0 val   loss %.4f  clf(final) %.5f  clf(init) %.5f  clf(iter) %.5f  iou %.4f  (untrained)\n",
                    e.loss, e.clf_final, e.clf_init, e.clf_iter, e.iou);
      }
    }
    trainer.train(*train, val.get());
    const std::string out = workspace + "/final.safetensors";
    dimp::weights::save_module(*net, out, {{"arch", s.arch}});
    std::printf("wrote %s\n", out.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dimp_train: %s\n", e.what());
    return 1;
  }
  return 0;
}
