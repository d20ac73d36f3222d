// The command-line tools under careless and hostile input, as a user runs them: each case is a
// row of the README's bad-input table. A refusal is an exit status of 1 with one clear line on
// stderr (never a crash, an abort or a hang), and nothing tracked or written is lost.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/videoio.hpp>
#include <string>

#include "data/cv/image_io.h"
#include "data/ground_truth.h"
#include "data/synthetic.h"
#include "data/vot.h"
#include "dimp/tracker.h"
#include "dimp/weights/byte_source.h"
#include "dimp/weights/safetensors.h"
#include "dimp/weights/state_dict.h"
#include "dimp/weights/zip_archive.h"
#include "dimp/dimp_net.h"
#include "tests/testing.h"

namespace fs = std::filesystem;

namespace dimp {
namespace {

struct Run {
  int status;
  std::string output;  // stdout and stderr
  bool has(const std::string& s) const { return output.find(s) != std::string::npos; }
};

std::string tool(const std::string& name) {
  const char* base = std::getenv("TEST_SRCDIR");
  return (fs::path(base ? base : ".") / "dimp_cpp" / "tools" / name).string();
}

// run: a tool with arguments (shell words), at most 120 s (a hang fails the test, not the suite).
Run run(const std::string& name, const std::string& args) {
  const std::string cmd = "timeout 120 " + tool(name) + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  const int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), out};
}


// otb_sequence: a synthetic sequence written in the OTB layout (JPEG frames, 1-based boxes).
std::string otb_sequence(const std::string& name, int frames = 10) {
  const fs::path dir = fs::path(testing::temp_path("data")) / "otb" / name;
  if (fs::exists(dir)) return dir.string();
  fs::create_directories(dir / "img");
  auto seq = data::make_synthetic_sequence({160, 120, frames, 11, 24, 0.2, false, false});
  for (int i = 0; i < frames; ++i) {
    char file[16];
    std::snprintf(file, sizeof file, "%04d.jpg", i + 1);
    cv::imwrite((dir / "img" / file).string(), data::tensor_to_mat(seq.frames[i]));
  }
  data::write_rect_file((dir / "groundtruth_rect.txt").string(), seq.ground_truth, 1.0);
  return dir.string();
}

// synthetic_frames: a synthetic sequence's frames written as `pattern` (printf, 1-based or
// 0-based as `first` says) in `dir`, and its boxes.
std::vector<bbox::Box> synthetic_frames(const fs::path& dir, const char* pattern, int first, int frames = 10) {
  fs::create_directories(dir);
  auto seq = data::make_synthetic_sequence({160, 120, frames, 11, 24, 0.2, false, false});
  for (int i = 0; i < frames; ++i) {
    char file[32];
    std::snprintf(file, sizeof file, pattern, i + first);
    cv::imwrite((dir / file).string(), data::tensor_to_mat(seq.frames[i]));
  }
  return seq.ground_truth;
}

