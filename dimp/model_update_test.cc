#include "dimp/model_update.h"

#include <gtest/gtest.h>

#include <numeric>

namespace dimp {
namespace {

double sum(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0); }

TEST(SampleWeights, FirstFrameSamplesShareTheWeight) {
  SampleWeights w(10, 0.25);
  w.reset(4);
  EXPECT_EQ(w.num_stored(), 4);
  for (int i = 0; i < 4; ++i) EXPECT_DOUBLE_EQ(w.weights()[i], 0.25);
  EXPECT_DOUBLE_EQ(w.weights()[4], 0.0);
}

TEST(SampleWeights, NewSamplesWeighLearningRateAndAgeGeometrically) {
  SampleWeights w(10, 0.0);
  w.reset(2);  // [0.5, 0.5]
  // First add: old weights /(1 − lr), new one lr, then normalised: [0.5/0.9, 0.5/0.9, 0.1]/sum.
  EXPECT_EQ(w.add(0.1), 2);
  const double s1 = 1.0 / 0.9 + 0.1;
  EXPECT_NEAR(w.weights()[0], (0.5 / 0.9) / s1, 1e-12);
  EXPECT_NEAR(w.weights()[2], 0.1 / s1, 1e-12);
  // Second add: the newest weighs the previous newest /(1 − lr).
  const double prev = w.weights()[2];
  EXPECT_EQ(w.add(0.1), 3);
  const double s2 = 1.0 + prev / 0.9;
  EXPECT_NEAR(w.weights()[3], (prev / 0.9) / s2, 1e-12);
  EXPECT_NEAR(sum(w.weights()), 1.0, 1e-12);
}

TEST(SampleWeights, FullMemoryReplacesTheLightestLaterSampleAndKeepsTheFirstFramesFloor) {
  SampleWeights w(5, 0.5);
  w.reset(2);
  std::vector<int> slots;
  for (int i = 0; i < 8; ++i) slots.push_back(w.add(0.3));
  EXPECT_EQ(slots[0], 2);
  EXPECT_EQ(slots[1], 3);
  EXPECT_EQ(slots[2], 4);
  // Once full, the lightest of the later samples (the oldest) goes; first-frame samples stay.
  for (size_t i = 3; i < slots.size(); ++i) EXPECT_GE(slots[i], 2);
  EXPECT_EQ(slots[3], 2);
  EXPECT_EQ(w.num_stored(), 5);
  EXPECT_NEAR(w.weights()[0] + w.weights()[1], 0.5, 1e-12);  // the floor
  EXPECT_NEAR(sum(w.weights()), 1.0, 1e-12);
}

TEST(SampleWeights, LearningRateOneKeepsOnlyTheNewSample) {
  SampleWeights w(5, 0.0);
  w.reset(3);
  EXPECT_EQ(w.add(1.0), 0);
  EXPECT_DOUBLE_EQ(w.weights()[0], 1.0);
  EXPECT_DOUBLE_EQ(sum(w.weights()), 1.0);
}

}  // namespace
}  // namespace dimp
