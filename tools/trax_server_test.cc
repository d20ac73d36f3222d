// dimp_trax driven as the VOT toolkit drives a tracker: spawned with its standard input and
// output as pipes, spoken to in TraX over a short sequence. The states must be the boxes
// dimp_track finds on the same frames; a peer that misbehaves (garbage, an unknown message, a
// region off the image, a frame before initialize, a missing image, hanging up mid-sequence) must
// get one clear line on stderr, a quit, and exit status 1 — never a hang.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <string>
#include <vector>

#include "bbox/box.h"
#include "data/cv/image_io.h"
#include "data/ground_truth.h"
#include "data/synthetic.h"
#include "tests/testing.h"
#include "tools/lib/trax.h"

namespace fs = std::filesystem;
namespace trax = dimp::tools::trax;

namespace dimp {
namespace {

std::string tool(const std::string& name) {
  const char* base = std::getenv("TEST_SRCDIR");
  return (fs::path(base ? base : ".") / "dimp_cpp" / "tools" / name).string();
}

// Server: dimp_trax as a child process with piped standard input, output and error.
class Server {
 public:
  explicit Server(const std::vector<std::string>& args) {
    int in[2], out[2], err[2];
    if (pipe(in) || pipe(out) || pipe(err)) throw std::runtime_error("pipe");
    pid_ = fork();
    if (pid_ == 0) {
      dup2(in[0], 0);
      dup2(out[1], 1);
      dup2(err[1], 2);
      for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]}) close(fd);
      std::vector<std::string> all{tool("dimp_trax")};
      all.insert(all.end(), args.begin(), args.end());
      std::vector<char*> argv;
      for (auto& a : all) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(in[0]);
    close(out[1]);
    close(err[1]);
    to_ = in[1];
    from_ = out[0];
    err_ = err[0];
    signal(SIGPIPE, SIG_IGN);
  }
  ~Server() {
    if (to_ >= 0) close(to_);
    if (pid_ > 0 && status_ < 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    close(from_);
    close(err_);
  }

  void send(const std::string& line) {
    const std::string text = line + "\n";
    ASSERT_EQ(write(to_, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  }
  void hang_up() {
    close(to_);
    to_ = -1;
  }
  // line: the next protocol line, or "" when the server closed its output or `seconds` passed.
  std::string line(double seconds = 120) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(static_cast<long>(seconds * 1000));
    while (true) {
      const size_t nl = out_.find('\n');
      if (nl != std::string::npos) {
        std::string l = out_.substr(0, nl);
        out_.erase(0, nl + 1);
        return l;
      }
      if (!pump(deadline)) return "";
    }
  }
  // wait: the exit status (128 + signal when killed; -1 when it did not exit in time).
  int wait(double seconds = 60) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(static_cast<long>(seconds * 1000));
    while (std::chrono::steady_clock::now() < deadline) {
      int st = 0;
      if (waitpid(pid_, &st, WNOHANG) == pid_) {
        status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        while (pump(std::chrono::steady_clock::now() + std::chrono::milliseconds(50))) {
        }
        return status_;
      }
      pump(std::chrono::steady_clock::now() + std::chrono::milliseconds(50));
    }
    return -1;
  }
  const std::string& errors() const { return err_text_; }
  // rest: what is left of the server's output (after wait()).
  const std::string& rest() const { return out_; }

 private:
  // pump: reads what is available from stdout and stderr until `deadline`; false when nothing
  // more can come (both closed) or the deadline passed.
  bool pump(std::chrono::steady_clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || (from_closed_ && err_closed_)) return false;
    pollfd fds[2] = {{from_closed_ ? -1 : from_, POLLIN, 0}, {err_closed_ ? -1 : err_, POLLIN, 0}};
    if (poll(fds, 2, static_cast<int>(left.count())) <= 0) return false;
    char buf[4096];
    if (fds[0].revents) {
      const ssize_t n = read(from_, buf, sizeof buf);
      if (n > 0) out_.append(buf, n); else from_closed_ = true;
    }
    if (fds[1].revents) {
      const ssize_t n = read(err_, buf, sizeof buf);
      if (n > 0) err_text_.append(buf, n); else err_closed_ = true;
    }
    return true;
  }

  pid_t pid_ = -1;
  int to_ = -1, from_ = -1, err_ = -1, status_ = -1;
  bool from_closed_ = false, err_closed_ = false;
  std::string out_, err_text_;
};

// Sequence: a synthetic sequence written as JPEG frames (OTB layout) and its ground truth.
struct Sequence {
  std::string dir;
  std::vector<std::string> frames;
  std::vector<bbox::Box> truth;
};

