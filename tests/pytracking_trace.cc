#include "tests/pytracking_trace.h"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "data/cv/image_io.h"
#include "dimp/dimp_tracker.h"
#include "dimp/trace.h"
#include "dimp/tracker.h"
#include "dimp/weights/safetensors.h"
#include "dimp/weights/state_dict.h"
#include "tests/testing.h"
#include "training/batchnorm_calibration.h"

namespace dimp::testing {
namespace {

using nlohmann::json;

constexpr int64_t kSamples = 1024;  // as tools/pytracking_parity/run_pytracking.py

json read_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open trace " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return json::parse(ss.str());
}

bbox::Box box_of(const json& j) { return {j.at(0).get<double>(), j.at(1).get<double>(), j.at(2).get<double>(), j.at(3).get<double>()}; }

}  // namespace

Trace read_trace(const std::string& path) {
  const json j = read_json(path);
  if (j.at("format") != "dimp-cpp pytracking trace 1") throw std::runtime_error(path + ": not a trace of format 1");
  Trace t;
  t.path = path;
  t.arch = j.at("arch");
  t.sequence = j.at("sequence");
  t.draws = j.at("draws");
  t.seed = j.at("seed").get<uint64_t>();
  t.weights_crc32 = j.at("weights_crc32").get<uint32_t>();
  for (const auto& [k, v] : j.at("overrides").items()) t.overrides[k] = v.dump();
  t.dropout_num = j.at("dropout").at(0).get<int>();
  t.dropout_prob = j.at("dropout").at(1).get<double>();
  for (const auto& f : j.at("frames")) {
    TraceFrame fr;
    fr.box = box_of(f.at("box"));
    fr.flag = f.at("flag");
    if (!f.at("score").is_null()) fr.score = f.at("score").get<double>();
    if (f.contains("search") && !f.at("search").is_null()) fr.search = f.at("search").get<std::vector<double>>();
    t.frames.push_back(fr);
  }
  return t;
}

ReducedTensor reduce(const at::Tensor& t) {
  const auto flat = t.detach().to(at::kCPU, at::kDouble).reshape({-1}).contiguous();
  const int64_t n = flat.numel();
  const int64_t stride = std::max<int64_t>(1, (n + kSamples - 1) / kSamples);
  ReducedTensor r;
  r.sampled = flat.slice(0, 0, n, stride).to(at::kFloat).contiguous();
  r.stats = at::tensor({static_cast<double>(n), flat.sum().item<double>(), (flat * flat).sum().item<double>(),
                        flat.min().item<double>(), flat.max().item<double>()},
                       at::kDouble);
  return r;
}

std::map<std::string, ReducedTensor> read_intermediates(const std::string& path) {
  const auto tensors = weights::read_safetensors(path);
  std::map<std::string, ReducedTensor> out;
  for (const auto& [name, t] : tensors) {
    if (name.size() > 6 && name.compare(name.size() - 6, 6, ".stats") == 0) continue;
    const auto stats = tensors.find(name + ".stats");
    if (stats == tensors.end()) throw std::runtime_error(path + ": " + name + " has no .stats");
    out[name] = {t, stats->second};
  }
  return out;
}

double relative_error(const ReducedTensor& ours, const ReducedTensor& theirs) {
  if (ours.stats[0].item<double>() != theirs.stats[0].item<double>() || ours.sampled.numel() != theirs.sampled.numel()) {
    return INFINITY;  // different element counts
  }
  const double ref = theirs.sampled.to(at::kDouble).norm().item<double>();
  const double diff = (ours.sampled.to(at::kDouble) - theirs.sampled.to(at::kDouble)).norm().item<double>();
  const double sampled = diff / std::max(ref, 1e-30);
  const double a = std::sqrt(ours.stats[2].item<double>()), b = std::sqrt(theirs.stats[2].item<double>());
  const double whole = std::abs(a - b) / std::max(b, 1e-30);
  return std::max(sampled, whole);
}

