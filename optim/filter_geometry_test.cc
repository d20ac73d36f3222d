#include "optim/filter_geometry.h"

#include <gtest/gtest.h>

namespace dimp::optim {
namespace {

TEST(FilterGeometry, ScoreCentresFollowTheFilterParity) {
  FilterGeometry even{16, 4, 4, 18, 18}, odd{16, 5, 5, 18, 18};
  auto box = at::tensor({136.0, 128.0, 16.0, 32.0}, at::kDouble);  // centre (144, 144)
  auto ce = score_centers(box, even), co = score_centers(box, odd);
  EXPECT_DOUBLE_EQ(ce[0].item<double>(), 9.0);  // a 288 patch's centre is cell 9 of 19
  EXPECT_DOUBLE_EQ(co[0].item<double>(), 8.5);  // odd filters: cells centred half a cell later
  EXPECT_DOUBLE_EQ(ce[1].item<double>(), 9.0);
  EXPECT_EQ(even.output_h(), 19);
  EXPECT_EQ(odd.output_h(), 18);
  // The scalar maps agree with the tensor one, and invert each other.
  EXPECT_DOUBLE_EQ(even.patch_to_score_x(144), 9.0);
  EXPECT_DOUBLE_EQ(odd.score_to_patch_x(odd.patch_to_score_x(101.5)), 101.5);
}

}  // namespace
}  // namespace dimp::optim
