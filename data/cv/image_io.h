// data/cv/image_io.h — images between OpenCV and tensors (the OpenCV side of the library).
//
// The library's image layout is a (3, H, W) uint8 RGB tensor (a view is fine: the patch
// sampler reads any strides). cv::Mat frames are BGR, HWC.
//   at::Tensor img = dimp::data::load_image("frame.jpg");   // (3, H, W) uint8 RGB
#pragma once

#include <ATen/ATen.h>

#include <opencv2/core.hpp>
#include <string>

namespace dimp::data {

// read_image: decode an image file to an 8-bit BGR cv::Mat; throws DataError naming the file
// when it cannot be read, or when its header declares more than kMaxImagePixels
// (data/image_header.h) — refused before anything is decoded.
cv::Mat read_image(const std::string& path);

// load_image: read_image as a (3, H, W) uint8 RGB tensor.
at::Tensor load_image(const std::string& path);

// mat_to_tensor: a BGR (or grey) 8-bit cv::Mat to a (3, H, W) uint8 RGB tensor (a copy).
at::Tensor mat_to_tensor(const cv::Mat& bgr);

// tensor_to_mat: a (3, H, W) or (1, 3, H, W) RGB tensor (uint8 or float 0..255) to BGR Mat.
cv::Mat tensor_to_mat(const at::Tensor& rgb);

}  // namespace dimp::data
