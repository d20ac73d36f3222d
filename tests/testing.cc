#include "tests/testing.h"

#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <stdexcept>

namespace fs = std::filesystem;

namespace dimp::testing {

std::optional<std::string> source_root() {
  // The anchor file is a runfile; its symlinks lead back to the source tree.
  std::error_code ec;
  for (const char* var : {"TEST_SRCDIR", "RUNFILES_DIR"}) {
    const char* base = std::getenv(var);
    if (!base) continue;
    fs::path anchor = fs::path(base) / "dimp_cpp" / "tests" / "data_anchor.txt";
    if (!fs::exists(anchor, ec)) continue;
    fs::path real = fs::canonical(anchor, ec);
    if (!ec) return real.parent_path().parent_path().string();
  }
  // Outside Bazel (CMake/ctest): the working directory or its parents hold the checkout.
  fs::path p = fs::current_path(ec);
  for (int i = 0; i < 4 && !ec && !p.empty(); ++i, p = p.parent_path()) {
    if (fs::exists(p / "tests" / "data_anchor.txt", ec)) return p.string();
  }
  return std::nullopt;
}

DataDir find_data_dir() {
  std::error_code ec;
  if (const char* env = std::getenv("DIMP_DATA_DIR"); env && *env) {
    if (!fs::is_directory(env, ec)) return {std::nullopt, std::string("DIMP_DATA_DIR=") + env + " is not a folder"};
    if (!fs::is_directory(fs::path(env) / "otb", ec) && !fs::is_directory(fs::path(env) / "vot", ec)) {
      return {std::nullopt, std::string("DIMP_DATA_DIR=") + env + " holds neither otb/ nor vot/"};
    }
    return {fs::canonical(env, ec).string(), ""};
  }
  if (auto root = source_root()) {
    fs::path candidate = fs::path(*root).parent_path() / "shared" / "data";
    if (fs::is_directory(candidate, ec)) return {fs::canonical(candidate, ec).string(), ""};
  }
  return {};
}

std::optional<std::string> shared_data_dir() { return find_data_dir().dir; }

std::string temp_path(const std::string& name) {
  static std::once_flag once;
  static std::string dir;
  std::call_once(once, [] {
    const char* base = std::getenv("TEST_TMPDIR");
    std::string pattern = (fs::path(base ? base : fs::temp_directory_path().string()) / "dimp-test-XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw std::runtime_error("cannot create a temporary folder from " + pattern);
    dir = pattern;
  });
  return (fs::path(dir) / name).string();
}

}  // namespace dimp::testing
