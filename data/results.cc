#include "data/results.h"

#include <cmath>
#include <filesystem>
#include <fstream>

#include "data/ground_truth.h"

namespace fs = std::filesystem;

namespace dimp::data {
namespace {

bool one_based(const std::string& format) {
  return format == "otb" || format == "uav" || format == "nfs" || format == "lasot";
}

}  // namespace

void check_result_format(const std::string& format) {
  if (!one_based(format) && format != "got10k" && format != "trackingnet" && format != "vot") {
    throw DataError("unknown result format '" + format + "' (otb, uav, nfs, lasot, got10k, trackingnet, vot)");
  }
}

std::string result_path(const std::string& format, const std::string& dir, const std::string& tracker,
                        const std::string& sequence) {
  check_result_format(format);
  const fs::path base = fs::path(dir) / tracker;
  if (format == "got10k") return (base / sequence / (sequence + "_001.txt")).string();
  if (format == "vot") return (base / "unsupervised" / sequence / (sequence + "_001.txt")).string();
  return (base / (sequence + ".txt")).string();
}

void write_results(const std::string& format, const std::string& dir, const std::string& tracker,
                   const std::string& sequence, const std::vector<bbox::Box>& boxes,
                   const std::vector<double>& seconds) {
  const fs::path path = result_path(format, dir, tracker, sequence);
  fs::create_directories(path.parent_path());
  // Write to a temporary file, then rename: an interrupted run never leaves half a result.
  const fs::path tmp = path.string() + ".partial";
  {
    std::ofstream out(tmp);
    if (!out) throw DataError("cannot write " + tmp.string());
    out.setf(std::ios::fixed);
    out.precision(2);
    const double origin = one_based(format) ? 1.0 : 0.0;
    const char sep = one_based(format) ? '\t' : ',';
    if (format == "vot") out << "1\n";
    for (size_t i = (format == "vot" ? 1 : 0); i < boxes.size(); ++i) {
      const auto& b = boxes[i];
      out << b.x + origin << sep << b.y + origin << sep << b.w << sep << b.h << '\n';
    }
    if (!out) throw DataError("error while writing " + tmp.string());
  }
  fs::rename(tmp, path);
  if (format == "got10k" && !seconds.empty()) {
    std::ofstream t(path.parent_path() / (sequence + "_time.txt"));
    t.setf(std::ios::fixed);
    t.precision(8);
    for (double s : seconds) t << s << '\n';
  }
}

std::optional<std::vector<bbox::Box>> read_results(const std::string& format, const std::string& dir,
                                                   const std::string& tracker, const std::string& sequence,
                                                   size_t frames) {
  const std::string path = result_path(format, dir, tracker, sequence);
  std::error_code ec;
  if (!fs::exists(path, ec)) return std::nullopt;
  std::vector<bbox::Box> boxes;
  if (format == "vot") {
    std::ifstream in(path);
    std::string first;
    std::getline(in, first);
    std::string line;
    int lineno = 1;
    boxes.push_back({});  // frame 0: the initialisation (not stored as a box)
    while (std::getline(in, line)) {
      ++lineno;
      try {
        auto v = split_numbers(line, path + ":" + std::to_string(lineno));
        if (v.size() != 4) return std::nullopt;
        boxes.push_back({v[0], v[1], v[2], v[3]});
      } catch (const DataError&) {
        return std::nullopt;  // unreadable: treated as absent and recomputed
      }
    }
  } else {
    try {
      boxes = read_rect_file(path, one_based(format) ? 1.0 : 0.0);
    } catch (const DataError&) {
      return std::nullopt;  // unreadable: treated as absent and recomputed
    }
  }
  if (boxes.size() != frames) return std::nullopt;
  return boxes;
}

std::vector<double> read_seconds_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw DataError("cannot open " + path);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  while (!lines.empty() && lines.back().find_first_not_of(" \t\r") == std::string::npos) lines.pop_back();
  std::vector<double> out;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string where = path + ":" + std::to_string(i + 1);
    const auto v = split_numbers(lines[i], where);
    if (v.size() != 1) throw DataError(where + ": expected one time in seconds, found " + std::to_string(v.size()) + " values");
    if (!std::isfinite(v[0]) || v[0] < 0) throw DataError(where + ": a time must be a finite number of seconds >= 0");
    out.push_back(v[0]);
  }
  if (out.empty()) throw DataError(path + ": no times");
  return out;
}

}  // namespace dimp::data
