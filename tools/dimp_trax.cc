// dimp_trax — any registered tracker (and OpenCV's baselines) as a TraX server: the VOT toolkit,
// or any TraX client, starts it and talks to it over standard input and output.
//
//   dimp_trax --tracker deep
//   dimp_trax --tracker dimp50 --weights dimp50.safetensors --set network_precision=float32
//
// The session, as the protocol specifies it (tools/lib/trax.h): the server introduces itself
// (hello: protocol version 1, image files, rectangles and polygons), then answers each
// `initialize` (an image and the target's region) and each `frame` (an image) with a `state`
// (the target's region, written like the region the client gave), until the client says `quit`.
// Anything wrong — a line that is not a TraX message, an unknown or out-of-order message, an
// unreadable image, a region outside the image, the client disconnecting without `quit` — is
// one line on standard error, a `quit` to the client, and exit status 1. Nothing but protocol
// lines is written to standard output.
#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <optional>
#include <string>
#include <unistd.h>

#include "data/cv/image_io.h"
#include "dimp/runtime.h"
#include "dimp/tracker.h"
#include "dimp/version.h"
#include "tools/lib/frame_tracker.h"
#include "tools/lib/trax.h"

namespace trax = dimp::tools::trax;

namespace {

// ProtocolError: the session cannot go on; the message says why.
class ProtocolError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// LineReader: lines from a file descriptor, each at most kMaxLine bytes (a peer that sends
// megabytes without a newline is refused, not buffered without end).
class LineReader {
 public:
  static constexpr size_t kMaxLine = size_t{1} << 20;
  explicit LineReader(int fd) : fd_(fd) {}
  // next: the next line without its newline; nullopt at the end of input (a last line without
  // a newline is still returned).
  std::optional<std::string> next() {
    while (true) {
      const size_t nl = buffer_.find('\n', scanned_);
      if (nl != std::string::npos) {
        std::string line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        scanned_ = 0;
        return line;
      }
      scanned_ = buffer_.size();
      if (buffer_.size() > kMaxLine) {
        throw ProtocolError("line " + std::to_string(line_number_ + 1) + " is longer than " +
                            std::to_string(kMaxLine) + " bytes without a newline");
      }
      if (eof_) {
        if (buffer_.empty()) return std::nullopt;
        std::string line;
        line.swap(buffer_);
        scanned_ = 0;
        return line;
      }
      char chunk[4096];
      const ssize_t n = ::read(fd_, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        eof_ = true;
        continue;
      }
      buffer_.append(chunk, static_cast<size_t>(n));
    }
  }
  long line_number() const { return line_number_; }
  void count_line() { ++line_number_; }

 private:
  int fd_;
  std::string buffer_;
  size_t scanned_ = 0;
  bool eof_ = false;
  long line_number_ = 0;
};

// Writer: protocol lines to the client, each written whole and at once.
class Writer {
 public:
  explicit Writer(int fd) : fd_(fd) {}
  void send(const trax::Message& m) {
    const std::string line = trax::format_message(m) + "\n";
    size_t done = 0;
    while (done < line.size()) {
      const ssize_t n = ::write(fd_, line.data() + done, line.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) throw ProtocolError("cannot write to the client (it closed its end of the pipe)");
      done += static_cast<size_t>(n);
    }
  }

 private:
  int fd_;
};

// load_frame: the image an argument names, decoded; errors name the argument.
dimp::tools::Frame load_frame(const std::string& argument) {
  const std::string path = trax::image_path(argument);
  return dimp::tools::make_frame(dimp::data::read_image(path));
}

// initial_box: the box a region stands for, refused when it does not cover a pixel of the image.
dimp::bbox::Box initial_box(const trax::Region& region, const std::string& text, const cv::Mat& image) {
  if (region.type == trax::RegionType::kSpecial) {
    throw ProtocolError("initialize: the region '" + text + "' is a special code, not a place to track");
  }
  const dimp::bbox::Box box = trax::region_area_box(region);
  const dimp::bbox::Box inside = dimp::bbox::clip_to_image(box, image.cols, image.rows);
  if (!box.is_valid() || inside.w < 1 || inside.h < 1) {
    throw ProtocolError("initialize: the region '" + text + "' does not cover a pixel of the " +
                        std::to_string(image.cols) + "x" + std::to_string(image.rows) + " image");
  }
  return box;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"dimp_trax: a tracker as a TraX server over standard input and output (the VOT toolkit's protocol)"};
  std::string tracker_name = dimp::kDefaultTracker, params_file, weights;
  std::vector<std::string> overrides;
  int threads = 0;
  app.add_option("--tracker", tracker_name, "tracker variant (dimp_track --list) or an OpenCV baseline (csrt, kcf, mil)");
  app.add_option("--params", params_file, "JSON parameter file (default: the variant's)");
  app.add_option("--set", overrides, "parameter override name=value (repeatable)");
  app.add_option("--weights", weights, "weights file (safetensors) for variants that need one");
  app.add_option("--threads", threads, "LibTorch threads (0: all cores)");
  CLI11_PARSE(app, argc, argv);

