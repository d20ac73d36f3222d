// bbox/box.h — axis-aligned box value types, conversions and IoU.
//
// Convention (used everywhere in dimp-cpp): continuous image coordinates, where pixel (i, j)
// covers [i, i+1) x [j, j+1). A box (x, y, w, h) covers [x, x+w) x [y, y+h); its centre is
// (x + w/2, y + h/2) and its area is w*h. Dataset readers convert 1-based files on read.
//
//   dimp::bbox::Box b{10, 20, 30, 40};             // x, y, w, h
//   auto c = dimp::bbox::to_center(b);             // {25, 40, 30, 40}
//   double o = dimp::bbox::iou(b, {20, 20, 30, 40});  // 0.5
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <ostream>

namespace dimp::bbox {

// Box: top-left corner and size (OTB's x, y, w, h; 0-based continuous coordinates).
struct Box {
  double x = 0, y = 0, w = 0, h = 0;

  double area() const { return std::max(w, 0.0) * std::max(h, 0.0); }
  double cx() const { return x + 0.5 * w; }
  double cy() const { return y + 0.5 * h; }
  // is_valid: finite with positive width and height; anything else is no target.
  bool is_valid() const {
    return std::isfinite(x) && std::isfinite(y) && std::isfinite(w) && std::isfinite(h) && w > 0 &&
           h > 0;
  }
  bool operator==(const Box& o) const { return x == o.x && y == o.y && w == o.w && h == o.h; }
};

// CenterBox: centre and size, the parameterisation the tracker state uses.
struct CenterBox {
  double cx = 0, cy = 0, w = 0, h = 0;
};

// Corners: top-left (x0, y0) and bottom-right (x1, y1), exclusive.
struct Corners {
  double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
};

inline CenterBox to_center(const Box& b) { return {b.cx(), b.cy(), b.w, b.h}; }
inline Box from_center(const CenterBox& c) { return {c.cx - 0.5 * c.w, c.cy - 0.5 * c.h, c.w, c.h}; }
inline Corners to_corners(const Box& b) { return {b.x, b.y, b.x + b.w, b.y + b.h}; }
inline Box from_corners(const Corners& c) { return {c.x0, c.y0, c.x1 - c.x0, c.y1 - c.y0}; }

// intersection: the overlapping region of two boxes (zero-sized when they do not overlap).
inline Box intersection(const Box& a, const Box& b) {
  const double x0 = std::max(a.x, b.x), y0 = std::max(a.y, b.y);
  const double x1 = std::min(a.x + a.w, b.x + b.w), y1 = std::min(a.y + a.h, b.y + b.h);
  return {x0, y0, std::max(0.0, x1 - x0), std::max(0.0, y1 - y0)};
}

// iou: intersection over union; 0 when either box is empty or invalid (the toolkits' rule
// for frames without a target), so the result is always in [0, 1].
inline double iou(const Box& a, const Box& b) {
  if (!a.is_valid() || !b.is_valid()) return 0.0;
  const double inter = intersection(a, b).area();
  const double uni = a.area() + b.area() - inter;
  return uni > 0 ? inter / uni : 0.0;
}

// center_distance: Euclidean distance between box centres, in pixels (precision plots).
inline double center_distance(const Box& a, const Box& b) {
  return std::hypot(a.cx() - b.cx(), a.cy() - b.cy());
}

// clip_to_image: the part of a box inside a width x height image.
inline Box clip_to_image(const Box& b, double width, double height) {
  return intersection(b, Box{0, 0, width, height});
}

inline std::ostream& operator<<(std::ostream& os, const Box& b) {
  return os << "[x=" << b.x << ", y=" << b.y << ", w=" << b.w << ", h=" << b.h << "]";
}

}  // namespace dimp::bbox
