// dimp/weights/weights_error.h — the one exception of the weights readers and writers.
//
//   try { auto t = dimp::weights::read_safetensors(path); }
//   catch (const dimp::weights::WeightsError& e) { std::cerr << e.what(); }   // names file and fault
#pragma once

#include <stdexcept>

namespace dimp::weights {

// WeightsError: a weights file is unreadable, malformed, hostile, or does not fit the model;
// the message names the file and what was wrong.
class WeightsError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace dimp::weights
