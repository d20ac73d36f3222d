#include "data/vot.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "data/ground_truth.h"

namespace fs = std::filesystem;

namespace dimp::data::vot {
namespace {

using Point = std::array<double, 2>;
using Polygon = std::vector<Point>;

const double kNaN = std::numeric_limits<double>::quiet_NaN();

// points: a region's corners; empty for a region without area or with non-finite values.
Polygon points(const Region& r) {
  for (double v : r) {
    if (!std::isfinite(v)) return {};
  }
  if (r.size() == 4) {
    if (r[2] <= 0 || r[3] <= 0) return {};
    return {{r[0], r[1]}, {r[0] + r[2], r[1]}, {r[0] + r[2], r[1] + r[3]}, {r[0], r[1] + r[3]}};
  }
  if (r.size() < 6 || r.size() % 2 != 0) {
    throw std::invalid_argument("a region has 4 values (x,y,w,h) or an even number of at least 6, not " +
                                std::to_string(r.size()));
  }
  Polygon p;
  for (size_t k = 0; k < r.size(); k += 2) p.push_back({r[k], r[k + 1]});
  return p;
}

double signed_area(const Polygon& p) {
  double a = 0;
  for (size_t k = 0; k < p.size(); ++k) {
    const Point& u = p[k];
    const Point& v = p[(k + 1) % p.size()];
    a += u[0] * v[1] - v[0] * u[1];
  }
  return 0.5 * a;
}

double cross(const Point& a, const Point& b, const Point& c) {
  return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
}

bool is_convex(const Polygon& p) {
  int sign = 0;
  for (size_t k = 0; k < p.size(); ++k) {
    const double c = cross(p[k], p[(k + 1) % p.size()], p[(k + 2) % p.size()]);
    if (std::abs(c) < 1e-12) continue;
    const int s = c > 0 ? 1 : -1;
    if (sign != 0 && s != sign) return false;
    sign = s;
  }
  return true;
}

// clip: the part of `subject` inside the convex polygon `clipper` (Sutherland-Hodgman; the
// subject may be concave, the clipper must not be).
Polygon clip(const Polygon& subject, const Polygon& clipper) {
  const double orientation = signed_area(clipper) >= 0 ? 1.0 : -1.0;
  Polygon out = subject;
  for (size_t e = 0; e < clipper.size() && !out.empty(); ++e) {
    const Point& a = clipper[e];
    const Point& b = clipper[(e + 1) % clipper.size()];
    auto inside = [&](const Point& p) { return orientation * cross(a, b, p) >= 0; };
    auto meet = [&](const Point& p, const Point& q) {
      const double cp = cross(a, b, p), cq = cross(a, b, q);
      const double t = cp / (cp - cq);
      return Point{p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])};
    };
    Polygon in;
    in.swap(out);
    for (size_t k = 0; k < in.size(); ++k) {
      const Point& p = in[k];
      const Point& q = in[(k + 1) % in.size()];
      const bool p_in = inside(p), q_in = inside(q);
      if (p_in) out.push_back(p);
      if (p_in != q_in) out.push_back(meet(p, q));
    }
  }
  return out;
}

size_t count(const std::vector<uint8_t>* tag, size_t first, size_t last) {
  if (!tag) return last - first + 1;
  size_t n = 0;
  for (size_t k = first; k <= last && k < tag->size(); ++k) n += (*tag)[k] != 0;
  return n;
}

std::string format_value(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.4f", v);
  return buf;
}

}  // namespace

double region_area(const Region& region) {
  const Polygon p = points(region);
  return p.empty() ? 0.0 : std::abs(signed_area(p));
}

double region_overlap(const Region& a, const Region& b, double width, double height) {
  Polygon pa = points(a), pb = points(b);
  if (width > 0 && height > 0) {
    const Polygon image{{0, 0}, {width, 0}, {width, height}, {0, height}};
    if (!pa.empty()) pa = clip(pa, image);
    if (!pb.empty()) pb = clip(pb, image);
  }
  if (pa.size() < 3 || pb.size() < 3) return 0.0;
  const double area_a = std::abs(signed_area(pa)), area_b = std::abs(signed_area(pb));
  if (area_a <= 0 || area_b <= 0) return 0.0;
  double inter = 0;
  if (is_convex(pb)) {
    const Polygon i = clip(pa, pb);
    inter = i.size() < 3 ? 0.0 : std::abs(signed_area(i));
  } else if (is_convex(pa)) {
    const Polygon i = clip(pb, pa);
    inter = i.size() < 3 ? 0.0 : std::abs(signed_area(i));
  } else {
    throw std::invalid_argument("region_overlap: neither region is convex");
  }
  const double uni = area_a + area_b - inter;
  return uni > 0 ? std::clamp(inter / uni, 0.0, 1.0) : 0.0;
}

