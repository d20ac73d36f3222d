#include "tools/lib/frame_source.h"

#include <filesystem>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/videoio.hpp>

#include "data/ground_truth.h"
#include "data/cv/image_io.h"
#include "data/sequence.h"

namespace fs = std::filesystem;

namespace dimp::tools {
namespace {

class ImageListSource : public FrameSource {
 public:
  ImageListSource(std::vector<std::string> paths, std::vector<bbox::Box> gt, std::string name,
                  const std::string& annotation = "")
      : paths_(std::move(paths)) {
    ground_truth_ = std::move(gt);
    name_ = std::move(name);
    files_ = paths_;
    if (!annotation.empty()) files_.push_back(annotation);
  }
  bool next(Frame& f) override {
    if (index_ >= paths_.size()) return false;
    f = make_frame(data::read_image(paths_[index_]));
    ++index_;
    return true;
  }
  long size() const override { return static_cast<long>(paths_.size()); }

 private:
  std::vector<std::string> paths_;
  size_t index_ = 0;
};

class VideoSource : public FrameSource {
 public:
  explicit VideoSource(const std::string& input) {
    name_ = input;
    video_ = true;
    if (input.rfind("camera:", 0) == 0) {
      cap_.open(std::stoi(input.substr(7)));
      live_ = true;
    } else {
      cap_.open(input);
      files_.push_back(input);
    }
    if (!cap_.isOpened()) throw data::DataError("cannot open video or camera '" + input + "'");
  }
  bool next(Frame& f) override {
    cv::Mat m;
    if (!cap_.read(m) || m.empty()) return false;
    f = make_frame(m);
    return true;
  }
  long size() const override {
    const double n = live_ ? -1 : cap_.get(cv::CAP_PROP_FRAME_COUNT);
    return n > 0 ? static_cast<long>(n) : -1;
  }
  double fps() const override {
    const double v = cap_.get(cv::CAP_PROP_FPS);
    return v > 0 ? v : 30.0;
  }

 private:
  mutable cv::VideoCapture cap_;
  bool live_ = false;
};

}  // namespace

std::unique_ptr<FrameSource> open_frames(const std::string& input) {
  std::error_code ec;
  if (input.rfind("camera:", 0) == 0 || fs::is_regular_file(input, ec)) return std::make_unique<VideoSource>(input);
  if (!fs::is_directory(input, ec)) throw data::DataError("input not found: " + input);
  const fs::path dir(input);
  const std::string name = dir.filename().empty() ? dir.parent_path().filename().string() : dir.filename().string();
  for (const char* gt : {"groundtruth_rect.txt", "groundtruth_rect.1.txt"}) {
    if (fs::is_directory(dir / "img") && fs::exists(dir / gt)) {
      auto s = data::read_otb_sequence(input);
      return std::make_unique<ImageListSource>(s.frames, s.ground_truth, name, (dir / gt).string());
    }
  }
  if (fs::exists(dir / "groundtruth.txt")) {
    auto s = data::read_vot_sequence(input);
    return std::make_unique<ImageListSource>(s.frames, s.ground_truth, name, (dir / "groundtruth.txt").string());
  }
  if (fs::is_directory(dir / "img")) return std::make_unique<ImageListSource>(data::list_images((dir / "img").string()), std::vector<bbox::Box>{}, name);
  return std::make_unique<ImageListSource>(data::list_images(input), std::vector<bbox::Box>{}, name);
}

}  // namespace dimp::tools