const Sequence& sequence() {
  static const Sequence s = [] {
    Sequence out;
    out.dir = testing::temp_path("trax/otb/Square");
    fs::create_directories(fs::path(out.dir) / "img");
    auto seq = data::make_synthetic_sequence({160, 120, 10, 11, 24, 0.2, false, false});
    for (int i = 0; i < 10; ++i) {
      char name[16];
      std::snprintf(name, sizeof name, "%04d.jpg", i + 1);
      out.frames.push_back((fs::path(out.dir) / "img" / name).string());
      cv::imwrite(out.frames.back(), data::tensor_to_mat(seq.frames[i]));
    }
    // The truth as the file holds it (2 decimals), so the server and dimp_track start alike.
    const std::string gt = (fs::path(out.dir) / "groundtruth_rect.txt").string();
    data::write_rect_file(gt, seq.ground_truth, 1.0);
    out.truth = data::read_rect_file(gt, 1.0);
    return out;
  }();
  return s;
}

std::string rect(const bbox::Box& b) {
  return trax::format_region(trax::region_like(b, trax::RegionType::kRectangle));
}

std::string initialize(const std::string& image, const std::string& region) {
  return trax::format_message({trax::MessageType::kInitialize, {"file://" + image, region}, {}});
}
std::string frame(const std::string& image) {
  return trax::format_message({trax::MessageType::kFrame, {"file://" + image}, {}});
}

// state: the region of a state line (fails the test for anything else).
trax::Region state(const std::string& line) {
  const auto m = trax::parse_message(line);
  EXPECT_EQ(m.type, trax::MessageType::kState) << line;
  EXPECT_EQ(m.arguments.size(), 1u) << line;
  return trax::parse_region(m.arguments.at(0));
}

TEST(DimpTrax, IntroducesItselfAsTheSpecificationSays) {
  Server s({"--tracker", "weight-free"});
  const auto hello = trax::parse_message(s.line());
  EXPECT_EQ(hello.type, trax::MessageType::kHello);
  EXPECT_TRUE(hello.arguments.empty());
  EXPECT_EQ(hello.property("trax.version"), "1");
  EXPECT_EQ(hello.property("trax.name"), "weight-free");
  EXPECT_NE(hello.property("trax.identifier").value_or("").find("dimp-cpp"), std::string::npos);
  EXPECT_EQ(hello.property("trax.image"), "path;");
  EXPECT_EQ(hello.property("trax.region"), "rectangle;polygon;");
  s.send("@@TRAX:quit");
  EXPECT_EQ(s.wait(), 0) << s.errors();
}

TEST(DimpTrax, TracksASequenceAsDimpTrackDoes) {
  const Sequence& seq = sequence();
  // The reference: dimp_track's boxes on the same frames.
  const std::string boxes = testing::temp_path("trax_reference.txt");
  const std::string cmd = "timeout 120 " + tool("dimp_track") + " --tracker weight-free --input " + seq.dir + " --output " + boxes + " 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  const auto reference = data::read_rect_file(boxes, 1.0);
  ASSERT_EQ(reference.size(), seq.frames.size());

  Server s({"--tracker", "weight-free"});
  ASSERT_EQ(trax::parse_message(s.line()).type, trax::MessageType::kHello);
  s.send(initialize(seq.frames[0], rect(seq.truth[0])));
  const auto first = state(s.line());
  EXPECT_EQ(first.type, trax::RegionType::kRectangle);
  EXPECT_NEAR(trax::region_bounds(first).x, seq.truth[0].x, 1e-3);
  for (size_t i = 1; i < seq.frames.size(); ++i) {
    s.send(frame(seq.frames[i]));
    const std::string line = s.line();
    const auto m = trax::parse_message(line);
    EXPECT_TRUE(m.property("confidence").has_value()) << line;
    const bbox::Box b = trax::region_bounds(state(line));
    // dimp_track writes 2 decimals, the server 4.
    EXPECT_NEAR(b.x, reference[i].x, 0.01) << "frame " << i + 1;
    EXPECT_NEAR(b.y, reference[i].y, 0.01) << "frame " << i + 1;
    EXPECT_NEAR(b.w, reference[i].w, 0.01) << "frame " << i + 1;
    EXPECT_NEAR(b.h, reference[i].h, 0.01) << "frame " << i + 1;
  }
  s.send("@@TRAX:quit");
  EXPECT_EQ(s.wait(), 0) << s.errors();
  EXPECT_TRUE(s.rest().empty()) << "output after quit: " << s.rest();
}

