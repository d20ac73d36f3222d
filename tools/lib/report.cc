#include "tools/lib/report.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace fs = std::filesystem;

namespace dimp::tools {

std::string base64(const std::string& bytes) {
  static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i < bytes.size()) {
    const bool two = i + 1 < bytes.size();
    const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) | (two ? static_cast<unsigned char>(bytes[i + 1]) << 8 : 0);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += two ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string html_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

Section& Report::section(const std::string& title) {
  sections_.push_back({title, {}, {}, {}});
  return sections_.back();
}

std::string Report::html() const {
  std::ostringstream h;
  h << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" << html_escape(title_)
    << "</title>\n<style>\n"
       "body{font-family:sans-serif;margin:2em;color:#222}\n"
       "table{border-collapse:collapse;margin:0.5em 0 1.5em}\n"
       "th,td{border:1px solid #ccc;padding:0.25em 0.6em;text-align:right}\n"
       "th{background:#f0f0f0}\ntd:first-child,th:first-child{text-align:left}\n"
       "figure{display:inline-block;margin:0.5em}\nfigcaption{text-align:center;font-size:90%}\n"
       "img{max-width:100%;border:1px solid #ddd}\n"
       "</style>\n</head>\n<body>\n<h1>"
    << html_escape(title_) << "</h1>\n";
  for (const auto& s : sections_) {
    h << "<h2>" << html_escape(s.title) << "</h2>\n";
    for (const auto& n : s.notes) h << "<p>" << html_escape(n) << "</p>\n";
    for (const auto& t : s.tables) {
      if (!t.title.empty()) h << "<h3>" << html_escape(t.title) << "</h3>\n";
      h << "<table>\n<tr>";
      for (const auto& c : t.header) h << "<th>" << html_escape(c) << "</th>";
      h << "</tr>\n";
      for (const auto& row : t.rows) {
        h << "<tr>";
        for (const auto& c : row) {
          h << "<td>";
          if (!c.link.empty()) h << "<a href=\"" << html_escape(c.link) << "\">";
          h << html_escape(c.text);
          if (!c.link.empty()) h << "</a>";
          h << "</td>";
        }
        h << "</tr>\n";
      }
      h << "</table>\n";
    }
    for (const auto& img : s.images) {
      std::ifstream in(img.png_path, std::ios::binary);
      if (!in) throw std::runtime_error("report: cannot read the plot " + img.png_path);
      std::ostringstream bytes;
      bytes << in.rdbuf();
      h << "<figure><img alt=\"" << html_escape(img.title) << "\" src=\"data:image/png;base64," << base64(bytes.str())
        << "\"><figcaption>" << html_escape(img.title) << "</figcaption></figure>\n";
    }
  }
  h << "</body>\n</html>\n";
  return h.str();
}

void Report::write(const std::string& path) const {
  const std::string text = html();
  const std::string tmp = path + ".partial";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error("cannot write " + tmp);
    out << text;
    if (!out) throw std::runtime_error("error while writing " + tmp);
  }
  fs::rename(tmp, path);
}

}  // namespace dimp::tools
