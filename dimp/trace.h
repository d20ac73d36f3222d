// dimp/trace.h — a tracker's intermediate tensors, by name, for comparisons with a reference
// implementation (tests/pytracking_parity_test.cc compares DiMP's with pytracking's).
//
//   struct Keep : dimp::TraceSink {
//     std::map<std::string, at::Tensor> seen;
//     void record(const std::string& name, const at::Tensor& t) override { seen[name] = t; }
//   } keep;
//   auto t = dimp::make_dimp("dimp18", params, "w.safetensors", &keep);
//
// Names and layouts follow pytracking's tracker: "init/..." during initialize(), "track/..."
// during track() (every frame; a sink keeps what it wants), tensors in pytracking's layouts
// (filters (1, C, k, k), scores (1, 1, H, W), boxes (N, 4) x, y, w, h in patch pixels):
//   init/patches, init/layer2, init/layer3   augmented patches (N, 3, S, S), backbone features
//   init/clf_features, init/boxes            classification features with the dropout copies, targets
//   init/filter0, init/filter                the initializer's filter, after net_opt_iter steps
//   init/iou_modulation2, init/iou_modulation3
//   track/patch, track/search                search patch (1, 3, S, S); region [x0, y0, x1, y1]
//   track/layer2, track/layer3, track/clf_features, track/scores
//   track/iou_features2, track/iou_features3 the IoU-Net's features of the whole patch
//   track/proposals, track/refined_boxes, track/refined_iou
// Recording costs time (copies, and the IoU features of the whole patch): off unless a sink is set.
#pragma once

#include <ATen/ATen.h>

#include <string>

namespace dimp {

// TraceSink: receives named intermediates; `value` may be a view the tracker reuses, so a sink
// that keeps it must copy it.
class TraceSink {
 public:
  virtual ~TraceSink() = default;
  virtual void record(const std::string& name, const at::Tensor& value) = 0;
};

}  // namespace dimp
