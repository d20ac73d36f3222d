#include <sstream>
#include <stdexcept>

#include "dimp/tracker.h"
#include "dimp/deep_tracker.h"
#include "dimp/dimp_tracker.h"
#include "dimp/weight_free.h"

namespace dimp {
namespace {

TrackerSpec weight_free_spec(const std::string& suffix, const std::string& description, WeightFreeOptimizer o,
                             WeightFreeLoss l, WeightFreeUpdate u) {
  TrackerSpec s;
  s.name = "weight-free" + suffix;
  s.description = description;
  s.default_params = [] { return weight_free_params(); };
  s.make = [o, l, u](const TrackerParams& p, const std::string&) { return make_weight_free(p, o, l, u); };
  return s;
}

std::vector<TrackerSpec> builtin_specs() {
  using O = WeightFreeOptimizer;
  using L = WeightFreeLoss;
  using U = WeightFreeUpdate;
  return {
      weight_free_spec("", "hand-crafted features, hinge loss, steepest descent, sample memory (the fallback that needs no network)",
                       O::kSteepestDescent, L::kHinge, U::kSampleMemory),
      weight_free_spec("-gd", "as weight-free, gradient descent with a fixed step", O::kGradientDescent, L::kHinge,
                       U::kSampleMemory),
      weight_free_spec("-init", "as weight-free, the initializer's target template only", O::kInitializerOnly,
                       L::kHinge, U::kSampleMemory),
      weight_free_spec("-ls", "as weight-free, least-squares loss", O::kSteepestDescent, L::kLeastSquares,
                       U::kSampleMemory),
      weight_free_spec("-noupdate", "as weight-free, the first frame's model throughout", O::kSteepestDescent,
                       L::kHinge, U::kNone),
      weight_free_spec("-averaging", "as weight-free, model averaging instead of the memory", O::kSteepestDescent,
                       L::kHinge, U::kModelAveraging),
      TrackerSpec{"deep", "features of a pretrained COCO network (CenterNet's MobileNetV3, installed by the set-up), "
                  "hinge loss, steepest descent, scale filters, sample memory", false, [] { return deep_params(); },
                  [](const TrackerParams& p, const std::string&) { return make_deep(p); }},
      TrackerSpec{"dimp-mobilenet", "DiMP's head (classification features, learned loss, initializer, IoU-Net) trained "
                  "by this project on the pretrained MobileNetV3; its weights ship with the project", false,
                  [] {
                    // Float: its backbone runs in float anyway, and the head's bfloat16 path
                    // measured ~5x slower on the development set (6 vs ~30 FPS).
                    TrackerParams p = dimp_params();
                    p.network_precision = "float32";
                    return p;
                  },
                  [](const TrackerParams& p, const std::string& w) { return make_dimp_mobilenet(p, w); }},
      TrackerSpec{"dimp18", "DiMP-18: ResNet-18, learned loss, steepest descent, IoU-Net (needs --weights)", true,
                  [] { return dimp_params(); }, [](const TrackerParams& p, const std::string& w) { return make_dimp18(p, w); }, true},
      TrackerSpec{"dimp50", "DiMP-50: ResNet-50, learned loss, steepest descent, IoU-Net (needs --weights)", true,
                  [] { return dimp_params(); }, [](const TrackerParams& p, const std::string& w) { return make_dimp50(p, w); }, true},
      TrackerSpec{"prdimp18", "PrDiMP-18: DiMP-18 with the KL objective (Newton-step optimizer, softmax scores) and "
                  "refinement in the relative box space (needs --weights)", true,
                  [] { return prdimp_params("prdimp18"); },
                  [](const TrackerParams& p, const std::string& w) { return make_prdimp18(p, w); }, true},
      TrackerSpec{"prdimp50", "PrDiMP-50: as prdimp18 on ResNet-50, 352-pixel search area (needs --weights)", true,
                  [] { return prdimp_params("prdimp50"); },
                  [](const TrackerParams& p, const std::string& w) { return make_prdimp50(p, w); }, true},
      TrackerSpec{"superdimp", "SuperDiMP: DiMP-50's classifier, PrDiMP's box refinement, 352-pixel search area "
                  "(needs --weights)", true, [] { return prdimp_params("superdimp"); },
                  [](const TrackerParams& p, const std::string& w) { return make_superdimp(p, w); }, true},
      TrackerSpec{"prdimp-mobilenet", "dimp-mobilenet's head trained with PrDiMP's objective and box regression "
                  "(training/settings/prdimp_mobilenet.json; needs --weights)", true,
                  [] { return prdimp_params("prdimp-mobilenet"); },
                  [](const TrackerParams& p, const std::string& w) { return make_prdimp_mobilenet(p, w); }},
  };
}

const TrackerSpec& find(const std::string& name) {
  for (const auto& s : tracker_specs()) {
    if (s.name == name) return s;
  }
  std::ostringstream msg;
  msg << "unknown tracker '" << name << "'; known trackers:";
  for (const auto& s : tracker_specs()) msg << " " << s.name;
  throw std::invalid_argument(msg.str());
}

}  // namespace

const std::vector<TrackerSpec>& tracker_specs() {
  static const std::vector<TrackerSpec> specs = builtin_specs();
  return specs;
}

std::vector<std::string> tracker_names() {
  std::vector<std::string> out;
  for (const auto& s : tracker_specs()) out.push_back(s.name);
  return out;
}

TrackerParams default_params(const std::string& name) { return find(name).default_params(); }

TrackerParams resolve_params(const std::string& name, const std::string& params_file,
                             const std::vector<std::string>& overrides) {
  TrackerParams p = default_params(name);
  if (!params_file.empty()) p = TrackerParams::from_json_file(params_file, p);
  p.apply_overrides(overrides);
  return p;
}

std::unique_ptr<VisualTracker> make_tracker(const std::string& name, const TrackerParams& params,
                                            const std::string& weights) {
  const TrackerSpec& spec = find(name);
  if (spec.needs_weights && weights.empty()) {
    throw std::invalid_argument("tracker '" + name + "' needs a weights file (--weights)");
  }
  // The variants on CUDA check the device itself, before their weights load (build_net_tracker).
  if (params.device != "cpu" && !spec.runs_on_cuda) {
    std::ostringstream msg;
    msg << "tracker '" << name << "' runs on the CPU only (device = " << params.device << "); on CUDA:";
    for (const auto& s : tracker_specs()) {
      if (s.runs_on_cuda) msg << " " << s.name;
    }
    throw std::invalid_argument(msg.str());
  }
  return spec.make(params, weights);
}

}  // namespace dimp
