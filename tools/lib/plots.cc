#include "tools/lib/plots.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <stdexcept>

namespace dimp::tools {
namespace {

const cv::Scalar kColors[] = {{180, 119, 31}, {14, 127, 255}, {44, 160, 44},  {40, 39, 214},  {189, 103, 148},
                              {75, 86, 140},  {194, 119, 227}, {127, 127, 127}, {34, 189, 188}, {207, 190, 23}};

}  // namespace

cv::Scalar series_colour(size_t k) { return kColors[k % (sizeof kColors / sizeof kColors[0])]; }

void write_curve_plot(const std::string& path, const std::string& title, const std::string& x_label,
                      const std::string& y_label, const std::vector<double>& x, const std::vector<Curve>& curves) {
  if (x.size() < 2) throw std::invalid_argument("write_curve_plot: need at least two x values");
  const int W = 800, H = 600, left = 80, right = 30, top = 50, bottom = 70;
  cv::Mat img(H, W, CV_8UC3, cv::Scalar(255, 255, 255));
  const double x0 = x.front(), x1 = x.back();
  auto px = [&](double v) { return static_cast<int>(left + (v - x0) / (x1 - x0) * (W - left - right)); };
  auto py = [&](double v) { return static_cast<int>(H - bottom - v * (H - top - bottom)); };
  const auto font = cv::FONT_HERSHEY_SIMPLEX;
  // Grid and ticks.
  for (int i = 0; i <= 10; ++i) {
    const double fy = i / 10.0, fx = x0 + (x1 - x0) * i / 10.0;
    cv::line(img, {left, py(fy)}, {W - right, py(fy)}, {225, 225, 225}, 1);
    cv::line(img, {px(fx), top}, {px(fx), H - bottom}, {225, 225, 225}, 1);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", fy);
    cv::putText(img, buf, {left - 40, py(fy) + 5}, font, 0.45, {0, 0, 0}, 1, cv::LINE_AA);
    std::snprintf(buf, sizeof buf, (x1 - x0) > 5 ? "%.0f" : "%.1f", fx);
    cv::putText(img, buf, {px(fx) - 12, H - bottom + 20}, font, 0.45, {0, 0, 0}, 1, cv::LINE_AA);
  }
  cv::rectangle(img, {left, top}, {W - right, H - bottom}, {0, 0, 0}, 1);
  cv::putText(img, title, {left, top - 15}, font, 0.7, {0, 0, 0}, 2, cv::LINE_AA);
  cv::putText(img, x_label, {W / 2 - 60, H - 20}, font, 0.55, {0, 0, 0}, 1, cv::LINE_AA);
  cv::Mat ylab(30, 250, CV_8UC3, cv::Scalar(255, 255, 255));
  cv::putText(ylab, y_label, {5, 22}, font, 0.55, {0, 0, 0}, 1, cv::LINE_AA);
  cv::rotate(ylab, ylab, cv::ROTATE_90_COUNTERCLOCKWISE);
  ylab.copyTo(img(cv::Rect(5, std::max(0, H / 2 - 125), ylab.cols, std::min(ylab.rows, H - std::max(0, H / 2 - 125)))));
  // Curves and legend (in the order given).
  for (size_t c = 0; c < curves.size(); ++c) {
    const cv::Scalar col = series_colour(c);
    const auto& y = curves[c].y;
    for (size_t i = 1; i < std::min(x.size(), y.size()); ++i) {
      cv::line(img, {px(x[i - 1]), py(y[i - 1])}, {px(x[i]), py(y[i])}, col, 2, cv::LINE_AA);
    }
    const int ly = top + 20 + 22 * static_cast<int>(c);
    cv::line(img, {W - right - 250, ly - 5}, {W - right - 220, ly - 5}, col, 3, cv::LINE_AA);
    cv::putText(img, curves[c].label, {W - right - 212, ly}, font, 0.5, {0, 0, 0}, 1, cv::LINE_AA);
  }
  if (!cv::imwrite(path, img)) throw std::runtime_error("cannot write plot " + path);
}

void draw_box(cv::Mat& frame, const bbox::Box& b, const cv::Scalar& color, const std::string& label) {
  if (!b.is_valid()) return;
  const cv::Rect r(static_cast<int>(std::lround(b.x)), static_cast<int>(std::lround(b.y)),
                   static_cast<int>(std::lround(b.w)), static_cast<int>(std::lround(b.h)));
  cv::rectangle(frame, r, color, 2, cv::LINE_AA);
  if (!label.empty()) {
    cv::putText(frame, label, {r.x, std::max(12, r.y - 4)}, cv::FONT_HERSHEY_SIMPLEX, 0.45, color, 1, cv::LINE_AA);
  }
}

}  // namespace dimp::tools
