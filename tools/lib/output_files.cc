#include "tools/lib/output_files.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace fs = std::filesystem;

namespace dimp::tools {
namespace {

void check_writable_folder(const fs::path& dir, const std::string& what) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw std::invalid_argument(what + ": folder " + dir.string() + " does not exist");
  const fs::path probe = dir / (".dimp_write_test_" + std::to_string(::getpid()));
  if (!std::ofstream(probe)) throw std::invalid_argument(what + ": cannot write into " + dir.string());
  fs::remove(probe, ec);
}

}  // namespace

void check_output_file(const std::string& path, bool force, const std::vector<std::string>& inputs) {
  std::error_code ec;
  const fs::path p(path);
  if (fs::is_directory(p, ec)) throw std::invalid_argument("output " + path + " is a folder, not a file");
  if (fs::exists(p, ec)) {
    for (const auto& in : inputs) {
      if (fs::equivalent(p, in, ec)) throw std::invalid_argument("output " + path + " is one of the inputs (" + in + ")");
    }
    if (!force) throw std::invalid_argument("output " + path + " exists (--force overwrites it)");
  }
  check_writable_folder(p.has_parent_path() ? p.parent_path() : fs::path("."), "output " + path);
}

void check_output_folder(const std::string& dir, bool force) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (!fs::is_directory(dir, ec)) throw std::invalid_argument("output folder " + dir + " cannot be created");
  if (!force && fs::directory_iterator(dir, ec) != fs::directory_iterator()) {
    throw std::invalid_argument("output folder " + dir + " is not empty (--force writes into it)");
  }
  check_writable_folder(dir, "output folder " + dir);
}

}  // namespace dimp::tools