  // Protocol lines go to the original standard output; anything else a library prints there
  // goes to standard error, so it can never be taken for (or break) a message.
  std::signal(SIGPIPE, SIG_IGN);
  const int protocol_fd = ::dup(STDOUT_FILENO);
  if (protocol_fd < 0 || ::dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
    std::fprintf(stderr, "dimp_trax: cannot set up standard output\n");
    return 1;
  }
  Writer out(protocol_fd);
  LineReader in(STDIN_FILENO);
  long frames = 0;
  bool hello_sent = false;
  try {
    dimp::check_thread_count(threads, "--threads");
    dimp::set_num_threads(threads);
    std::unique_ptr<dimp::TrackerParams> params;
    const auto& cv_names = dimp::tools::opencv_tracker_names();
    if (std::find(cv_names.begin(), cv_names.end(), tracker_name) == cv_names.end()) {
      params = std::make_unique<dimp::TrackerParams>(dimp::resolve_params(tracker_name, params_file, overrides));
    }
    auto tracker = dimp::tools::make_frame_tracker(tracker_name, params.get(), weights);

    out.send({trax::MessageType::kHello,
              {},
              {{"trax.version", "1"},
               {"trax.name", tracker_name},
               {"trax.identifier", std::string("dimp-cpp ") + dimp::kVersion + " " + tracker_name},
               {"trax.image", "path;"},
               {"trax.region", "rectangle;polygon;"}}});
    hello_sent = true;

    bool initialized = false;
    trax::RegionType reply_format = trax::RegionType::kRectangle;
    cv::Size image_size;
    while (true) {
      auto line = in.next();
      if (!line) {
        throw ProtocolError("the client disconnected (end of input) without quit, after " + std::to_string(frames) +
                            " frame(s)");
      }
      in.count_line();
      const std::string where = "line " + std::to_string(in.line_number()) + ": ";
      if (line->empty() || *line == "\r") continue;
      trax::Message m;
      try {
        m = trax::parse_message(*line);
      } catch (const trax::TraxError& e) {
        throw ProtocolError(where + e.what());
      }
      if (m.type == trax::MessageType::kQuit) return 0;
      if (m.type == trax::MessageType::kHello || m.type == trax::MessageType::kState) {
        throw ProtocolError(where + "the client sent '" + trax::message_name(m.type) + "', which only a server sends");
      }
      try {
        if (m.type == trax::MessageType::kInitialize) {
          if (m.arguments.size() != 2) {
            throw ProtocolError("initialize needs 2 arguments (an image and a region), got " +
                                std::to_string(m.arguments.size()));
          }
          const trax::Region region = trax::parse_region(m.arguments[1]);
          const dimp::tools::Frame frame = load_frame(m.arguments[0]);
          const dimp::bbox::Box box = initial_box(region, m.arguments[1], frame.bgr);
          tracker->initialize(frame, box);
          initialized = true;
          reply_format = region.type;
          image_size = frame.bgr.size();
          frames = 1;
          out.send({trax::MessageType::kState, {trax::format_region(trax::region_like(box, reply_format))}, {}});
        } else {  // frame
          if (!initialized) throw ProtocolError("frame before initialize: there is no target to track");
          if (m.arguments.size() != 1) {
            throw ProtocolError("frame needs 1 argument (an image), got " + std::to_string(m.arguments.size()));
          }
          const dimp::tools::Frame frame = load_frame(m.arguments[0]);
          if (frame.bgr.size() != image_size) {
            throw ProtocolError("frame: the image is " + std::to_string(frame.bgr.cols) + "x" +
                                std::to_string(frame.bgr.rows) + ", the sequence's first was " +
                                std::to_string(image_size.width) + "x" + std::to_string(image_size.height));
          }
          const dimp::TrackResult r = tracker->track(frame);
          ++frames;
          char score[32];
          std::snprintf(score, sizeof score, "%.4f", r.score);
          out.send({trax::MessageType::kState,
                    {trax::format_region(trax::region_like(r.box, reply_format))},
                    {{"confidence", score}}});
        }
      } catch (const ProtocolError& e) {
        throw ProtocolError(where + e.what());
      } catch (const std::exception& e) {
        throw ProtocolError(where + trax::message_name(m.type) + ": " + e.what());
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dimp_trax: %s\n", e.what());
    if (hello_sent) {
      try {
        out.send({trax::MessageType::kQuit, {}, {}});
      } catch (const std::exception&) {
      }
    }
    return 1;
  }
}
