// tests/python_support.h — running the independent Python references (Debian's python3-torch
// and python3-torchvision, always through /usr/bin/python3) from C++ tests.
#pragma once

#include <string>

namespace dimp::testing {

// python_with_torch: whether /usr/bin/python3 can import torch (and torchvision if asked).
bool python_with_torch(bool torchvision = false);

// run_python: /usr/bin/python3 <script> <args>, the script relative to the checkout; returns
// the exit status (output goes to the test log).
int run_python(const std::string& script, const std::string& args);

}  // namespace dimp::testing
