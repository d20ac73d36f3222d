#include "data/sequence.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

namespace fs = std::filesystem;

namespace dimp::data {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

void check_counts(const Sequence& s, const std::string& gt_path) {
  if (s.frames.size() != s.ground_truth.size()) {
    throw DataError(s.dataset + " sequence " + s.name + ": " + std::to_string(s.frames.size()) +
                    " frames but " + std::to_string(s.ground_truth.size()) + " boxes in " + gt_path);
  }
}

}  // namespace

std::vector<std::string> list_images(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw DataError("image folder not found: " + dir);
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (!e.is_regular_file()) continue;
    const std::string ext = lower(e.path().extension().string());
    if (ext == ".jpg" || ext == ".jpeg" || ext == ".png" || ext == ".bmp") out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  if (out.empty()) throw DataError("no images in " + dir);
  return out;
}

Sequence read_otb_sequence(const std::string& dir, int start_frame) {
  if (start_frame < 1) throw DataError("read_otb_sequence: start_frame must be >= 1");
  Sequence s;
  s.dataset = "otb";
  s.name = fs::path(dir).filename().string();
  if (s.name.empty()) s.name = fs::path(dir).parent_path().filename().string();
  auto images = list_images((fs::path(dir) / "img").string());
  std::string gt = (fs::path(dir) / "groundtruth_rect.txt").string();
  if (!fs::exists(gt)) gt = (fs::path(dir) / "groundtruth_rect.1.txt").string();
  s.ground_truth = read_rect_file(gt, 1.0);
  if (static_cast<size_t>(start_frame - 1) >= images.size()) {
    throw DataError("OTB sequence " + s.name + ": start frame " + std::to_string(start_frame) +
                    " beyond its " + std::to_string(images.size()) + " images");
  }
  s.frames.assign(images.begin() + (start_frame - 1), images.end());
  // OTB ships a few sequences with more images than annotated frames; the annotated range
  // starts at start_frame and the surplus images at the end are not part of the sequence.
  if (s.frames.size() > s.ground_truth.size()) s.frames.resize(s.ground_truth.size());
  check_counts(s, gt);
  return s;
}

Sequence read_vot_sequence(const std::string& dir, PolygonToBox rule) {
  Sequence s;
  s.dataset = "vot";
  s.name = fs::path(dir).filename().string();
  const fs::path color = fs::path(dir) / "color";
  s.frames = list_images(fs::is_directory(color) ? color.string() : dir);
  const std::string gt = (fs::path(dir) / "groundtruth.txt").string();
  s.ground_truth = read_polygon_file(gt, rule);
  check_counts(s, gt);
  return s;
}

std::vector<Sequence> read_sequences_under(const std::string& root) {
  std::vector<Sequence> out;
  std::error_code ec;
  if (!fs::is_directory(root, ec)) throw DataError("data folder not found: " + root);
  for (const char* ds : {"otb", "vot"}) {
    const fs::path base = fs::path(root) / ds;
    if (!fs::is_directory(base, ec)) continue;
    std::vector<fs::path> dirs;
    for (const auto& e : fs::directory_iterator(base, ec)) {
      if (e.is_directory()) dirs.push_back(e.path());
    }
    std::sort(dirs.begin(), dirs.end());
    for (const auto& d : dirs) {
      out.push_back(std::string(ds) == "otb" ? read_otb_sequence(d.string()) : read_vot_sequence(d.string()));
    }
  }
  return out;
}

}  // namespace dimp::data
