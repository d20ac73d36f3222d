#include "training/trainer.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

#include "dimp/weights/safetensors.h"
#include "dimp/weights/state_dict.h"

namespace fs = std::filesystem;

namespace dimp::training {
namespace {

bool frozen(const std::vector<std::string>& frozen_layers, const std::string& backbone_name) {
  for (const auto& f : frozen_layers) {
    if (f == "all" || backbone_name == f || backbone_name.rfind(f + ".", 0) == 0) return true;
  }
  if (backbone_name.rfind("bn1", 0) == 0 || backbone_name.rfind("conv1", 0) == 0) {
    for (const auto& f : frozen_layers) {
      if (f == "conv1") return true;  // the stem: conv1 and bn1
    }
  }
  return false;
}

std::vector<std::pair<std::string, at::Tensor>> prefixed(const torch::nn::Module& m, const std::string& prefix) {
  std::vector<std::pair<std::string, at::Tensor>> out;
  for (const auto& p : m.named_parameters(true)) out.push_back({prefix + p.key(), p.value()});
  return out;
}

std::vector<ParamGroup> make_groups(const DiMPNet& net, const TrainerOptions& o) {
  const auto& c = net->classifier;
  std::vector<ParamGroup> g{
      {"filter_initializer", prefixed(*c->filter_initializer, "classifier.filter_initializer."), o.lr_initializer},
      {"filter_optimizer", prefixed(*c->filter_optimizer, "classifier.filter_optimizer."), o.lr_filter_optimizer},
      {"classification_features", prefixed(*c->feature_extractor, "classifier.feature_extractor."),
       o.lr_classification_features},
      {"bb_regressor", prefixed(*net->bb_regressor, "bb_regressor."), o.lr_bb_regressor},
  };
  ParamGroup backbone{"backbone", {}, o.lr_backbone};
  if (net->feature_extractor) {  // a pretrained backbone (the MobileNet) is frozen and not a module
    for (const auto& p : net->feature_extractor->named_parameters(true)) {
      if (!frozen(o.frozen_layers, p.key())) backbone.params.push_back({"feature_extractor." + p.key(), p.value()});
    }
  }
  if (!backbone.params.empty()) g.push_back(backbone);
  return g;
}

// keep_log_rows_up_to: drop the rows of epochs after `epoch` (the checkpoint resumed from): an
// epoch interrupted after its row was logged runs again and logs it again.
void keep_log_rows_up_to(const fs::path& path, int epoch) {
  std::ifstream in(path);
  if (!in) return;
  std::vector<std::string> kept;
  std::string line;
  bool dropped = false;
  while (std::getline(in, line)) {
    const bool header = kept.empty() && line.rfind("epoch,", 0) == 0;
    if (header || std::atoi(line.c_str()) <= epoch) {
      kept.push_back(line);
    } else {
      dropped = true;
    }
  }
  in.close();
  if (!dropped) return;
  std::ofstream out(path, std::ios::trunc);
  for (const auto& l : kept) out << l << '\n';
}

}  // namespace

Trainer::Trainer(DiMPNet net, ActorOptions actor, TrainerOptions options, std::string arch)
    : net_(net), actor_(net, actor), options_(std::move(options)), arch_(std::move(arch)), adam_(make_groups(net, options_)) {
  if (net_->feature_extractor) {
    for (const auto& p : net_->feature_extractor->named_parameters(true)) {
      if (frozen(options_.frozen_layers, p.key())) p.value().requires_grad_(false);
    }
  }
  if (!options_.workspace.empty()) fs::create_directories(options_.workspace);
  if (options_.resume) {
    const std::string latest = latest_checkpoint();
    if (!latest.empty()) {
      epoch_ = load_checkpoint(latest);
      std::printf("resumed from %s (epoch %d)\n", latest.c_str(), epoch_);
    }
  }
}

void Trainer::set_modes(bool training) {
  net_->train(training);
  if (!training || !net_->feature_extractor) return;
  // Frozen backbone parts keep their BatchNorm statistics.
  for (const auto& m : net_->feature_extractor->named_modules("", false)) {
    if (frozen(options_.frozen_layers, m.key())) m.value()->eval();
  }
  if (std::find(options_.frozen_layers.begin(), options_.frozen_layers.end(), "all") != options_.frozen_layers.end()) {
    net_->feature_extractor->eval();
  }
}

EpochStats Trainer::run_epoch(data::BatchLoader& loader, int epoch, bool training) {
  set_modes(training);
  adam_.set_lr_scale(std::pow(options_.lr_gamma, (epoch - 1) / options_.lr_step));
  loader.start_epoch(epoch);
  EpochStats s;
  s.epoch = epoch;
  s.training = training;
  int batches = 0;
  int64_t samples = 0;
  const auto t0 = std::chrono::steady_clock::now();
  BatchProgress progress{epoch, training, 0, loader.options().batches_per_epoch};
  while (auto batch = loader.next()) {
    at::AutoGradMode grad(training);
    ActorLosses l = actor_(*batch);
    if (!std::isfinite(l.total.item<double>())) {
      // A step on a non-finite loss would write NaN into every weight it touches (and into
      // the checkpoints): stop, leaving the last good checkpoint as it is.
      throw std::runtime_error("epoch " + std::to_string(epoch) + ", batch " + std::to_string(batches + 1) +
                               ": the loss is " + std::to_string(l.total.item<double>()) +
                               " (the weights or the data hold NaN/Inf, or training diverged); stopped before "
                               "updating the weights");
    }
    if (training) {
      adam_.zero_grad();
      l.total.backward();
      adam_.step();
    }
    s.loss += l.total.item<double>();
    s.clf_final += l.clf_final;
    s.clf_init += l.clf_init;
    s.clf_iter += l.clf_iter;
    s.iou += l.iou;
    ++batches;
    samples += batch->sequences();
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    progress.batch = batches;
    progress.samples_per_second = samples / secs;
    if (options_.on_batch) options_.on_batch(progress);
  }
  progress.epoch_done = true;
  if (options_.on_batch) options_.on_batch(progress);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (batches > 0) {
    for (double* v : {&s.loss, &s.clf_final, &s.clf_init, &s.clf_iter, &s.iou}) *v /= batches;
  }
  s.samples_per_second = secs > 0 ? samples / secs : 0;
  return s;
}

std::vector<EpochStats> Trainer::train(data::BatchLoader& train_loader, data::BatchLoader* val_loader) {
  std::vector<EpochStats> history;
  std::ofstream log;
  if (!options_.workspace.empty()) {
    const fs::path path = fs::path(options_.workspace) / "log.csv";
    keep_log_rows_up_to(path, epoch_);
    const bool fresh = !fs::exists(path);
    log.open(path, std::ios::app);
    if (fresh) log << "epoch,phase,loss,clf_final,clf_init,clf_iter,iou,samples_per_second\n";
  }
  auto record = [&](const EpochStats& s) {
    std::printf("epoch %3d %-5s loss %.4f  clf(final) %.5f  clf(init) %.5f  clf(iter) %.5f  iou %.4f  %.2f samples/s\n",
                s.epoch, s.training ? "train" : "val", s.loss, s.clf_final, s.clf_init, s.clf_iter, s.iou,
                s.samples_per_second);
    std::fflush(stdout);
    if (log.is_open()) {
      log << s.epoch << "," << (s.training ? "train" : "val") << "," << s.loss << "," << s.clf_final << "," << s.clf_init
          << "," << s.clf_iter << "," << s.iou << "," << s.samples_per_second << "\n";
      log.flush();
    }
    history.push_back(s);
  };
  for (int epoch = epoch_ + 1; epoch <= options_.epochs; ++epoch) {
    record(run_epoch(train_loader, epoch, true));
    epoch_ = epoch;
    if (val_loader) record(run_epoch(*val_loader, epoch, false));
    if (!options_.workspace.empty()) {
      char name[64];
      std::snprintf(name, sizeof name, "checkpoint_epoch_%04d.safetensors", epoch);
      save_checkpoint((fs::path(options_.workspace) / name).string(), epoch);
    }
  }
  return history;
}

EpochStats Trainer::evaluate(data::BatchLoader& loader, int epoch) { return run_epoch(loader, epoch, false); }

void Trainer::save_checkpoint(const std::string& path, int epoch) const {
  std::vector<std::pair<std::string, at::Tensor>> tensors;
  for (const auto& [name, t] : weights::named_state(*net_)) tensors.push_back({"net." + name, t});
  for (const auto& [name, t] : adam_.state()) tensors.push_back({"adam." + name, t});
  weights::write_safetensors(path, tensors, {{"epoch", std::to_string(epoch)}, {"arch", arch_}, {"format", "dimp-cpp-checkpoint"}});
}

int Trainer::load_checkpoint(const std::string& path) {
  const auto header = weights::read_safetensors_header(path);
  auto it = header.metadata.find("arch");
  if (it != header.metadata.end() && it->second != arch_) {
    throw weights::WeightsError("checkpoint " + path + " is for " + it->second + ", not " + arch_);
  }
  auto all = weights::read_safetensors(path);
  std::map<std::string, at::Tensor> net, adam;
  for (auto& [name, t] : all) {
    if (name.rfind("net.", 0) == 0) net[name.substr(4)] = t;
    if (name.rfind("adam.", 0) == 0) adam[name.substr(5)] = t;
  }
  weights::load_state(*net_, net, "checkpoint " + path);
  adam_.load_state(adam);
  return std::stoi(header.metadata.at("epoch"));
}

std::string Trainer::latest_checkpoint() const {
  if (options_.workspace.empty() || !fs::is_directory(options_.workspace)) return "";
  std::string best;
  const std::regex pattern("checkpoint_epoch_[0-9]{4}\\.safetensors");
  for (const auto& e : fs::directory_iterator(options_.workspace)) {
    const std::string n = e.path().filename().string();
    if (std::regex_match(n, pattern) && e.path().string() > best) best = e.path().string();
  }
  return best;
}

}  // namespace dimp::training
