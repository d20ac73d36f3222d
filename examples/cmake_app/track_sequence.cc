// track_sequence — an application built against the installed dimp package: tracks an OTB or
// VOT sequence folder (frames + ground truth) with a registered tracker and prints its AUC.
//
//   track_sequence ../shared/data/otb/Crossing [weight-free]
#include <cstdio>
#include <filesystem>
#include <string>

#include "data/cv/image_io.h"
#include "data/metrics.h"
#include "data/sequence.h"
#include "dimp/tracker.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s SEQUENCE_FOLDER [TRACKER]\n", argv[0]);
    return 2;
  }
  try {
    const std::string dir = argv[1];
    const auto seq = std::filesystem::exists(dir + "/groundtruth.txt") ? dimp::data::read_vot_sequence(dir)
                                                                       : dimp::data::read_otb_sequence(dir);
    const std::string name = argc > 2 ? argv[2] : "weight-free";
    auto tracker = dimp::make_tracker(name, dimp::default_params(name));
    std::vector<dimp::bbox::Box> boxes{seq.ground_truth[0]};
    tracker->initialize(dimp::data::load_image(seq.frames[0]), seq.ground_truth[0]);
    for (size_t i = 1; i < seq.size(); ++i) boxes.push_back(tracker->track(dimp::data::load_image(seq.frames[i])).box);
    const auto m = dimp::data::evaluate(boxes, seq.ground_truth);
    std::printf("%s on %s: %zu frames, success AUC %.3f\n", name.c_str(), seq.name.c_str(), boxes.size(), m.auc);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "track_sequence: %s\n", e.what());
    return 1;
  }
  return 0;
}
