#include "tests/testing.h"

#include <cstdlib>
#include <filesystem>

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

std::optional<std::string> shared_data_dir() {
  std::error_code ec;
  if (const char* env = std::getenv("DIMP_DATA_DIR"); env && *env) {
    if (fs::is_directory(env, ec)) return fs::canonical(env, ec).string();
    return std::nullopt;
  }
  if (auto root = source_root()) {
    fs::path candidate = fs::path(*root).parent_path() / "shared" / "data";
    if (fs::is_directory(candidate, ec)) return fs::canonical(candidate, ec).string();
  }
  return std::nullopt;
}

}  // namespace dimp::testing