TEST(DimpTrax, PolygonsInPolygonsOutAndReinitialisation) {
  const Sequence& seq = sequence();
  Server s({"--tracker", "weight-free"});
  ASSERT_EQ(trax::parse_message(s.line()).type, trax::MessageType::kHello);
  s.send(initialize(seq.frames[0], trax::format_region(trax::region_like(seq.truth[0], trax::RegionType::kPolygon))));
  EXPECT_EQ(state(s.line()).values.size(), 8u);
  s.send(frame(seq.frames[1]));
  EXPECT_EQ(state(s.line()).type, trax::RegionType::kPolygon);
  // The toolkit re-initialises after a failure: the state is the new region, in its format.
  s.send(initialize(seq.frames[5], rect(seq.truth[5])));
  const auto again = state(s.line());
  EXPECT_EQ(again.type, trax::RegionType::kRectangle);
  EXPECT_NEAR(trax::region_bounds(again).x, seq.truth[5].x, 1e-3);
  s.send(frame(seq.frames[6]));
  EXPECT_EQ(state(s.line()).type, trax::RegionType::kRectangle);
  s.send("@@TRAX:quit");
  EXPECT_EQ(s.wait(), 0) << s.errors();
}

// refused: after `lines` the server must print one line naming `needle`, send quit and exit 1.
void expect_refusal(const std::vector<std::string>& lines, const std::string& needle, bool hang_up = false) {
  Server s({"--tracker", "weight-free"});
  ASSERT_EQ(trax::parse_message(s.line()).type, trax::MessageType::kHello);
  for (const auto& l : lines) s.send(l);
  if (hang_up) s.hang_up();
  std::string last;
  for (std::string l = s.line(); !l.empty(); l = s.line()) last = l;
  EXPECT_EQ(last, "@@TRAX:quit") << needle;
  EXPECT_EQ(s.wait(), 1) << needle;
  EXPECT_NE(s.errors().find(needle), std::string::npos) << s.errors();
  EXPECT_EQ(s.errors().find("dimp_trax: "), 0u) << s.errors();
  EXPECT_EQ(std::count(s.errors().begin(), s.errors().end(), '\n'), 1) << s.errors();
}

TEST(DimpTrax, GarbageIsRefused) {
  expect_refusal({"hello there"}, "line 1: not a TraX message");
  expect_refusal({"@@TRAX:initialize \"unterminated"}, "unterminated quote");
}

TEST(DimpTrax, AnUnknownOrMisplacedMessageIsRefused) {
  const Sequence& seq = sequence();
  expect_refusal({"@@TRAX:dance \"x\""}, "unknown message 'dance'");
  expect_refusal({"@@TRAX:state \"1,2,3,4\""}, "which only a server sends");
  expect_refusal({frame(seq.frames[0])}, "frame before initialize");
  expect_refusal({"@@TRAX:initialize \"file://" + seq.frames[0] + "\""}, "initialize needs 2 arguments");
}

TEST(DimpTrax, ARegionOutsideTheImageIsRefused) {
  const Sequence& seq = sequence();
  expect_refusal({initialize(seq.frames[0], "500,500,20,20")}, "does not cover a pixel of the 160x120 image");
  expect_refusal({initialize(seq.frames[0], "1,2,3")}, "3 values");
  expect_refusal({initialize(seq.frames[0], "0")}, "special code");
}

TEST(DimpTrax, AMissingOrForeignImageIsNamed) {
  const Sequence& seq = sequence();
  expect_refusal({initialize("/nonexistent/0001.jpg", rect(seq.truth[0]))}, "/nonexistent/0001.jpg");
  expect_refusal({trax::format_message({trax::MessageType::kInitialize, {"data:image/jpeg;base64;AAAA", "1,2,3,4"}, {}})},
                 "reads image files only");
}

TEST(DimpTrax, DisconnectingMidSequenceEndsCleanly) {
  const Sequence& seq = sequence();
  expect_refusal({initialize(seq.frames[0], rect(seq.truth[0])), frame(seq.frames[1]), frame(seq.frames[2])},
                 "disconnected (end of input) without quit, after 3 frame(s)", /*hang_up=*/true);
}

TEST(DimpTrax, BadParametersAreRefusedBeforeHello) {
  Server s({"--tracker", "weight-free", "--set", "sample_memory_size=15.7"});
  EXPECT_EQ(s.line(), "");
  EXPECT_EQ(s.wait(), 1);
  EXPECT_NE(s.errors().find("sample_memory_size"), std::string::npos) << s.errors();
}

}  // namespace
}  // namespace dimp
