#include "data/cv/image_io.h"

#include <cstdlib>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "data/ground_truth.h"
#include "data/image_header.h"

namespace dimp::data {
namespace {

// OpenCV's own bound for the formats whose headers we do not read; read once, at its first
// decode, so it is set before that.
const bool kOpenCvLimitSet = [] {
  return setenv("OPENCV_IO_MAX_IMAGE_PIXELS", std::to_string(kMaxImagePixels).c_str(), /*overwrite=*/0) == 0;
}();

}  // namespace

at::Tensor mat_to_tensor(const cv::Mat& in) {
  if (in.empty()) throw DataError("mat_to_tensor: empty image");
  if (in.depth() != CV_8U) throw DataError("mat_to_tensor: expected an 8-bit image");
  cv::Mat rgb;
  if (in.channels() == 3) {
    cv::cvtColor(in, rgb, cv::COLOR_BGR2RGB);
  } else if (in.channels() == 1) {
    cv::cvtColor(in, rgb, cv::COLOR_GRAY2RGB);
  } else if (in.channels() == 4) {
    cv::cvtColor(in, rgb, cv::COLOR_BGRA2RGB);
  } else {
    throw DataError("mat_to_tensor: unsupported channel count " + std::to_string(in.channels()));
  }
  // HWC bytes -> CHW contiguous tensor.
  auto hwc = at::from_blob(rgb.data, {rgb.rows, rgb.cols, 3}, {static_cast<int64_t>(rgb.step[0]), 3, 1}, at::kByte);
  return hwc.permute({2, 0, 1}).contiguous();
}

cv::Mat read_image(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError("cannot open image " + path);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (auto size = image_size_from_header(bytes)) {
    if (size->width <= 0 || size->height <= 0 || size->width * size->height > kMaxImagePixels) {
      throw DataError("image " + path + " declares " + std::to_string(size->width) + "x" + std::to_string(size->height) +
                      " pixels, outside the readable range (1 to " + std::to_string(kMaxImagePixels) + " pixels)");
    }
  }
  (void)kOpenCvLimitSet;
  cv::Mat m = cv::imdecode(cv::Mat(1, static_cast<int>(bytes.size()), CV_8U, bytes.data()), cv::IMREAD_COLOR);
  if (m.empty()) throw DataError("cannot decode image " + path + " (not an image, or a broken one)");
  return m;
}

at::Tensor load_image(const std::string& path) { return mat_to_tensor(read_image(path)); }

cv::Mat tensor_to_mat(const at::Tensor& t_in) {
  at::Tensor t = t_in.dim() == 4 ? t_in.squeeze(0) : t_in;
  if (t.dim() != 3 || t.size(0) != 3) throw DataError("tensor_to_mat: expected (3, H, W)");
  auto hwc = t.detach().to(at::kCPU).clamp(0, 255).to(at::kByte).permute({1, 2, 0}).contiguous();
  cv::Mat rgb(static_cast<int>(hwc.size(0)), static_cast<int>(hwc.size(1)), CV_8UC3, hwc.data_ptr());
  cv::Mat bgr;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);  // copies out of the tensor's memory
  return bgr;
}

}  // namespace dimp::data
