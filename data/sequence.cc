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

bool natural_less(const std::string& a, const std::string& b) {
  size_t i = 0, j = 0;
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  while (i < a.size() && j < b.size()) {
    if (digit(a[i]) && digit(b[j])) {
      size_t ei = i, ej = j;
      while (ei < a.size() && digit(a[ei])) ++ei;
      while (ej < b.size() && digit(b[ej])) ++ej;
      size_t si = i, sj = j;  // skip leading zeros, then the longer run is the larger number
      while (si + 1 < ei && a[si] == '0') ++si;
      while (sj + 1 < ej && b[sj] == '0') ++sj;
      if (ei - si != ej - sj) return ei - si < ej - sj;
      const int c = a.compare(si, ei - si, b, sj, ej - sj);
      if (c != 0) return c < 0;
      if (ei - i != ej - j) return ei - i < ej - j;  // "01" before "1": a fixed order for ties
      i = ei;
      j = ej;
    } else {
      if (a[i] != b[j]) return a[i] < b[j];
      ++i;
      ++j;
    }
  }
  return a.size() - i < b.size() - j;
}

std::vector<std::string> list_images(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw DataError("image folder not found: " + dir);
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (!e.is_regular_file()) continue;
    const std::string ext = lower(e.path().extension().string());
    if (ext == ".jpg" || ext == ".jpeg" || ext == ".png" || ext == ".bmp") files.push_back(e.path());
  }
  if (files.empty()) throw DataError("no images in " + dir);
  std::sort(files.begin(), files.end(),
            [](const fs::path& a, const fs::path& b) { return natural_less(a.filename().string(), b.filename().string()); });
  // Numbered frames: consecutive numbers, each once.
  auto number = [](const fs::path& p) -> long long {
    const std::string stem = p.stem().string();
    if (stem.empty() || stem.size() > 12 || !std::all_of(stem.begin(), stem.end(), ::isdigit)) return -1;
    return std::stoll(stem);
  };
  if (std::all_of(files.begin(), files.end(), [&](const fs::path& p) { return number(p) >= 0; })) {
    for (size_t k = 1; k < files.size(); ++k) {
      const long long prev = number(files[k - 1]), cur = number(files[k]);
      if (cur == prev) {
        throw DataError(dir + ": frames " + files[k - 1].filename().string() + " and " + files[k].filename().string() +
                        " have the same number");
      }
      if (cur != prev + 1) {
        throw DataError(dir + ": frame " + std::to_string(prev + 1) + " is missing (the images jump from " +
                        files[k - 1].filename().string() + " to " + files[k].filename().string() + ")");
      }
    }
  }
  std::vector<std::string> out;
  for (const auto& p : files) out.push_back(p.string());
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

std::vector<Sequence> read_sequences_under(const std::string& root, const std::vector<std::string>& only,
                                           std::vector<UnreadableSequence>* unreadable) {
  std::vector<Sequence> out;
  std::error_code ec;
  if (!fs::is_directory(root, ec)) throw DataError("data folder not found: " + root);
  for (const std::string ds : {"otb", "vot"}) {
    const fs::path base = fs::path(root) / ds;
    if (!fs::is_directory(base, ec)) continue;
    std::vector<fs::path> dirs;
    for (const auto& e : fs::directory_iterator(base, ec)) {
      const std::string name = e.path().filename().string();
      if (e.is_directory() && (only.empty() || std::find(only.begin(), only.end(), name) != only.end())) {
        dirs.push_back(e.path());
      }
    }
    std::sort(dirs.begin(), dirs.end());
    for (const auto& d : dirs) {
      try {
        out.push_back(ds == "otb" ? read_otb_sequence(d.string()) : read_vot_sequence(d.string()));
      } catch (const DataError& e) {
        if (!unreadable) throw;
        unreadable->push_back({d.filename().string(), e.what()});
      }
    }
  }
  return out;
}

}  // namespace dimp::data
