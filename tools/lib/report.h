// tools/lib/report.h — a self-contained HTML report: one file holding the tables and the plots
// (PNG files embedded as base64 data URIs), so it can be mailed or archived on its own. Links
// (e.g. to per-sequence result files) are written relative to the report's folder.
//
//   dimp::tools::Report report("dimp_eval: otb, 4 sequences");
//   auto& s = report.section("Overall");
//   s.tables.push_back({"Summary", {"tracker", "AUC"}, {{{"weight-free"}, {"0.612"}}}});
//   s.images.push_back({"Success plot", "results/success.png"});
//   report.write("results/report.html");
#pragma once

#include <string>
#include <vector>

namespace dimp::tools {

// Cell: a table cell's text, and an optional link target (relative to the report).
struct Cell {
  std::string text;
  std::string link;
  Cell() = default;
  Cell(std::string t) : text(std::move(t)) {}  // NOLINT: cells read best as plain strings
  Cell(const char* t) : text(t) {}             // NOLINT
  Cell(std::string t, std::string l) : text(std::move(t)), link(std::move(l)) {}
};

struct Table {
  std::string title;
  std::vector<std::string> header;
  std::vector<std::vector<Cell>> rows;
};

// Image: a PNG file, embedded when the report is written.
struct Image {
  std::string title;
  std::string png_path;
};

struct Section {
  std::string title;
  std::vector<std::string> notes;  // paragraphs of plain text
  std::vector<Table> tables;
  std::vector<Image> images;
};

class Report {
 public:
  explicit Report(std::string title) : title_(std::move(title)) {}
  // section: a new section, appended (the reference stays valid until the next call).
  Section& section(const std::string& title);
  // html: the document; throws std::runtime_error naming an image that cannot be read.
  std::string html() const;
  // write: html() to `path` (through a temporary file and a rename).
  void write(const std::string& path) const;

 private:
  std::string title_;
  std::vector<Section> sections_;
};

// base64: RFC 4648 encoding with padding.
std::string base64(const std::string& bytes);
// html_escape: &, <, >, " and ' as entities.
std::string html_escape(const std::string& text);

}  // namespace dimp::tools