std::vector<Region> parse_regions(const std::string& text, const std::string& where) {
  std::vector<Region> out;
  std::istringstream in(text);
  int lineno = 0;
  for (std::string line; std::getline(in, line);) {
    ++lineno;
    const std::string at = where + ":" + std::to_string(lineno);
    if (line.find_first_not_of(" \t\r") == std::string::npos) {
      out.emplace_back();  // a blank line: checked below, allowed only at the end
      continue;
    }
    if (!out.empty() && out.back().empty()) throw DataError(at + ": blank line inside the regions");
    Region r = split_numbers(line, at);
    if (r.size() != 4 && (r.size() < 6 || r.size() % 2 != 0)) {
      throw DataError(at + ": expected 4 rectangle values or a polygon, found " + std::to_string(r.size()));
    }
    for (double v : r) {
      if (!std::isfinite(v)) throw DataError(at + ": a value is not finite");
    }
    out.push_back(std::move(r));
  }
  while (!out.empty() && out.back().empty()) out.pop_back();
  if (out.empty()) throw DataError(where + ": no regions");
  return out;
}

std::vector<Region> read_regions(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw DataError("cannot open ground truth " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return parse_regions(text.str(), path);
}

bbox::Box region_box(const Region& region) {
  if (region.size() == 4) return {region[0], region[1], region[2], region[3]};
  const Polygon p = points(region);
  if (p.empty()) return {kNaN, kNaN, kNaN, kNaN};
  double x0 = p[0][0], x1 = x0, y0 = p[0][1], y1 = y0, mx = 0, my = 0;
  for (const auto& q : p) {
    x0 = std::min(x0, q[0]);
    x1 = std::max(x1, q[0]);
    y0 = std::min(y0, q[1]);
    y1 = std::max(y1, q[1]);
    mx += q[0] / static_cast<double>(p.size());
    my += q[1] / static_cast<double>(p.size());
  }
  const double w = x1 - x0, h = y1 - y0;
  const double s = w > 0 && h > 0 ? std::sqrt(std::abs(signed_area(p)) / (w * h)) : 0.0;
  return bbox::from_center({mx, my, w * s, h * s});
}

Trajectory run_supervised(const std::vector<Region>& truth, double width, double height,
                          const std::function<void(size_t, const Region&)>& initialize,
                          const std::function<Region(size_t)>& track, const ProtocolOptions& options) {
  if (options.skip_initialize < 1) throw std::invalid_argument("run_supervised: skip_initialize must be >= 1");
  if (!(options.failure_overlap >= 0)) throw std::invalid_argument("run_supervised: failure_overlap must be >= 0");
  const size_t n = truth.size();
  Trajectory out(n);
  size_t i = 0;
  while (i < n) {
    initialize(i, truth[i]);
    out[i].kind = Entry::Kind::kInitialized;
    for (++i; i < n; ++i) {
      Region r = track(i);
      if (region_overlap(truth[i], r, width, height) <= options.failure_overlap) {
        out[i].kind = Entry::Kind::kFailure;
        i += static_cast<size_t>(options.skip_initialize);
        break;
      }
      out[i].kind = Entry::Kind::kRegion;
      out[i].region = std::move(r);
    }
  }
  return out;
}

std::string format_trajectory(const Trajectory& trajectory) {
  std::string out;
  for (const auto& e : trajectory) {
    switch (e.kind) {
      case Entry::Kind::kInitialized:
        out += "1";
        break;
      case Entry::Kind::kFailure:
        out += "2";
        break;
      case Entry::Kind::kSkipped:
        out += "0";
        break;
      case Entry::Kind::kRegion:
        for (size_t k = 0; k < e.region.size(); ++k) out += (k ? "," : "") + format_value(e.region[k]);
        break;
    }
    out += '\n';
  }
  return out;
}

void write_trajectory(const std::string& path, const Trajectory& trajectory) {
  const fs::path p(path);
  if (p.has_parent_path()) fs::create_directories(p.parent_path());
  const std::string tmp = path + ".partial";
  {
    std::ofstream out(tmp);
    if (!out) throw DataError("cannot write " + tmp);
    out << format_trajectory(trajectory);
    if (!out) throw DataError("error while writing " + tmp);
  }
  fs::rename(tmp, path);
}

Trajectory parse_trajectory(const std::string& text, const std::string& where) {
  Trajectory out;
  std::istringstream in(text);
  std::string line;
  int lineno = 0;
  bool failed = false;  // after a "2", only "0" until the next "1"
  std::vector<std::string> lines;
  while (std::getline(in, line)) lines.push_back(line);
  while (!lines.empty() && lines.back().find_first_not_of(" \t\r") == std::string::npos) lines.pop_back();
  for (const auto& l : lines) {
    ++lineno;
    const std::string at = where + ":" + std::to_string(lineno);
    const std::vector<double> v = split_numbers(l, at);
    for (double x : v) {
      if (!std::isfinite(x)) throw DataError(at + ": a value is not finite");
    }
    Entry e;
    if (v.size() == 1) {
      if (v[0] == 1) {
        e.kind = Entry::Kind::kInitialized;
      } else if (v[0] == 2) {
        e.kind = Entry::Kind::kFailure;
      } else if (v[0] == 0) {
        e.kind = Entry::Kind::kSkipped;
      } else {
        throw DataError(at + ": a single value must be 0 (skipped), 1 (initialised) or 2 (failure)");
      }
    } else if (v.size() == 4 || (v.size() >= 6 && v.size() % 2 == 0)) {
      e.kind = Entry::Kind::kRegion;
      e.region = v;
    } else {
      throw DataError(at + ": expected a code, 4 rectangle values or a polygon, found " + std::to_string(v.size()) +
                      " values");
    }
    if (out.empty() && e.kind != Entry::Kind::kInitialized) throw DataError(at + ": a run starts with 1 (initialised)");
    if (failed && e.kind != Entry::Kind::kSkipped && e.kind != Entry::Kind::kInitialized) {
      throw DataError(at + ": after a failure (2) only skipped frames (0) come before the next 1");
    }
    if (!failed && e.kind == Entry::Kind::kSkipped) throw DataError(at + ": a skipped frame (0) outside a failure's gap");
    if (e.kind == Entry::Kind::kFailure) failed = true;
    if (e.kind == Entry::Kind::kInitialized) failed = false;
    out.push_back(std::move(e));
  }
  if (out.empty()) throw DataError(where + ": no frames");
  return out;
}

Trajectory read_trajectory(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw DataError("cannot open trajectory " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return parse_trajectory(text.str(), path);
}

bool is_supervised_run(const Trajectory& trajectory, const std::vector<Region>& truth, double width, double height,
                       const ProtocolOptions& options) {
  if (trajectory.size() != truth.size()) return false;
  for (size_t i = 0; i < truth.size(); ++i) {
    const Entry& e = trajectory[i];
    if (e.kind == Entry::Kind::kRegion && region_overlap(truth[i], e.region, width, height) <= options.failure_overlap) {
      return false;
    }
  }
  return true;
}

SequenceScores score_sequence(const Trajectory& trajectory, const std::vector<Region>& truth, double width,
                              double height, const ProtocolOptions& options) {
  if (trajectory.size() != truth.size()) {
    throw std::invalid_argument("score_sequence: a run of " + std::to_string(trajectory.size()) + " frames for " +
                                std::to_string(truth.size()) + " ground-truth frames");
  }
  SequenceScores s;
  s.overlaps.assign(truth.size(), kNaN);
  for (size_t i = 0; i < truth.size(); ++i) {
    const Entry& e = trajectory[i];
    if (e.kind == Entry::Kind::kRegion) s.overlaps[i] = region_overlap(truth[i], e.region, width, height);
    if (e.kind == Entry::Kind::kFailure) s.failures.push_back(i);
  }
  s.accuracy_overlaps = s.overlaps;
  for (size_t i = 0; i < trajectory.size(); ++i) {
    if (trajectory[i].kind != Entry::Kind::kInitialized) continue;
    for (size_t k = i; k < trajectory.size() && k < i + static_cast<size_t>(std::max(options.burnin, 0)); ++k) {
      s.accuracy_overlaps[k] = kNaN;
    }
  }
  double sum = 0;
  for (double o : s.accuracy_overlaps) {
    if (std::isnan(o)) continue;
    sum += o;
    ++s.valid_frames;
  }
  s.accuracy = s.valid_frames ? sum / s.valid_frames : 0.0;
  return s;
}

std::vector<double> expected_overlap_curve(const std::vector<SequenceScores>& runs,
                                           const std::vector<std::vector<uint8_t>>& tags, int skip_initialize) {
  if (!tags.empty() && tags.size() != runs.size()) throw std::invalid_argument("expected_overlap_curve: one tag per run");
  size_t max_len = 0;
  for (size_t r = 0; r < runs.size(); ++r) {
    max_len = std::max(max_len, runs[r].overlaps.size());
    if (!tags.empty() && tags[r].size() != runs[r].overlaps.size()) {
      throw std::invalid_argument("expected_overlap_curve: a tag's length differs from its run's");
    }
  }
  if (max_len == 0) return {};
  std::vector<std::vector<double>> fragments;
  std::vector<double> weights;
  for (size_t r = 0; r < runs.size(); ++r) {
    const auto& o = runs[r].overlaps;
    const size_t len = o.size();
    if (len == 0) continue;
    const std::vector<uint8_t>* tag = tags.empty() ? nullptr : &tags[r];
    auto zeroed = [](double v) { return std::isnan(v) ? 0.0 : v; };
    if (!runs[r].failures.empty()) {
      std::vector<size_t> points{0};
      for (size_t f : runs[r].failures) {
        if (f + static_cast<size_t>(skip_initialize) < len) points.push_back(f + static_cast<size_t>(skip_initialize));
      }
      // Fragments that end in a failure: from an initialisation to the next one, zero beyond.
      for (size_t j = 0; j + 1 < points.size(); ++j) {
        std::vector<double> row(max_len, 0.0);
        for (size_t k = points[j]; k <= points[j + 1] && k - points[j] < max_len; ++k) row[k - points[j]] = zeroed(o[k]);
        fragments.push_back(std::move(row));
        weights.push_back(static_cast<double>(count(tag, points[j], points[j + 1])) /
                          static_cast<double>(points[j + 1] - points[j] + 1));
      }
      // The last fragment runs to the end of the sequence, unknown beyond.
      std::vector<double> row(max_len, kNaN);
      for (size_t k = points.back(); k < len; ++k) row[k - points.back()] = zeroed(o[k]);
      fragments.push_back(std::move(row));
      weights.push_back(static_cast<double>(count(tag, points.back(), len - 1)) /
                        static_cast<double>(len - points.back()));
    } else {
      std::vector<double> row(max_len, kNaN);
      for (size_t k = 0; k < len; ++k) row[k] = o[k];
      fragments.push_back(std::move(row));
      weights.push_back(static_cast<double>(count(tag, 0, len - 1)) / static_cast<double>(len));
    }
  }
  std::vector<double> curve(max_len, 0.0);
  curve[0] = 1.0;
  for (size_t n = 2; n <= max_len; ++n) {
    double num = 0, den = 0;
    bool usable = false;
    for (size_t f = 0; f < fragments.size(); ++f) {
      if (std::isnan(fragments[f][n - 1])) continue;
      usable = true;
      double mean = 0;
      for (size_t k = 1; k < n; ++k) mean += fragments[f][k];
      mean /= static_cast<double>(n - 1);
      num += mean * weights[f];
      den += weights[f];
    }
    if (usable) curve[n - 1] = den > 0 ? num / den : kNaN;
  }
  return curve;
}

Measures summarize(const std::vector<SequenceScores>& runs, const std::vector<std::vector<uint8_t>>& tags,
                   const EaoOptions& options) {
  if (options.low < 1 || options.high < options.low) {
    throw std::invalid_argument("EAO interval [" + std::to_string(options.low) + ", " + std::to_string(options.high) +
                                "] must have 1 <= low <= high");
  }
  if (!tags.empty() && tags.size() != runs.size()) throw std::invalid_argument("summarize: one tag per run");
  Measures m;
  double sum = 0;
  for (size_t r = 0; r < runs.size(); ++r) {
    const auto& s = runs[r];
    const std::vector<uint8_t>* tag = tags.empty() ? nullptr : &tags[r];
    if (tag && tag->size() != s.overlaps.size()) throw std::invalid_argument("summarize: a tag's length differs from its run's");
    for (size_t i = 0; i < s.accuracy_overlaps.size(); ++i) {
      if (tag && !(*tag)[i]) continue;
      ++m.frames;
      if (std::isnan(s.accuracy_overlaps[i])) continue;
      sum += s.accuracy_overlaps[i];
      ++m.valid_frames;
    }
    for (size_t f : s.failures) m.failures += !tag || (*tag)[f];
  }
  m.accuracy = m.valid_frames ? sum / m.valid_frames : 0.0;
  m.failure_rate = m.frames ? 100.0 * m.failures / m.frames : 0.0;
  m.reliability = m.frames ? std::exp(-100.0 * m.failures / m.frames) : 0.0;
  m.expected_overlap = expected_overlap_curve(runs, tags, options.skip_initialize);
  m.eao_low = options.low;
  m.eao_high = std::min<int>(options.high, static_cast<int>(m.expected_overlap.size()));
  double eao = 0;
  int n = 0;
  for (int len = m.eao_low; len <= m.eao_high; ++len) {
    const double v = m.expected_overlap[len - 1];
    if (std::isnan(v)) continue;
    eao += v;
    ++n;
  }
  m.eao = n ? eao / n : kNaN;
  return m;
}

}  // namespace dimp::data::vot
