#include "tests/python_support.h"

#include <cstdlib>
#include <filesystem>

#include "tests/testing.h"

namespace dimp::testing {

bool python_with_torch(bool torchvision) {
  const std::string mods = torchvision ? "import torch, torchvision" : "import torch";
  return std::system(("/usr/bin/python3 -c '" + mods + "' >/dev/null 2>&1").c_str()) == 0;
}

int run_python(const std::string& script, const std::string& args) {
  auto root = source_root();
  const std::string path = root ? *root + "/" + script : script;
  return std::system(("/usr/bin/python3 " + path + " " + args).c_str());
}

}  // namespace dimp::testing
