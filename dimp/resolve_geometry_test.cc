// geometry "auto" (DiMP's variants' default) settles on the weights file's origin: pytracking's
// geometry for a file converted from pytracking's checkpoint, ours for any other.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>

#include "dimp/dimp_tracker.h"
#include "dimp/weights/safetensors.h"

namespace dimp {
namespace {

std::string weights_file(const std::string& name, const std::map<std::string, std::string>& metadata) {
  const char* dir = std::getenv("TEST_TMPDIR");
  const std::string path = (std::filesystem::path(dir ? dir : "/tmp") / name).string();
  weights::write_safetensors(path, {{"w", at::zeros({2})}}, metadata);
  return path;
}

TEST(ResolveGeometry, AutoFollowsTheWeightsOriginAndExplicitValuesStay) {
  // As dimp_weights convert writes a pytracking checkpoint's metadata (convert_test checks it).
  const std::string converted = weights_file("converted.safetensors", {{"format", "pytracking-state-dict"},
                                                                       {"source", "dimp18.pth"}});
  const std::string ours = weights_file("ours.safetensors", {{"arch", "dimp18"}, {"seed", "1"}});
  const std::string bare = weights_file("bare.safetensors", {});
  TrackerParams p = dimp_params();
  EXPECT_EQ(p.geometry, "auto");
  EXPECT_FALSE(p.pytracking_geometry()) << "unsettled auto counts as exact";
  EXPECT_EQ(resolve_geometry(p, converted).geometry, "pytracking");
  EXPECT_TRUE(resolve_geometry(p, converted).pytracking_geometry());
  EXPECT_EQ(resolve_geometry(p, ours).geometry, "exact");
  EXPECT_EQ(resolve_geometry(p, bare).geometry, "exact");
  p.geometry = "exact";
  EXPECT_EQ(resolve_geometry(p, converted).geometry, "exact") << "an explicit choice is kept";
  p.geometry = "pytracking";
  EXPECT_EQ(resolve_geometry(p, ours).geometry, "pytracking");
  for (const auto& f : {converted, ours, bare}) std::remove(f.c_str());
}

}  // namespace
}  // namespace dimp
