#include "tools/lib/live_view.h"

#include <dlfcn.h>

#include <cstdlib>
#include <opencv2/highgui.hpp>
#include <stdexcept>

namespace dimp::tools {

bool display_available() {
  const char* display = std::getenv("DISPLAY");
  if (!display || !*display) return false;
  void* x11 = dlopen("libX11.so.6", RTLD_NOW | RTLD_LOCAL);
  if (!x11) return false;
  using Open = void* (*)(const char*);
  using Close = int (*)(void*);
  auto open = reinterpret_cast<Open>(dlsym(x11, "XOpenDisplay"));
  auto close = reinterpret_cast<Close>(dlsym(x11, "XCloseDisplay"));
  bool ok = false;
  if (open && close) {
    if (void* d = open(nullptr)) {
      close(d);
      ok = true;
    }
  }
  dlclose(x11);
  return ok;
}

LiveView::LiveView(std::string title) : title_(std::move(title)) {
  try {
    cv::namedWindow(title_, cv::WINDOW_AUTOSIZE);
  } catch (const cv::Exception& e) {
    throw std::runtime_error("cannot open a window (" + std::string(e.what()) + ")");
  }
}

LiveView::~LiveView() {
  try {
    cv::destroyWindow(title_);
    cv::waitKey(1);
  } catch (const cv::Exception&) {
  }
}

std::vector<bbox::Box> LiveView::select(const cv::Mat& frame) {
  std::vector<cv::Rect> rois;
  cv::selectROIs(title_, frame, rois, true, false);
  std::vector<bbox::Box> out;
  for (const auto& r : rois) {
    if (r.width > 0 && r.height > 0) out.push_back({double(r.x), double(r.y), double(r.width), double(r.height)});
  }
  return out;
}

void LiveView::show(const cv::Mat& frame) { cv::imshow(title_, frame); }

Key LiveView::key(int ms) {
  const int k = cv::waitKey(ms);
  try {
    if (cv::getWindowProperty(title_, cv::WND_PROP_VISIBLE) < 1) return Key::kQuit;
  } catch (const cv::Exception&) {
    return Key::kQuit;
  }
  if (k < 0) return Key::kNone;
  switch (k & 0xff) {
    case ' ':
      return Key::kPause;
    case 'r':
    case 'R':
      return Key::kReselect;
    case 'q':
    case 'Q':
    case 27:
      return Key::kQuit;
    default:
      return Key::kNone;
  }
}

}  // namespace dimp::tools
