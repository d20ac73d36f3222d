// tests/testing.h — shared test helpers: where the real sequences are, and skipping cleanly
// when they are absent.
//
// The one setting: the environment variable DIMP_DATA_DIR names the folder holding the real
// sequences (otb/<name>/..., vot/<name>/...). Unset, tests look for ../shared/data beside the
// source checkout. Tests that need the data call DIMP_REQUIRE_DATA() and are skipped, with a
// message naming the setting, when it is not there.
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace dimp::testing {

// shared_data_dir: the real-data folder, or nullopt when it does not exist.
std::optional<std::string> shared_data_dir();

// source_root: the checkout's root folder (found through the test's runfiles).
std::optional<std::string> source_root();

}  // namespace dimp::testing

// DIMP_REQUIRE_DATA(var): declares `std::string var` holding the data folder, or skips the test.
#define DIMP_REQUIRE_DATA(var)                                                              \
  auto var##_opt = ::dimp::testing::shared_data_dir();                                     \
  if (!var##_opt) {                                                                         \
    GTEST_SKIP() << "real tracking data not found: set DIMP_DATA_DIR to the folder holding " \
                    "otb/ and vot/ (default: ../shared/data beside the checkout)";          \
  }                                                                                         \
  const std::string var = *var##_opt
