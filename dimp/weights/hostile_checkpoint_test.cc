// Hostile checkpoints (tests/python/make_hostile_checkpoints.py, whose payloads are checked
// live: torch.load runs each and creates its marker file) converted with the C++ reader: no
// marker ever appears; a file naming a global that exists to run code is refused whole, the
// message naming the file and the global, and nothing is written; a payload whose global is
// merely unknown (cProfile.run) stays an inert placeholder: beside 'net' the file converts
// with 'net' intact, inside 'net' it is refused as "not a tensor".
#include <gtest/gtest.h>

#include <filesystem>

#include "dimp/weights/convert.h"
#include "dimp/weights/safetensors.h"
#include "dimp/weights/test_support.h"
#include "tests/python_support.h"

namespace dimp::weights {
namespace {

namespace fs = std::filesystem;

#define EXPECT_HAS(msg, needle) EXPECT_NE((msg).find(needle), std::string::npos) << "'" << (needle) << "' not in: " << (msg)

struct Case {
  std::string file;
  std::string refusal;  // what the error must say after the file's name; empty: converts with 'net' intact
};

const Case kCases[] = {
    {"zip_os_system_net.pth", "refused: it calls posix.system, which runs a program"},
    {"legacy_os_system_net.pth", "refused: it calls posix.system, which runs a program"},
    {"raw_os_system.pkl", "refused: it calls os.system, which runs a program"},
    {"raw_builtin_eval_p2.pkl", "refused: it calls builtins.eval (written __builtin__.eval), which runs Python code"},
    {"zip_subprocess_call_in_state.pth", "refused: it calls subprocess.call (written commands.call), which runs a program"},
    {"legacy_exec_in_state.pth", "refused: it calls builtins.exec (written __builtin__.exec), which runs Python code"},
    {"legacy_subprocess_popen_beside_net.pth", "refused: it calls subprocess.Popen (written commands.Popen), which runs a program"},
    {"zip_eval_beside_net.pth", "refused: it calls builtins.eval (written __builtin__.eval), which runs Python code"},
    {"zip_attribute_path.pth", "refused: it calls torch.serialization.os.system, which reaches os.system through an attribute path"},
    {"zip_cprofile_in_net.pth", ": 'net' entry 'hook' is a placeholder for cProfile.run, not a tensor"},
    {"zip_cprofile_beside_net.pth", ""},
    {"legacy_cprofile_beside_net.pth", ""},
};

TEST(HostileCheckpoints, PayloadsNeverRunAndAreRefusedOrLeftInert) {
  if (!dimp::testing::python_with_torch()) GTEST_SKIP() << "/usr/bin/python3 with torch (python3-torch) is needed";
  const std::string dir = testing::unique_temp_dir("hostile");
  ASSERT_EQ(dimp::testing::run_python("tests/python/make_hostile_checkpoints.py", dir + " --self-check"), 0);
  const fs::path markers = fs::path(dir) / "markers";
  ASSERT_TRUE(fs::is_directory(markers));
  ASSERT_TRUE(fs::is_empty(markers));  // the self-check removed the markers its own loads created
  const std::string out_dir = testing::unique_temp_dir("hostile_out");
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.file);
    const std::string in = dir + "/" + c.file, out = out_dir + "/" + c.file + ".safetensors";
    const std::string before = testing::read_file(in);
    if (c.refusal.empty()) {
      const ConvertResult r = convert_torch_checkpoint(in, out);
      EXPECT_EQ(r.tensors, 2u);
      const auto t = read_safetensors(out);
      ASSERT_EQ(t.size(), 2u);
      EXPECT_TRUE(at::equal(t.at("w"), at::arange(6, at::kFloat).view({2, 3})));
      EXPECT_TRUE(at::equal(t.at("b"), at::tensor({1.5f, -2.5f})));
      EXPECT_EQ(read_safetensors_header(out).metadata.at("epoch"), "3");
    } else {
      try {
        convert_torch_checkpoint(in, out);
        ADD_FAILURE() << "converted";
      } catch (const WeightsError& e) {
        EXPECT_HAS(std::string(e.what()), in);
        EXPECT_HAS(std::string(e.what()), c.refusal);
      }
      EXPECT_FALSE(fs::exists(out));
      EXPECT_FALSE(fs::exists(out + ".partial"));
    }
    EXPECT_EQ(testing::read_file(in), before);
    EXPECT_TRUE(fs::is_empty(markers)) << "a payload ran";
  }
  EXPECT_TRUE(fs::is_empty(markers)) << "a payload ran";
}

}  // namespace
}  // namespace dimp::weights
