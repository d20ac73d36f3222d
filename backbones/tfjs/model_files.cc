#include "backbones/tfjs/model_files.h"

#include <cstdlib>
#include <filesystem>
#include <vector>

#include "backbones/tfjs/tfjs_error.h"

namespace fs = std::filesystem;

namespace dimp::backbones::tfjs {

std::string find_model_file(const std::string& relative) {
  std::error_code ec;
  if (const char* dir = std::getenv("DIMP_MODEL_DIR"); dir && *dir) {
    const fs::path p = fs::path(dir) / relative;
    if (fs::is_regular_file(p, ec)) return p.string();
    throw TfjsError("model file " + relative + " is not in DIMP_MODEL_DIR=" + dir + " (looked for " + p.string() +
                    "); unset it to use the models scripts/setup.sh installs");
  }
  std::vector<fs::path> candidates;
  const fs::path in_runfiles = fs::path("dimp_cpp") / "third_party" / "models" / relative;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) candidates.push_back(fs::path(exe.string() + ".runfiles") / in_runfiles);
  for (const char* var : {"RUNFILES_DIR", "TEST_SRCDIR"}) {
    if (const char* base = std::getenv(var); base && *base) candidates.push_back(fs::path(base) / in_runfiles);
  }
  fs::path dir = fs::current_path(ec);
  for (int i = 0; i < 8 && !ec && !dir.empty(); ++i, dir = dir.parent_path()) {
    candidates.push_back(dir / "third_party" / "models" / relative);
    if (dir == dir.parent_path()) break;
  }
  // An installed program: <prefix>/bin/tool finds <prefix>/share/dimp/models (cmake/install.cmake).
  if (!exe.empty()) candidates.push_back(exe.parent_path().parent_path() / "share" / "dimp" / "models" / relative);
  std::string looked;
  for (const fs::path& p : candidates) {
    if (fs::is_regular_file(p, ec)) return p.string();
    looked += "\n  " + p.string();
  }
  throw TfjsError("model file " + relative +
                  " not found: run scripts/setup.sh (it installs the pretrained models into third_party/models/), "
                  "or set DIMP_MODEL_DIR to a folder holding " + relative + ". Looked in:" + looked);
}

}  // namespace dimp::backbones::tfjs