ParityWeights parity_weights(const std::string& arch, uint64_t seed) {
  DiMPNet net = training::seeded_calibrated_net(arch, seed);
  std::map<std::string, at::Tensor> state;
  for (const auto& item : net->named_parameters()) state[item.key()] = item.value();
  for (const auto& item : net->named_buffers()) state[item.key()] = item.value();
  uLong crc = crc32(0L, Z_NULL, 0);
  for (const auto& [name, value] : state) {
    crc = crc32(crc, reinterpret_cast<const Bytef*>(name.data()), static_cast<uInt>(name.size()));
    const auto t = value.detach().to(at::kCPU).contiguous();
    crc = crc32(crc, static_cast<const Bytef*>(t.data_ptr()), static_cast<uInt>(t.numel() * t.element_size()));
  }
  ParityWeights w;
  w.path = temp_path(arch + "_parity_seed" + std::to_string(seed) + ".safetensors");
  w.crc32 = static_cast<uint32_t>(crc);
  weights::save_module(*net, w.path);
  return w;
}

TrackerParams params_like_trace(const Trace& trace, const std::string& geometry) {
  TrackerParams p = default_params(trace.arch);
  for (const auto& [name, value] : trace.overrides) {
    if (name == "use_gpu") continue;  // pytracking's device
    p.set(name, value);
  }
  p.augment_dropout_num = trace.dropout_num;
  p.augment_dropout_prob = trace.dropout_prob;
  p.network_precision = "float32";
  p.geometry = geometry;
  p.seed = trace.seed;
  p.validate();
  return p;
}

namespace {

// Keeper: keeps init/* and the first track() frames' track/*, and every frame's search region
// and score maximum.
class Keeper : public TraceSink {
 public:
  explicit Keeper(int record_frames) : record_frames_(record_frames) {}
  void next_frame() { ++frame_; }
  void record(const std::string& name, const at::Tensor& value) override {
    if (name == "track/scores") last_score_ = value.max().item<double>();
    if (name == "track/search") {
      auto s = value.to(at::kDouble).contiguous();
      last_search_.assign(s.data_ptr<double>(), s.data_ptr<double>() + s.numel());
    }
    if (frame_ < record_frames_) kept[name] = value.detach().clone();
  }
  std::map<std::string, at::Tensor> kept;
  double last_score_ = 0;
  std::vector<double> last_search_;

 private:
  int record_frames_, frame_ = 0;  // frame 0: initialize()
};

}  // namespace

TrackedRun run_tracker(const std::string& arch, const TrackerParams& params, const std::string& weights,
                       const data::Sequence& sequence, const bbox::Box& init_box, int record_frames, size_t frames) {
  Keeper keeper(record_frames);
  auto tracker = make_dimp(arch, params, weights, &keeper);
  TrackedRun run;
  tracker->initialize(data::load_image(sequence.frames[0]), init_box);
  run.boxes.push_back(init_box);
  run.flags.push_back("init");
  run.scores.push_back(0);
  run.search.emplace_back();
  const size_t n = frames > 0 ? std::min(frames, sequence.frames.size()) : sequence.frames.size();
  for (size_t i = 1; i < n; ++i) {
    keeper.next_frame();
    const TrackResult r = tracker->track(data::load_image(sequence.frames[i]));
    run.boxes.push_back(r.box);
    run.flags.push_back(to_string(r.status));
    run.scores.push_back(keeper.last_score_);
    run.search.push_back(keeper.last_search_);
  }
  run.intermediates = std::move(keeper.kept);
  return run;
}

data::Sequence read_sequence(const std::string& data_dir, const std::string& name) {
  if (name.rfind("otb/", 0) == 0) return data::read_otb_sequence(data_dir + "/" + name);
  if (name.rfind("vot/", 0) == 0) return data::read_vot_sequence(data_dir + "/" + name);
  throw std::invalid_argument("read_sequence: expected otb/<name> or vot/<name>, got " + name);
}

}  // namespace dimp::testing
