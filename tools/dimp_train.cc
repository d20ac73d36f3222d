// dimp_train — train a DiMP network from a settings file (JSON): the datasets and their
// weights, the architecture and input size, the schedule, learning rates, frozen layers and the
// workspace (checkpoints, log.csv). An interrupted run resumes from its latest checkpoint.
//
//   dimp_train --settings training/settings/synthetic_dimp18.json
#include <ATen/Parallel.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "data/cv/image_io.h"
#include "data/training_datasets.h"
#include "dimp/runtime.h"
#include "dimp/weights/state_dict.h"
#include "training/trainer.h"

namespace {

using nlohmann::json;

dimp::data::ImageDecoder decoder() {
  return [](const std::string& path) { return dimp::data::load_image(path); };
}

std::shared_ptr<dimp::data::TrainingDataset> make_dataset(const json& d) {
  const std::string type = d.at("type").get<std::string>();
  if (type == "synthetic") {
    dimp::data::SyntheticTrainingDataset::Options o;
    o.sequences = d.value("sequences", o.sequences);
    o.frames = d.value("frames", o.frames);
    o.width = d.value("width", o.width);
    o.height = d.value("height", o.height);
    o.seed = d.value("seed", o.seed);
    return std::make_shared<dimp::data::SyntheticTrainingDataset>(o);
  }
  if (type == "got10k") return dimp::data::got10k_train(d.at("root").get<std::string>(), decoder());
  if (type == "lasot") return dimp::data::lasot_train(d.at("root").get<std::string>(), decoder());
  if (type == "trackingnet") {
    return dimp::data::trackingnet_train(d.at("root").get<std::string>(), d.value("sets", std::vector<int>{0, 1, 2, 3}),
                                         decoder());
  }
  if (type == "coco") {
    return dimp::data::coco(d.at("annotations").get<std::string>(), d.at("images").get<std::string>(), decoder());
  }
  throw std::invalid_argument("unknown dataset type '" + type + "' (synthetic, got10k, lasot, trackingnet, coco)");
}

std::unique_ptr<dimp::data::BatchLoader> make_loader(const json& datasets, int batches, const json& s,
                                                     const dimp::data::ProcessingOptions& proc, uint64_t seed) {
  std::vector<std::shared_ptr<dimp::data::TrainingDataset>> ds;
  dimp::data::SamplerOptions so;
  for (const auto& d : datasets) {
    ds.push_back(make_dataset(d));
    so.weights.push_back(d.value("weight", 1.0));
  }
  so.max_gap = s.value("max_gap", so.max_gap);
  so.num_train_frames = s.value("num_train_frames", so.num_train_frames);
  so.num_test_frames = s.value("num_test_frames", so.num_test_frames);
  dimp::data::BatchLoaderOptions lo;
  lo.batch_size = s.value("batch_size", lo.batch_size);
  lo.batches_per_epoch = batches;
  lo.workers = s.value("workers", lo.workers);
  lo.seed = seed;
  return std::make_unique<dimp::data::BatchLoader>(dimp::data::SetSampler(ds, so), proc, lo);
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
    std::ifstream in(settings_path);
    if (!in) throw std::invalid_argument("cannot open settings file " + settings_path);
    json s;
    try {
      in >> s;
    } catch (const json::exception& e) {
      throw std::invalid_argument(settings_path + ": not valid JSON (" + e.what() + ")");
    }
    dimp::set_num_threads(threads);
    const std::string arch = s.value("arch", std::string("dimp18"));
    const uint64_t seed = s.value("seed", 1ull);
    at::manual_seed(seed);
    dimp::DiMPNet net(arch == "dimp50" ? dimp::DiMPNetConfig::dimp50() : dimp::DiMPNetConfig::dimp18());
    if (s.contains("init_weights") && !s["init_weights"].get<std::string>().empty()) {
      dimp::weights::load_module(*net, s["init_weights"].get<std::string>());
    }
    dimp::data::ProcessingOptions proc;
    proc.output_size = s.value("image_size", proc.output_size);
    if (proc.output_size % 16 != 0) throw std::invalid_argument("image_size must be a multiple of 16");
    auto train = make_loader(s.at("datasets"), s.value("batches_per_epoch", 100), s, proc, seed);
    std::unique_ptr<dimp::data::BatchLoader> val;
    if (s.contains("validation")) {
      const auto& v = s["validation"];
      val = make_loader(v.at("datasets"), v.value("batches", 10), s, proc, seed + 1000);
    }
    dimp::training::ActorOptions ao;
    ao.num_iter = s.value("optimizer_iterations", ao.num_iter);
    dimp::training::TrainerOptions to;
    to.epochs = s.value("epochs", to.epochs);
    to.lr_step = s.value("lr_step", to.lr_step);
    to.lr_gamma = s.value("lr_gamma", to.lr_gamma);
    to.frozen_layers = s.value("frozen_layers", std::vector<std::string>{});
    to.workspace = s.value("workspace", std::string("workspace/") + arch);
    if (s.contains("lr")) {
      const auto& lr = s["lr"];
      to.lr_backbone = lr.value("backbone", to.lr_backbone);
      to.lr_initializer = lr.value("filter_initializer", to.lr_initializer);
      to.lr_filter_optimizer = lr.value("filter_optimizer", to.lr_filter_optimizer);
      to.lr_classification_features = lr.value("classification_features", to.lr_classification_features);
      to.lr_bb_regressor = lr.value("bb_regressor", to.lr_bb_regressor);
    }
    std::printf("dimp_train: %s, %d x %d input, %d LibTorch threads, workspace %s\n", arch.c_str(), proc.output_size,
                proc.output_size, at::get_num_threads(), to.workspace.c_str());
    dimp::training::Trainer trainer(net, ao, to, arch);
    if (trainer.epoch() == 0) {
      std::filesystem::create_directories(to.workspace);
      dimp::weights::save_module(*net, to.workspace + "/initial.safetensors", {{"arch", arch}});
      if (val) {  // the untrained network's held-out losses, for reference
        const auto e = trainer.evaluate(*val, 0);
        std::printf("epoch   0 val   loss %.4f  clf(final) %.5f  clf(init) %.5f  clf(iter) %.5f  iou %.4f  (untrained)\n",
                    e.loss, e.clf_final, e.clf_init, e.clf_iter, e.iou);
      }
    }
    trainer.train(*train, val.get());
    const std::string out = to.workspace + "/final.safetensors";
    dimp::weights::save_module(*net, out, {{"arch", arch}});
    std::printf("wrote %s\n", out.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dimp_train: %s\n", e.what());
    return 1;
  }
  return 0;
}