// vot_sequence: a synthetic sequence in the VOT layout (frames beside groundtruth.txt, boxes as
// 8-value polygons) under <root>/vot/<name>, with an occlusion.tag on frames 3-5.
std::string vot_sequence(const std::string& root, const std::string& name) {
  const fs::path dir = fs::path(root) / "vot" / name;
  if (fs::exists(dir)) return dir.string();
  const auto boxes = synthetic_frames(dir, "%08d.jpg", 1);
  std::ofstream gt(dir / "groundtruth.txt");
  for (const auto& b : boxes) {
    gt << b.x << "," << b.y << "," << b.x + b.w << "," << b.y << "," << b.x + b.w << "," << b.y + b.h << "," << b.x
       << "," << b.y + b.h << "\n";
  }
  std::ofstream(dir / "occlusion.tag") << "0\n0\n1\n1\n1\n";
  return dir.string();
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::vector<std::string> zip_names(const std::string& path) {
  weights::ZipArchive zip(weights::open_file_source(path));
  std::vector<std::string> out;
  for (const auto& e : zip.entries()) out.push_back(e.name);
  return out;
}

std::string copy_of(const std::string& seq, const std::string& name) {
  const fs::path to = fs::path(testing::temp_path(name)) / "otb" / fs::path(seq).filename();
  fs::remove_all(to);
  fs::create_directories(to.parent_path());
  fs::copy(seq, to, fs::copy_options::recursive);
  return to.string();
}

int lines(const std::string& path) {
  std::ifstream in(path);
  int n = 0;
  for (std::string l; std::getline(in, l);) ++n;
  return n;
}

TEST(DimpTrack, TheDefaultTrackerIsTheDeepVariantOnTheInstalledNetwork) {
  auto r = run("dimp_track", "--input " + otb_sequence("Square") + " --max-frames 8");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(r.has("deep: 8 frames")) << r.output;
}

TEST(DimpTrack, ParametersThatCannotWorkAreRefusedBeforeTracking) {
  const std::string seq = otb_sequence("Square");
  const int first = default_params("weight-free").first_frame_samples();
  auto r = run("dimp_track", "--tracker weight-free --input " + seq + " --set sample_memory_size=" + std::to_string(first));
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_TRUE(r.has("cannot hold the first frame's")) << r.output;
  for (const std::string bad : {"sample_memory_size=15.7", "sample_memory_size=4294967311", "seed=-1",
                                "image_sample_size=4096", "augment_dropout_num=100000", "target_inside_ratio=100",
                                "device=gpu"}) {
    r = run("dimp_track", "--tracker weight-free --input " + seq + " --set " + bad);
    EXPECT_EQ(r.status, 1) << bad << ": " << r.output;
    EXPECT_TRUE(r.has(bad.substr(0, bad.find('=')))) << bad << ": " << r.output;
    EXPECT_FALSE(r.has("FPS")) << bad << ": tracked anyway";
  }
  r = run("dimp_track", "--tracker weight-free --input " + seq + " --threads 100000");
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_TRUE(r.has("100000")) << r.output;
  // A device the variant does not run on is refused before tracking.
  r = run("dimp_track", "--tracker weight-free --input " + seq + " --set device=cuda");
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_TRUE(r.has("runs on the CPU only")) << r.output;
  EXPECT_FALSE(r.has("FPS")) << r.output;
}

TEST(DimpTrack, TheReadmesOverridesAndPartialParameterFilesWork) {
  const std::string seq = otb_sequence("Square");
  auto r = run("dimp_track", "--tracker weight-free --input " + seq + " --set scale_filter_scales=0");
  EXPECT_EQ(r.status, 0) << r.output;
  const std::string partial = testing::temp_path("partial.json");
  std::ofstream(partial) << R"({"learning_rate": 0.03})";
  r = run("dimp_track", "--tracker weight-free --print-params --params " + partial);
  ASSERT_EQ(r.status, 0) << r.output;
  TrackerParams expected = default_params("weight-free");
  expected.learning_rate = 0.03;
  EXPECT_EQ(TrackerParams::from_json_string(r.output, TrackerParams{}).to_json(), expected.to_json());
}

TEST(DimpTrack, OutputsNeverReplaceInputsOrExistingFiles) {
  const std::string seq = otb_sequence("Square");
  const std::string out = testing::temp_path("boxes.txt");
  std::ofstream(out) << "precious\n";
  auto r = run("dimp_track", "--tracker weight-free --input " + seq + " --output " + out);
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(r.has("exists (--force overwrites it)")) << r.output;
  EXPECT_EQ(lines(out), 1);
  r = run("dimp_track", "--tracker weight-free --input " + seq + " --output " + out + " --force");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(lines(out), 10);
  const std::string gt = seq + "/groundtruth_rect.txt";
  r = run("dimp_track", "--tracker weight-free --input " + seq + " --output " + gt + " --force");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(r.has("is one of the inputs")) << r.output;
  EXPECT_EQ(lines(gt), 10);
  r = run("dimp_track", "--tracker weight-free --input " + seq + " --output /nonexistent/dir/boxes.txt");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(r.has("does not exist")) << r.output;
  EXPECT_FALSE(r.has("FPS")) << "tracked before checking the output";
}

TEST(DimpTrack, ABadFrameKeepsTheBoxesTrackedBeforeIt) {
  const std::string seq = copy_of(otb_sequence("Square"), "bad_frame");
  std::ofstream(seq + "/img/0006.jpg", std::ios::trunc) << "not a jpeg";
  const std::string out = testing::temp_path("partial_boxes.txt");
  auto r = run("dimp_track", "--tracker weight-free --input " + seq + " --output " + out);
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(r.has("frame 6")) << r.output;
  EXPECT_TRUE(r.has("0006.jpg")) << r.output;
  EXPECT_TRUE(r.has("the boxes of the 5 frame(s) before it are in")) << r.output;
  EXPECT_EQ(lines(out), 5);
}

TEST(DimpTrack, FramesAreInNumericOrderAndAGapIsNamed) {
  const std::string seq = copy_of(otb_sequence("Square"), "gap");
  fs::remove(seq + "/groundtruth_rect.txt");
  for (int i = 1; i <= 10; ++i) {  // unpadded names: 1.jpg .. 10.jpg
    char from[16];
    std::snprintf(from, sizeof from, "%04d.jpg", i);
    fs::rename(seq + "/img/" + from, seq + "/img/" + std::to_string(i) + ".jpg");
  }
  const std::string out = testing::temp_path("unpadded.txt");
  auto r = run("dimp_track", "--tracker weight-free --input " + seq + "/img --box 10,10,24,24 --output " + out);
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(lines(out), 10);
  fs::remove(seq + "/img/3.jpg");
  r = run("dimp_track", "--tracker weight-free --input " + seq + "/img --box 10,10,24,24");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(r.has("frame 3 is missing")) << r.output;
}

TEST(DimpTrack, AHugeImageIsRefusedByItsHeader) {
  const std::string seq = copy_of(otb_sequence("Square"), "huge");
  std::vector<uchar> png;
  cv::imencode(".png", cv::Mat(4, 4, CV_8UC3, cv::Scalar(0)), png);
  for (int k : {16, 20}) {  // IHDR width and height: 20000
    png[k] = 0, png[k + 1] = 0, png[k + 2] = 0x4e, png[k + 3] = 0x20;
  }
  fs::remove(seq + "/img/0001.jpg");
  std::ofstream(seq + "/img/0001.png", std::ios::binary).write(reinterpret_cast<const char*>(png.data()), png.size());
  auto r = run("dimp_track", "--tracker weight-free --input " + seq);
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(r.has("20000x20000")) << r.output;
}

TEST(DimpTrack, OpenCvBaselinesRefuseABadFirstBox) {
  const std::string seq = otb_sequence("Square");
  for (const std::string tracker : {"csrt", "kcf", "mil"}) {
    for (const std::string box : {"nan,10,20,20", "10,10,0,0", "500,500,20,20"}) {
      auto r = run("dimp_track", "--input " + seq + " --tracker " + tracker + " --box " + box);
      EXPECT_EQ(r.status, 1) << tracker << " " << box << ": " << r.output;
      EXPECT_TRUE(r.has("initial box")) << tracker << " " << box << ": " << r.output;
    }
  }
}

TEST(DimpTrack, SeveralBoxesTrackSeveralTargetsHeadless) {
  const std::string seq = otb_sequence("Square");
  const auto gt = data::read_rect_file(seq + "/groundtruth_rect.txt", 1.0);
  const std::string out = testing::temp_path("multi/boxes.txt");
  fs::create_directories(fs::path(out).parent_path());
  const std::string first = std::to_string(gt[0].x) + "," + std::to_string(gt[0].y) + "," +
                            std::to_string(gt[0].w) + "," + std::to_string(gt[0].h);
  auto r = run("dimp_track", "--tracker weight-free --input " + seq + " --box " + first + " --box 100,70,30,30 --output " + out +
                                 " --no-display");
  ASSERT_EQ(r.status, 0) << r.output;
  // One file per target, a line per frame; the name --output gave is not written.
  EXPECT_EQ(lines(testing::temp_path("multi/boxes_1.txt")), 10);
  EXPECT_EQ(lines(testing::temp_path("multi/boxes_2.txt")), 10);
  EXPECT_FALSE(fs::exists(out));
  EXPECT_TRUE(r.has("target 1: frames 1-10, ")) << r.output;
  EXPECT_TRUE(r.has("target 2: frames 1-10, ")) << r.output;
  EXPECT_TRUE(r.has("mean score")) << r.output;
  EXPECT_TRUE(r.has("boxes in " + testing::temp_path("multi/boxes_2.txt"))) << r.output;
  // Target 1 tracks as a lone tracker does: the same boxes as a single-target run.
  const std::string single = testing::temp_path("multi/single.txt");
  r = run("dimp_track", "--tracker weight-free --input " + seq + " --box " + first + " --output " + single);
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(read_text(single), read_text(testing::temp_path("multi/boxes_1.txt")));
  EXPECT_FALSE(r.has("target 1:")) << "a single target's summary is unchanged";

  // Every target's file is checked before the first frame.
  r = run("dimp_track", "--tracker weight-free --input " + seq + " --box 10,10,20,20 --box 50,50,20,20 --output " + out);
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(r.has("boxes_1.txt exists (--force overwrites it)")) << r.output;
  EXPECT_FALSE(r.has("FPS"));
  // A bad box names its target; nothing is tracked.
  r = run("dimp_track", "--tracker weight-free --input " + seq + " --box 10,10,20,20 --box 500,500,20,20 --output " + out + " --force");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(r.has("target 2: ")) << r.output;
  EXPECT_TRUE(r.has("frame 1: ")) << r.output;
  // A video without a box, a ground truth or a display cannot start.
  const std::string clip = testing::temp_path("multi/clip.avi");
  {
    cv::VideoWriter w(clip, cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 10, {160, 120});
    ASSERT_TRUE(w.isOpened());
    for (int i = 0; i < 5; ++i) w.write(cv::Mat(120, 160, CV_8UC3, cv::Scalar(20 * i, 40, 60)));
  }
  r = run("dimp_track", "--tracker weight-free --input " + clip + " --no-display");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(r.has("give the initial box with --box x,y,w,h (or select it with the mouse on a display)")) << r.output;
  r = run("dimp_track", "--tracker weight-free --input " + clip + " --box 20,20,40,40 --box 90,50,30,30 --output " +
                            testing::temp_path("multi/clip.txt") + " --no-display");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(lines(testing::temp_path("multi/clip_2.txt")), 5);
}

TEST(DimpEval, FailuresAreListedApartAndNeverScored) {
  const std::string good = otb_sequence("Square");
  const fs::path root = fs::path(good).parent_path().parent_path();
  // A second sequence whose sixth frame is broken, in the same dataset.
  const fs::path broken = root / "otb" / "Broken";
  fs::remove_all(broken);
  fs::copy(good, broken, fs::copy_options::recursive);
  std::ofstream(broken / "img" / "0006.jpg", std::ios::trunc) << "garbage";
  const std::string results = testing::temp_path("eval_results");
  auto r = run("dimp_eval", "--root " + root.string() + " --trackers weight-free,csrt --results " + results);
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_TRUE(r.has("failure(s), left out of the scores")) << r.output;
  EXPECT_TRUE(r.has("weight-free on Broken")) << r.output;
  EXPECT_TRUE(r.has("csrt on Broken")) << r.output;
  std::ifstream csv(results + "/per_sequence.csv");
  std::string text((std::istreambuf_iterator<char>(csv)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("weight-free,Square"), std::string::npos) << text;
  EXPECT_EQ(text.find("Broken"), std::string::npos) << text;

  r = run("dimp_eval", "--root " + root.string() + " --trackers weight-free --format bogus --results " + results);
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_TRUE(r.has("unknown result format 'bogus'")) << r.output;
  EXPECT_FALSE(r.has("terminate")) << r.output;
  r = run("dimp_eval", "--root " + root.string() + " --trackers weight-free --results " + (root / "otb").string());
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_TRUE(r.has("lies inside the dataset")) << r.output;
  r = run("dimp_eval", "--root " + root.string() + " --trackers weight-free --jobs 100000 --results " + results);
  EXPECT_EQ(r.status, 1) << r.output;
}

// One variant twice with different parameters: "variant[name=value;name=value]" entries get
// their own results folder and row, and their overrides reach the tracker (a bad one is
// refused naming the entry).
TEST(DimpEval, AVariantRunsSideBySideWithItsOwnParameters) {
  const std::string good = otb_sequence("Square");
  const fs::path root = fs::path(testing::temp_path("eval_entries"));
  fs::create_directories(root / "otb");
  fs::remove_all(root / "otb" / "Square");
  fs::copy(good, root / "otb" / "Square", fs::copy_options::recursive);
  const std::string results = testing::temp_path("entries_results");
  const std::string other = "weight-free[search_area_scale=2.5;target_not_found_threshold=2]";
  auto r = run("dimp_eval", "--root " + root.string() + " --jobs 1 --trackers 'weight-free," + other + ",csrt' --results " +
                                results);
  ASSERT_EQ(r.status, 0) << r.output;
  const std::string plain = read_text(results + "/weight-free/Square.txt");
  const std::string varied = read_text(results + "/" + other + "/Square.txt");
  EXPECT_EQ(lines(results + "/" + other + "/Square.txt"), 10);
  EXPECT_NE(plain, varied) << "the entry's parameters changed nothing";
  const std::string csv = read_text(results + "/per_sequence.csv");
  EXPECT_NE(csv.find("\nweight-free,Square,"), std::string::npos) << csv;
  EXPECT_NE(csv.find("\n" + other + ",Square,"), std::string::npos) << csv;
  EXPECT_NE(csv.find("\ncsrt,Square,"), std::string::npos) << csv;

  const std::string args = "--root " + root.string() + " --results " + results + " --trackers ";
  r = run("dimp_eval", args + "'weight-free[search_area_scale=-1]'");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(r.has("--trackers entry 'weight-free[search_area_scale=-1]'")) << r.output;
  EXPECT_TRUE(r.has("search_area_scale")) << r.output;
  r = run("dimp_eval", args + "'weight-free[no_such_parameter=1]'");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(r.has("no_such_parameter")) << r.output;
  r = run("dimp_eval", args + "'dimp18[weights=/tmp/x.safetensors]'");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(r.has("weights= names a file in the current folder")) << r.output;
  r = run("dimp_eval", args + "'csrt[search_area_scale=2]'");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(r.has("csrt takes no parameters")) << r.output;
  for (const std::string bad : {"'weight-free[search_area_scale=2'", "'weight-free]'", "'weight-free[]'",
                                "'weight-free[search_area_scale]'", "'[search_area_scale=2]'"}) {
    r = run("dimp_eval", args + bad);
    EXPECT_EQ(r.status, 1) << bad;
    EXPECT_TRUE(r.has("--trackers")) << bad << ": " << r.output;
    EXPECT_FALSE(r.has("terminate")) << r.output;
  }
  r = run("dimp_eval", args + "weight-free,weight-free");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(r.has("names 'weight-free' twice")) << r.output;
}

TEST(DimpEval, AnExcludedSequenceIsNeverReadAndACorruptResultIsRecomputed) {
  const std::string good = otb_sequence("Square");
  const fs::path root = fs::path(testing::temp_path("eval_exclude"));
  fs::create_directories(root / "otb");
  fs::remove_all(root / "otb" / "Square");
  fs::copy(good, root / "otb" / "Square", fs::copy_options::recursive);
  fs::remove_all(root / "otb" / "Unparsable");
  fs::copy(good, root / "otb" / "Unparsable", fs::copy_options::recursive);
  std::ofstream(root / "otb" / "Unparsable" / "groundtruth_rect.txt", std::ios::trunc) << "1,2,three,4\n";
  const std::string results = testing::temp_path("exclude_results");
  auto r = run("dimp_eval", "--root " + root.string() + " --sequences Square --trackers weight-free --results " + results);
  EXPECT_EQ(r.status, 0) << r.output;
  r = run("dimp_eval", "--root " + root.string() + " --sequences Nope --trackers weight-free --results " + results);
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(r.has("no sequence 'Nope'")) << r.output;
  // The stored result corrupted: the resumed run recomputes it.
  const std::string stored = results + "/weight-free/Square.txt";
  ASSERT_TRUE(fs::exists(stored));
  std::ofstream(stored, std::ios::trunc) << "1,2,x,4\n";
  r = run("dimp_eval", "--root " + root.string() + " --sequences Square --trackers weight-free --results " + results);
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(lines(stored), 10);
}

TEST(DimpEval, VotLayoutGetsTheBaselineExperimentAttributesAndAReport) {
  const std::string root = testing::temp_path("vot_eval");
  vot_sequence(root, "square");
  const std::string results = testing::temp_path("vot_eval_results");
  auto r = run("dimp_eval", "--root " + root + " --trackers weight-free,kcf --results " + results);
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(r.has("VOT baseline: weight-free")) << r.output;
  EXPECT_TRUE(r.has("attributes: vot: attributes read for 1 of 1 sequences")) << r.output;
  // The toolkit's layout: the baseline run with its codes, the run without resets apart.
  const std::string baseline = results + "/weight-free/baseline/square/square_001.txt";
  const auto trajectory = data::vot::read_trajectory(baseline);
  ASSERT_EQ(trajectory.size(), 10u);
  EXPECT_EQ(trajectory[0].kind, data::vot::Entry::Kind::kInitialized);
  EXPECT_EQ(lines(results + "/weight-free/unsupervised/square/square_001.txt"), 10);
  const std::string measures = read_text(results + "/vot_measures.csv");
  EXPECT_NE(measures.find("weight-free,all,"), std::string::npos) << measures;
  EXPECT_NE(measures.find("kcf,tag:occlusion,"), std::string::npos) << measures;
  EXPECT_NE(read_text(results + "/attributes.csv").find("occlusion,weight-free,1,3,"), std::string::npos);
  EXPECT_TRUE(fs::exists(results + "/attributes/occlusion_success.png"));
  EXPECT_TRUE(fs::exists(results + "/expected_overlap.png"));
  // One self-contained file: every plot embedded, none referenced by path.
  const std::string html = read_text(results + "/report.html");
  for (const std::string needle : {"VOT short-term measures", "Per attribute", "Per sequence", "occlusion",
                                   "href=\"weight-free/unsupervised/square/square_001.txt\""}) {
    EXPECT_NE(html.find(needle), std::string::npos) << needle;
  }
  size_t images = 0;
  for (size_t at = html.find("src=\"data:image/png;base64,"); at != std::string::npos;
       at = html.find("src=\"data:image/png;base64,", at + 1)) {
    ++images;
  }
  EXPECT_EQ(images, 3u + 2u * 2u + 1u);  // overall, occlusion and "empty", expected overlap
  EXPECT_EQ(html.find(".png\""), std::string::npos);
  // A second run reuses both experiments' results.
  r = run("dimp_eval", "--root " + root + " --trackers weight-free --results " + results);
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(r.has("2 result(s) reused")) << r.output;
  // A run without resets at the baseline path (as older versions stored the VOT results) that
  // lost the target is no baseline run: recomputed.
  {
    std::ofstream old(baseline, std::ios::trunc);
    old << "1\n";
    for (int i = 1; i < 10; ++i) old << "140,100,10,10\n";
  }
  r = run("dimp_eval", "--root " + root + " --trackers weight-free --results " + results);
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(r.has("1 result(s) reused")) << r.output;
  EXPECT_EQ(data::vot::format_trajectory(data::vot::read_trajectory(baseline)), data::vot::format_trajectory(trajectory));
}

TEST(DimpEval, BadAttributeFilesAndRangesAreRefusedBeforeWork) {
  const std::string root = testing::temp_path("vot_bad_tags");
  const std::string seq = vot_sequence(root, "square");
  std::ofstream(seq + "/occlusion.tag", std::ios::trunc) << "0\n1\n7\n";
  const std::string results = testing::temp_path("vot_bad_tags_results");
  auto r = run("dimp_eval", "--root " + root + " --trackers weight-free --results " + results);
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_TRUE(r.has("occlusion.tag:3: attribute flags must be 0 or 1")) << r.output;
  EXPECT_FALSE(fs::exists(results + "/weight-free")) << "tracked before reading the attributes";
  std::ofstream(seq + "/occlusion.tag", std::ios::trunc) << "0\n1\n";
  for (const std::string range : {"5", "0,10", "20,10", "a,b"}) {
    r = run("dimp_eval", "--root " + root + " --trackers weight-free --eao-range " + range + " --results " + results);
    EXPECT_EQ(r.status, 1) << range << ": " << r.output;
    EXPECT_TRUE(r.has("--eao-range needs lo,hi")) << r.output;
  }
  r = run("dimp_eval", "--root " + root + " --trackers weight-free --pack --results " + results);
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_TRUE(r.has("--pack: sequence square is in format 'vot', which has no submission archive")) << r.output;
}

TEST(DimpEval, SubmissionArchivesForGot10kAndTrackingNet) {
  // GOT-10k's test layout: frames beside a ground truth of the first box only.
  const fs::path got = testing::temp_path("got10k_test");
  for (const std::string name : {"GOT-10k_Test_000001", "GOT-10k_Test_000002"}) {
    const auto boxes = synthetic_frames(got / name, "%08d.jpg", 1);
    std::ofstream(got / name / "groundtruth.txt") << boxes[0].x << "," << boxes[0].y << "," << boxes[0].w << ","
                                                  << boxes[0].h << "\n";
  }
  std::ofstream(got / "list.txt") << "GOT-10k_Test_000001\nGOT-10k_Test_000002\n";
  const std::string results = testing::temp_path("got10k_results");
  auto r = run("dimp_eval", "--dataset got10k --root " + got.string() + " --trackers weight-free --pack --results " + results);
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(zip_names(results + "/weight-free_got10k.zip"),
            (std::vector<std::string>{"GOT-10k_Test_000001/", "GOT-10k_Test_000001/GOT-10k_Test_000001_001.txt",
                                      "GOT-10k_Test_000001/GOT-10k_Test_000001_time.txt", "GOT-10k_Test_000002/",
                                      "GOT-10k_Test_000002/GOT-10k_Test_000002_001.txt",
                                      "GOT-10k_Test_000002/GOT-10k_Test_000002_time.txt"}));
  weights::ZipArchive zip(weights::open_file_source(results + "/weight-free_got10k.zip"));
  const std::string boxes = zip.read(*zip.find("GOT-10k_Test_000002/GOT-10k_Test_000002_001.txt"));
  EXPECT_EQ(std::count(boxes.begin(), boxes.end(), '\n'), 10);
  EXPECT_EQ(std::count(boxes.begin(), boxes.end(), ','), 30);

  // TrackingNet: frames/<seq>/0.jpg..., anno/<seq>.txt; the archive holds <seq>.txt at its root.
  const fs::path tn = testing::temp_path("trackingnet_test");
  const auto tn_boxes = synthetic_frames(tn / "frames" / "abc_1", "%d.jpg", 0);
  fs::create_directories(tn / "anno");
  std::ofstream(tn / "anno" / "abc_1.txt") << tn_boxes[0].x << "," << tn_boxes[0].y << "," << tn_boxes[0].w << ","
                                           << tn_boxes[0].h << "\n";
  r = run("dimp_eval", "--dataset trackingnet --root " + tn.string() + " --trackers weight-free --pack --results " +
                           testing::temp_path("tn_results"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(zip_names(testing::temp_path("tn_results") + "/weight-free_trackingnet.zip"),
            (std::vector<std::string>{"abc_1.txt"}));
}

TEST(DimpWeights, HalfStoresParametersAsFloat16AndLoadsBack) {
  const std::string full = testing::temp_path("full.safetensors"), half = testing::temp_path("half.safetensors");
  ASSERT_EQ(run("dimp_weights", "init --arch dimp18 --out " + full).status, 0);
  auto r = run("dimp_weights", "half " + full + " " + half);
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_LT(fs::file_size(half), fs::file_size(full) * 6 / 10);
  EXPECT_EQ(run("dimp_weights", "info " + half + " --arch dimp18").status, 0);
  const auto a = weights::read_safetensors(full), b = weights::read_safetensors(half);
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [name, t] : a) {
    const at::Tensor& h = b.at(name);
    if (name.find("running_") != std::string::npos || !t.is_floating_point()) {
      EXPECT_TRUE(h.equal(t)) << name;  // statistics and integers as they were
      continue;
    }
    EXPECT_EQ(h.scalar_type(), at::kHalf) << name;
    EXPECT_TRUE(h.to(at::kFloat).allclose(t, 1e-3, 1e-4)) << name;  // float16's 11-bit mantissa
  }
  r = run("dimp_weights", "half " + full + " " + half);
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(r.has("exists")) << r.output;
  r = run("dimp_weights", "init --arch dimp18 --out " + full);  // seeded weights never replace a file unasked
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(r.has("exists (--force overwrites it)")) << r.output;
  r = run("dimp_weights", "half " + full + " " + full + " --force");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(r.has("is one of the inputs")) << r.output;
  EXPECT_EQ(weights::read_safetensors(full).size(), a.size());
}

TEST(DimpWeights, NonFiniteWeightsAreRefusedEverywhere) {
  const std::string path = testing::temp_path("nan.safetensors");
  DiMPNet net(DiMPNetConfig::dimp18());
  {
    at::NoGradGuard ng;
    net->bb_regressor->iou_predictor->bias.fill_(NAN);
  }
  weights::save_module(*net, path);
  auto r = run("dimp_weights", "info " + path);
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(r.has("bb_regressor.iou_predictor.bias: 1 of 1 values")) << r.output;
  r = run("dimp_weights", "info " + path + " --arch dimp18");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(r.has("NaN or Inf")) << r.output;
  r = run("dimp_track", "--input " + otb_sequence("Square") + " --tracker dimp18 --weights " + path);
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(r.has("NaN or Inf")) << r.output;
  // Training from them stops at once, and writes no final weights.
  const std::string ws = testing::temp_path("nan_ws");
  const std::string settings = testing::temp_path("nan_settings.json");
  std::ofstream(settings) << R"({"init_weights": ")" << path << R"(", "workspace": ")" << ws
                          << R"(", "epochs": 1, "batches_per_epoch": 1, "image_size": 64, "datasets": [{"type": "synthetic", "sequences": 2}]})";
  r = run("dimp_train", "--settings " + settings);
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(r.has("NaN or Inf")) << r.output;
  EXPECT_FALSE(fs::exists(ws + "/final.safetensors"));
}

TEST(DimpTrain, MistakesInTheSettingsAreRefusedByName) {
  const std::string settings = testing::temp_path("bad_settings.json");
  for (const auto& [text, needle] : std::vector<std::pair<std::string, std::string>>{
           {R"({"arch": "dimp99", "datasets": [{"type": "synthetic"}]})", "dimp99"},
           {R"({"frozen_layers": ["layer7"], "datasets": [{"type": "synthetic"}]})", "layer7"},
           {R"({"epoch": 5, "datasets": [{"type": "synthetic"}]})", "'epoch' is not a known setting"},
           {R"({"epochs": -1, "datasets": [{"type": "synthetic"}]})", "epochs"}}) {
    std::ofstream(settings, std::ios::trunc) << text;
    auto r = run("dimp_train", "--settings " + settings);
    EXPECT_EQ(r.status, 1) << text;
    EXPECT_TRUE(r.has(needle)) << r.output;
  }
}

}  // namespace
}  // namespace dimp
