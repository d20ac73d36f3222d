// dimp/dimp_tracker_factory.h — the tracker on a DiMP network (any backbone configuration and
// classifier objective) from a weights file: DiMP-18/50 and the MobileNet head
// (dimp_tracker.cc, the learned loss), PrDiMP-18/50 (prdimp_tracker.cc, the KL objective).
// Heavy: includes tracker_impl.h; only those two .cc files include it.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "dimp/dimp_tracker.h"
#include "dimp/runtime.h"
#include "dimp/tracker_impl.h"
#include "dimp/weights/state_dict.h"

namespace dimp {

template <class N, class Loss, template <class> class Opt>
using NetTracker = Tracker<DiMPFeatures<N>, Loss, Opt, LinearFilterInitializer, IoUNetBoxEstimator, SampleMemory>;

// build_net_tracker: N's network with `weights`, its classifier's objective as the model
// predictor's loss and optimizer, the IoU-Net as box estimator, named `name`.
template <class N, class Loss, template <class> class Opt>
std::unique_ptr<VisualTracker> build_net_tracker(const std::string& name, const TrackerParams& requested,
                                                 const std::string& weights, TraceSink* trace = nullptr) {
  using T = NetTracker<N, Loss, Opt>;
  const at::Device device = compute_device(requested.device);
  if (!device.is_cpu() && N::config().backbone != "resnet") {
    throw std::invalid_argument(name + ": device " + requested.device + ": its pretrained backbone runs on the CPU only");
  }
  DiMPNet net(N::config());
  weights::load_module(*net, weights);
  const TrackerParams params = resolve_geometry(requested, weights);  // after the load: its errors first
  net->to(device);  // before folding: the folded weights are made where they run
  net->prepare_inference(network_compute_type(params.network_precision, device));
  for (auto& p : net->parameters()) p.requires_grad_(false);
  const auto cfg = net->config();
  optim::FilterGeometry geometry{cfg.feature_stride, cfg.filter_size, cfg.filter_size,
                                 params.image_sample_size / static_cast<int64_t>(cfg.feature_stride),
                                 params.image_sample_size / static_cast<int64_t>(cfg.feature_stride)};
  auto optimizer = [&] {
    if constexpr (std::is_same_v<Loss, losses::KLDivergenceLoss>) {
      return net->kl_optimizer(params.net_opt_iter);
    } else {
      return net->optimizer(params.net_opt_iter);
    }
  };
  typename T::Predictor predictor(optimizer(), net->initializer(), geometry);
  auto tracker = std::make_unique<T>(name, DiMPFeatures<N>(net), std::move(predictor), IoUNetBoxEstimator(net), params);
  tracker->set_trace(trace);
  return tracker;
}

}  // namespace dimp
