#include "data/ground_truth.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace dimp::data {
namespace {

std::ifstream open_or_throw(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw DataError("cannot open annotation file " + path);
  return in;
}

bool blank(const std::string& line) {
  return std::all_of(line.begin(), line.end(), [](unsigned char c) { return std::isspace(c); });
}

}  // namespace

std::vector<double> split_numbers(const std::string& line, const std::string& where) {
  std::vector<double> out;
  size_t i = 0;
  const size_t n = line.size();
  auto is_sep = [](char c) { return c == ',' || c == '\t' || c == ' ' || c == '\r' || c == ';'; };
  while (i < n) {
    while (i < n && is_sep(line[i])) ++i;
    if (i >= n) break;
    size_t j = i;
    while (j < n && !is_sep(line[j])) ++j;
    const std::string tok = line.substr(i, j - i);
    if (tok == "NaN" || tok == "nan" || tok == "NAN") {
      out.push_back(std::nan(""));
    } else {
      errno = 0;
      char* end = nullptr;
      const double v = std::strtod(tok.c_str(), &end);
      if (end != tok.c_str() + tok.size() || errno == ERANGE) {
        throw DataError(where + ": '" + tok + "' is not a number");
      }
      out.push_back(v);
    }
    i = j;
  }
  return out;
}

std::vector<bbox::Box> read_rect_file(const std::string& path, double origin) {
  std::ifstream in = open_or_throw(path);
  std::vector<bbox::Box> boxes;
  std::string line;
  int lineno = 0, pending_blank = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (blank(line)) {
      ++pending_blank;
      continue;
    }
    const std::string where = path + ":" + std::to_string(lineno);
    if (pending_blank > 0) throw DataError(where + ": blank line inside the annotations");
    auto v = split_numbers(line, where);
    if (v.size() != 4) {
      throw DataError(where + ": expected 4 numbers (x,y,w,h), found " + std::to_string(v.size()));
    }
    boxes.push_back({v[0] - origin, v[1] - origin, v[2], v[3]});
  }
  if (boxes.empty()) throw DataError(path + ": no boxes");
  return boxes;
}

bbox::Box polygon_to_box(const std::vector<double>& v, PolygonToBox rule) {
  if (v.size() == 4) return {v[0], v[1], v[2], v[3]};
  if (v.size() != 8) throw DataError("polygon must have 8 numbers, got " + std::to_string(v.size()));
  double x0 = v[0], x1 = v[0], y0 = v[1], y1 = v[1], mx = 0, my = 0;
  for (int k = 0; k < 4; ++k) {
    x0 = std::min(x0, v[2 * k]);
    x1 = std::max(x1, v[2 * k]);
    y0 = std::min(y0, v[2 * k + 1]);
    y1 = std::max(y1, v[2 * k + 1]);
    mx += 0.25 * v[2 * k];
    my += 0.25 * v[2 * k + 1];
  }
  if (rule == PolygonToBox::kEnclosing) return {x0, y0, x1 - x0, y1 - y0};
  // Shoelace area; the enclosing box is scaled about the corners' mean to that area.
  double area = 0;
  for (int k = 0; k < 4; ++k) {
    const int n = (k + 1) % 4;
    area += v[2 * k] * v[2 * n + 1] - v[2 * n] * v[2 * k + 1];
  }
  area = std::abs(area) * 0.5;
  const double w = x1 - x0, h = y1 - y0;
  const double s = (w > 0 && h > 0) ? std::sqrt(area / (w * h)) : 0.0;
  return bbox::from_center({mx, my, w * s, h * s});
}

std::vector<bbox::Box> read_polygon_file(const std::string& path, PolygonToBox rule) {
  std::ifstream in = open_or_throw(path);
  std::vector<bbox::Box> boxes;
  std::string line;
  int lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (blank(line)) continue;
    const std::string where = path + ":" + std::to_string(lineno);
    auto v = split_numbers(line, where);
    if (v.size() != 8 && v.size() != 4) {
      throw DataError(where + ": expected 8 polygon numbers or 4 rectangle numbers, found " +
                      std::to_string(v.size()));
    }
    boxes.push_back(polygon_to_box(v, rule));
  }
  if (boxes.empty()) throw DataError(path + ": no boxes");
  return boxes;
}

RectFileWriter::RectFileWriter(const std::string& path, double origin) : path_(path), origin_(origin), out_(path) {
  if (!out_) throw DataError("cannot write " + path);
  out_.setf(std::ios::fixed);
  out_.precision(2);
}

void RectFileWriter::add(const bbox::Box& b) {
  out_ << b.x + origin_ << '\t' << b.y + origin_ << '\t' << b.w << '\t' << b.h << '\n' << std::flush;
  if (!out_) throw DataError("error while writing " + path_);
}

void write_rect_file(const std::string& path, const std::vector<bbox::Box>& boxes, double origin) {
  RectFileWriter out(path, origin);
  for (const auto& b : boxes) out.add(b);
}

}  // namespace dimp::data
