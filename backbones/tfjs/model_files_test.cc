// find_model_file: $DIMP_MODEL_DIR first (a wrong setting is an error, not a fallback), then the
// runfiles of //third_party/models, and a clear "run scripts/setup.sh" when nothing has the file.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "backbones/tfjs/model_files.h"
#include "backbones/tfjs/tfjs_error.h"
#include "tests/testing.h"

namespace dimp::backbones::tfjs {
namespace {

namespace fs = std::filesystem;

TEST(ModelFiles, ModelDirFirstAndOnly) {
  const fs::path dir = dimp::testing::temp_path("models");
  fs::create_directories(dir / "human-models-3.0.4");
  std::ofstream(dir / kCenterNetModel) << "{}";
  setenv("DIMP_MODEL_DIR", dir.c_str(), 1);
  EXPECT_EQ(find_model_file(kCenterNetModel), (dir / kCenterNetModel).string());
  try {
    find_model_file(kNanoDetModel);
    ADD_FAILURE() << "a model missing from DIMP_MODEL_DIR was found elsewhere";
  } catch (const TfjsError& e) {
    EXPECT_NE(std::string(e.what()).find("DIMP_MODEL_DIR=" + dir.string()), std::string::npos) << e.what();
  }
  unsetenv("DIMP_MODEL_DIR");
}

TEST(ModelFiles, RunfilesOrAClearError) {
  unsetenv("DIMP_MODEL_DIR");
  // This test's runfiles hold //third_party/models:centernet (installed by scripts/setup.sh).
  const std::string path = find_model_file(kCenterNetModel);
  EXPECT_NE(path.find("third_party/models/human-models-3.0.4/centernet.json"), std::string::npos) << path;
  EXPECT_TRUE(fs::is_regular_file(path));
  try {
    find_model_file("human-models-3.0.4/absent.json");
    ADD_FAILURE() << "an absent model was found";
  } catch (const TfjsError& e) {
    EXPECT_NE(std::string(e.what()).find("run scripts/setup.sh"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace dimp::backbones::tfjs
