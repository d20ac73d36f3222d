// backbones/tfjs/tfjs_error.h — the one exception of the TF.js graph-model importer.
//
//   try { auto model = dimp::backbones::tfjs::GraphModel::load(path); }
//   catch (const dimp::backbones::tfjs::TfjsError& e) { std::cerr << e.what(); }   // file, node, fault
#pragma once

#include <stdexcept>

namespace dimp::backbones::tfjs {

// TfjsError: a model.json or weight shard is unreadable, malformed or inconsistent, a graph uses
// an op or attribute the executor does not implement, or a run was given wrong inputs; the
// message names the file and the node, op or weight at fault.
class TfjsError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace dimp::backbones::tfjs
