#include "training/settings.h"

#include <cmath>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <stdexcept>

namespace dimp::training {
namespace {

using nlohmann::json;

// shown: a value as JSON text for a message, invalid UTF-8 replaced (dump() would throw).
std::string shown(const json& v) { return v.dump(-1, ' ', false, json::error_handler_t::replace); }

// Object: one JSON object of the settings, read key by key; keys never read are reported as
// unknown by finish() (a misspelled key must not silently fall back to a default).
class Object {
 public:
  Object(const json& j, std::string where) : j_(j), where_(std::move(where)) {
    if (!j_.is_object()) fail("", "must be a JSON object");
  }

  [[noreturn]] void fail(const std::string& key, const std::string& what) const {
    throw std::invalid_argument(where_ + (key.empty() ? "" : ": '" + key + "'") + " " + what);
  }

  bool has(const std::string& key) {
    used_.insert(key);
    return j_.contains(key);
  }

  int integer(const std::string& key, int fallback, int lo, int hi) {
    if (!has(key)) return fallback;
    const json& v = j_.at(key);
    if (!v.is_number_integer()) fail(key, "must be an integer, got " + shown(v));
    const bool in = v.is_number_unsigned()
                        ? v.get<uint64_t>() <= static_cast<uint64_t>(hi) && static_cast<int64_t>(v.get<uint64_t>()) >= lo
                        : v.get<int64_t>() >= lo && v.get<int64_t>() <= hi;
    if (!in) fail(key, "= " + shown(v) + " is outside [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    return static_cast<int>(v.get<int64_t>());
  }

  uint64_t unsigned_integer(const std::string& key, uint64_t fallback) {
    if (!has(key)) return fallback;
    const json& v = j_.at(key);
    if (!v.is_number_unsigned()) fail(key, "must be a non-negative integer, got " + shown(v));
    return v.get<uint64_t>();
  }

  double number(const std::string& key, double fallback, double lo, double hi, bool lo_open = false) {
    if (!has(key)) return fallback;
    const json& v = j_.at(key);
    if (!v.is_number()) fail(key, "must be a number, got " + shown(v));
    const double x = v.get<double>();
    if (!std::isfinite(x) || !(lo_open ? x > lo : x >= lo) || !(x <= hi)) {
      std::ostringstream range;
      range << (lo_open ? "(" : "[") << lo << ", " << hi << "]";
      fail(key, "= " + shown(v) + " is outside " + range.str());
    }
    return x;
  }

  std::string string(const std::string& key, const std::string& fallback, bool required = false) {
    if (!has(key)) {
      if (required) fail(key, "is required");
      return fallback;
    }
    const json& v = j_.at(key);
    if (!v.is_string()) fail(key, "must be a string, got " + shown(v));
    return v.get<std::string>();
  }

  const json& array(const std::string& key) {
    if (!has(key)) fail(key, "is required");
    const json& v = j_.at(key);
    if (!v.is_array()) fail(key, "must be a list, got " + shown(v));
    return v;
  }

  const json& object(const std::string& key) {
    has(key);
    return j_.at(key);
  }

  const std::string& where() const { return where_; }

  // finish: every key was read ("_comment" and other "_" keys are notes).
  void finish() const {
    for (auto it = j_.begin(); it != j_.end(); ++it) {
      if (!it.key().empty() && it.key()[0] == '_') continue;
      if (!used_.count(it.key())) fail(it.key(), "is not a known setting here");
    }
  }

 private:
  const json& j_;
  std::string where_;
  std::set<std::string> used_;
};

DatasetSettings read_dataset(const json& j, const std::string& where) {
  Object o(j, where);
  DatasetSettings d;
  d.type = o.string("type", "", /*required=*/true);
  d.weight = o.number("weight", d.weight, 0, 1e6, /*lo_open=*/true);
  if (d.type == "synthetic") {
    auto& s = d.synthetic;
    s.sequences = o.integer("sequences", s.sequences, 1, 1000000);
    s.frames = o.integer("frames", s.frames, 20, 10000);
    s.width = o.integer("width", s.width, 64, 4096);
    s.height = o.integer("height", s.height, 64, 4096);
    s.seed = o.unsigned_integer("seed", s.seed);
  } else if (d.type == "got10k" || d.type == "lasot" || d.type == "trackingnet") {
    d.root = o.string("root", "", /*required=*/true);
    if (d.type == "trackingnet" && o.has("sets")) {
      const json& sets = o.array("sets");
      d.sets.clear();
      for (const auto& v : sets) {
        if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() > 11) {
          o.fail("sets", "must list TrackingNet training parts 0 to 11, got " + shown(v));
        }
        d.sets.push_back(static_cast<int>(v.get<int64_t>()));
      }
      if (d.sets.empty()) o.fail("sets", "is empty");
    }
  } else if (d.type == "coco") {
    d.annotations = o.string("annotations", "", /*required=*/true);
    d.images = o.string("images", "", /*required=*/true);
  } else {
    o.fail("type", "= \"" + d.type + "\" is none of synthetic, got10k, lasot, trackingnet, coco");
  }
  o.finish();
  return d;
}

std::vector<DatasetSettings> read_datasets(Object& parent, const std::string& key) {
  const json& list = parent.array(key);
  if (list.empty()) parent.fail(key, "is empty: name at least one dataset");
  std::vector<DatasetSettings> out;
  for (size_t i = 0; i < list.size(); ++i) {
    out.push_back(read_dataset(list[i], parent.where() + ": " + key + "[" + std::to_string(i) + "]"));
  }
  return out;
}

}  // namespace

TrainingSettings parse_training_settings(const std::string& text, const std::string& where) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {  // parse_error, or out_of_range for a number like 1e999
    throw std::invalid_argument(where + ": not valid JSON (" + e.what() + ")");
  }
  Object o(j, where);
  TrainingSettings s;
  s.arch = o.string("arch", s.arch);
  static const std::set<std::string> trainable{"dimp18", "dimp50", "dimp-mobilenet", "prdimp18", "prdimp50",
                                               "prdimp-mobilenet"};
  if (!trainable.count(s.arch)) {
    o.fail("arch", "= \"" + s.arch + "\" is none of dimp18, dimp50, dimp-mobilenet, prdimp18, prdimp50, prdimp-mobilenet");
  }
  if (s.arch.rfind("prdimp", 0) == 0) {  // the KL objective (DiMPNetConfig::from_arch)
    // PrDiMP's training (pytracking's prdimp18/50 settings): KL losses, 128 proposals per test
    // frame drawn from a Gaussian mixture with their densities.
    s.actor = ActorOptions::prdimp();
    s.processing.proposal_sampling = "gmm";
    s.processing.proposals_per_frame = 128;
  }
  s.seed = o.unsigned_integer("seed", s.seed);
  s.init_weights = o.string("init_weights", "");
  s.processing.output_size = o.integer("image_size", s.processing.output_size, 64, 1024);
  if (s.processing.output_size % 16 != 0) o.fail("image_size", "must be a multiple of 16 (the feature stride)");
  s.trainer.epochs = o.integer("epochs", s.trainer.epochs, 1, 10000);
  s.loader.batch_size = o.integer("batch_size", s.loader.batch_size, 1, 1024);
  s.loader.batches_per_epoch = o.integer("batches_per_epoch", 100, 1, 1000000);
  s.loader.workers = o.integer("workers", s.loader.workers, 0, 64);
  s.loader.seed = s.seed;
  s.sampler.max_gap = o.integer("max_gap", s.sampler.max_gap, 1, 10000);
  s.sampler.num_train_frames = o.integer("num_train_frames", s.sampler.num_train_frames, 1, 16);
  s.sampler.num_test_frames = o.integer("num_test_frames", s.sampler.num_test_frames, 1, 16);
  s.actor.num_iter = o.integer("optimizer_iterations", s.actor.num_iter, 0, 100);
  s.trainer.lr_step = o.integer("lr_step", s.trainer.lr_step, 1, 10000);
  s.trainer.lr_gamma = o.number("lr_gamma", s.trainer.lr_gamma, 0, 1, /*lo_open=*/true);
  s.trainer.workspace = o.string("workspace", "workspace/" + s.arch);
  if (s.trainer.workspace.empty()) o.fail("workspace", "is empty");
  if (o.has("frozen_layers")) {
    for (const auto& v : o.array("frozen_layers")) {
      static const std::set<std::string> known{"conv1", "layer1", "layer2", "layer3", "layer4", "all"};
      if (!v.is_string() || !known.count(v.get<std::string>())) {
        o.fail("frozen_layers", "lists " + shown(v) + ", none of conv1, layer1, layer2, layer3, layer4, all");
      }
      s.trainer.frozen_layers.push_back(v.get<std::string>());
    }
  }
  if (o.has("lr")) {
    Object lr(o.object("lr"), where + ": lr");
    auto& t = s.trainer;
    t.lr_backbone = lr.number("backbone", t.lr_backbone, 0, 1);
    t.lr_initializer = lr.number("filter_initializer", t.lr_initializer, 0, 1);
    t.lr_filter_optimizer = lr.number("filter_optimizer", t.lr_filter_optimizer, 0, 1);
    t.lr_classification_features = lr.number("classification_features", t.lr_classification_features, 0, 1);
    t.lr_bb_regressor = lr.number("bb_regressor", t.lr_bb_regressor, 0, 1);
    lr.finish();
  }
  s.datasets = read_datasets(o, "datasets");
  for (const auto& d : s.datasets) s.sampler.weights.push_back(d.weight);
  if (o.has("validation")) {
    Object v(o.object("validation"), where + ": validation");
    s.validation_batches = v.integer("batches", s.validation_batches, 1, 1000000);
    s.validation = read_datasets(v, "datasets");
    v.finish();
  }
  o.finish();
  return s;
}

TrainingSettings read_training_settings(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::invalid_argument("cannot open settings file " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_training_settings(ss.str(), path);
}

}  // namespace dimp::training
