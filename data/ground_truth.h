// data/ground_truth.h — parse box annotation files (OTB rectangles, VOT polygons).
//
// Every parser validates what it reads and names the file and line it cannot read.
//   auto boxes = dimp::data::read_rect_file("Crossing/groundtruth_rect.txt", 1.0);
#pragma once

#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "bbox/box.h"

namespace dimp::data {

// DataError: a dataset file is missing or malformed; the message names file and line.
class DataError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// split_numbers: the numbers of one annotation line, separated by commas, tabs or spaces.
// "NaN"/"nan" parse as NaN (absent targets in LaSOT/GOT-10k style files). Throws DataError
// naming `where` for anything that is not a number.
std::vector<double> split_numbers(const std::string& line, const std::string& where);

// read_rect_file: one x,y,w,h box a line. `origin` is subtracted from x and y: 1 for the
// 1-based files of OTB/UAV123/NFS/LaSOT, 0 for 0-based ones. Blank lines at the end are
// ignored; a line with other than 4 numbers is an error.
std::vector<bbox::Box> read_rect_file(const std::string& path, double origin);

// PolygonToBox: how a rotated VOT polygon becomes an axis-aligned box.
enum class PolygonToBox {
  kEnclosing,     // min/max of the corners (the data README's and pytracking's rule)
  kAreaPreserving,  // centred on the corners' mean, scaled to the polygon's area
};

// polygon_to_box: 8 numbers (x1,y1,...,x4,y4) or 4 (a plain rectangle) to a box.
bbox::Box polygon_to_box(const std::vector<double>& v, PolygonToBox rule = PolygonToBox::kEnclosing);

// read_polygon_file: VOT's groundtruth.txt, converted by `rule`; 0-based coordinates.
std::vector<bbox::Box> read_polygon_file(const std::string& path,
                                         PolygonToBox rule = PolygonToBox::kEnclosing);

// write_rect_file: boxes in OTB text format (x,y,w,h + origin, one a line, tab separated).
void write_rect_file(const std::string& path, const std::vector<bbox::Box>& boxes, double origin);

// RectFileWriter: the same format one box at a time, each line on disk once add() returns (so
// a run that fails later keeps every box written before).
class RectFileWriter {
 public:
  RectFileWriter(const std::string& path, double origin);
  void add(const bbox::Box& box);

 private:
  std::string path_;
  double origin_;
  std::ofstream out_;
};

}  // namespace dimp::data
