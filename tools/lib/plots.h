// tools/lib/plots.h — success and precision plots as PNG (like the paper's Figure 4), and
// annotated frames.
//
//   dimp::tools::write_curve_plot("success.png", "Success plot", "Overlap threshold",
//                                 "Success rate", data::success_thresholds(), {{"weight-free [0.61]", curve}});
#pragma once

#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "bbox/box.h"

namespace dimp::tools {

struct Curve {
  std::string label;        // legend text
  std::vector<double> y;    // one value per x
};

// write_curve_plot: curves over `x` with axes, grid, title and legend; throws on write failure.
void write_curve_plot(const std::string& path, const std::string& title, const std::string& x_label,
                      const std::string& y_label, const std::vector<double>& x, const std::vector<Curve>& curves);

// series_colour: the k-th colour (BGR) of the plots' palette, for curves and targets alike.
cv::Scalar series_colour(size_t k);

// draw_box: a box outline with an optional label on a BGR frame.
void draw_box(cv::Mat& frame, const bbox::Box& box, const cv::Scalar& color, const std::string& label = "");

}  // namespace dimp::tools
