// tests/testing.h — shared test helpers: where the real sequences are, skipping cleanly when
// none were configured, and per-process temporary files.
//
// The one setting: the environment variable DIMP_DATA_DIR names the folder holding the real
// sequences (otb/<name>/..., vot/<name>/...). Unset, tests look for ../shared/data beside the
// source checkout. Tests that need the data call DIMP_REQUIRE_DATA(): skipped, with a message
// naming the setting, when no data was configured at all; failed when DIMP_DATA_DIR names a
// folder that is missing or holds neither otb/ nor vot/ (a wrong setting must not pass).
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace dimp::testing {

// DataDir: the real-data folder, or why there is none. `error` is set when DIMP_DATA_DIR was
// given but is wrong; both are empty when nothing was configured and the default is absent.
struct DataDir {
  std::optional<std::string> dir;
  std::string error;
};
DataDir find_data_dir();

// shared_data_dir: the real-data folder, or nullopt (for tools-like uses; tests use the macro).
std::optional<std::string> shared_data_dir();

// source_root: the checkout's root folder (found through the test's runfiles).
std::optional<std::string> source_root();

// temp_path: `name` inside a folder of this test process's own (under Bazel's TEST_TMPDIR when
// set), so concurrent test processes never share a file.
std::string temp_path(const std::string& name);

}  // namespace dimp::testing

// DIMP_REQUIRE_DATA(var): declares `std::string var` holding the data folder; skips the test
// when no data was configured, fails it when DIMP_DATA_DIR is wrong.
#define DIMP_REQUIRE_DATA(var)                                                                \
  const auto var##_found = ::dimp::testing::find_data_dir();                                  \
  if (!var##_found.error.empty()) GTEST_FAIL() << var##_found.error;                          \
  if (!var##_found.dir) {                                                                     \
    GTEST_SKIP() << "real tracking data not found: set DIMP_DATA_DIR to the folder holding "   \
                    "otb/ and vot/ (default: ../shared/data beside the checkout)";            \
  }                                                                                           \
  const std::string var = *var##_found.dir
