// An application of another workspace: tracks a generated sequence with dimp-cpp's default
// tracker through the public aliases, and prints the success AUC.
#include <cstdio>

#include "data/metrics.h"
#include "data/synthetic.h"
#include "dimp/tracker.h"

int main() {
  auto seq = dimp::data::make_synthetic_sequence({320, 240, 40});
  auto tracker = dimp::make_tracker("weight-free", dimp::default_params("weight-free"));
  std::vector<dimp::bbox::Box> boxes{seq.ground_truth[0]};
  tracker->initialize(seq.frames[0], seq.ground_truth[0]);
  for (size_t i = 1; i < seq.frames.size(); ++i) boxes.push_back(tracker->track(seq.frames[i]).box);
  const auto m = dimp::data::evaluate(boxes, seq.ground_truth);
  std::printf("tracked %zu frames with %s: success AUC %.3f\n", boxes.size(), tracker->name().c_str(), m.auc);
  return m.auc > 0.3 ? 0 : 1;
}
