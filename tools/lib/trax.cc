#include "tools/lib/trax.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <strings.h>

namespace dimp::tools::trax {
namespace {

// shown: the line as an error message quotes it: printable ASCII kept, other bytes as \xNN, cut
// to 200 characters (a message must stay one readable line whatever the peer sent).
std::string shown(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (out.size() >= 200) {
      out += "...";
      break;
    }
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    }
  }
  return out;
}

[[noreturn]] void fail(const std::string& what, const std::string& line) {
  throw TraxError(what + " in '" + shown(line) + "'");
}

std::optional<MessageType> type_of(const std::string& name) {
  struct Entry {
    const char* name;
    MessageType type;
  };
  static const Entry kNames[] = {{"hello", MessageType::kHello},   {"initialize", MessageType::kInitialize},
                                 {"frame", MessageType::kFrame},   {"state", MessageType::kState},
                                 {"status", MessageType::kState},  {"quit", MessageType::kQuit}};
  for (const auto& e : kNames) {
    if (strcasecmp(name.c_str(), e.name) == 0) return e.type;
  }
  return std::nullopt;
}

// Token: one argument as written, unescaped; `key_end` is where an unescaped '=' first appeared
// (npos when none), so "a\=b" stays a positional argument.
struct Token {
  std::string text;
  size_t key_end = std::string::npos;
};

std::string format_number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.4f", v);
  return buf;
}

}  // namespace

const char* message_name(MessageType type) {
  switch (type) {
    case MessageType::kHello:
      return "hello";
    case MessageType::kInitialize:
      return "initialize";
    case MessageType::kFrame:
      return "frame";
    case MessageType::kState:
      return "state";
    case MessageType::kQuit:
      return "quit";
  }
  return "?";
}

std::optional<std::string> Message::property(const std::string& key) const {
  for (auto it = properties.rbegin(); it != properties.rend(); ++it) {
    if (it->first == key) return it->second;
  }
  return std::nullopt;
}

bool is_protocol_line(const std::string& line) { return line.rfind(kPrefix, 0) == 0; }

bool is_valid_key(const std::string& key) {
  if (key.empty() || key.size() > kMaxKeyLength) return false;
  for (unsigned char c : key) {
    if (!std::isalnum(c) && c != '.' && c != '_') return false;
  }
  return true;
}

Message parse_message(const std::string& line_in) {
  std::string line = line_in;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (!is_protocol_line(line)) fail("not a TraX message (it does not start with " + std::string(kPrefix) + ")", line);
  for (unsigned char c : line) {
    if ((c < 0x20 && c != '\t') || c == 0x7f) fail("a control character (byte " + std::to_string(c) + ")", line);
  }
  size_t i = std::char_traits<char>::length(kPrefix);
  const size_t n = line.size();
  size_t name_end = i;
  while (name_end < n && std::isalnum(static_cast<unsigned char>(line[name_end]))) ++name_end;
  const std::string name = line.substr(i, name_end - i);
  if (name.empty()) fail("no message name after " + std::string(kPrefix), line);
  if (name_end < n && line[name_end] != ' ') fail("the message name '" + shown(name) + "' runs into other text", line);
  const auto type = type_of(name);
  if (!type) fail("unknown message '" + shown(name) + "' (hello, initialize, frame, state, quit)", line);
  Message m;
  m.type = *type;
  i = name_end;
  while (true) {
    while (i < n && (line[i] == ' ' || line[i] == '\t')) ++i;
    if (i >= n) break;
    Token t;
    const bool quoted = line[i] == '"';
    if (quoted) ++i;
    bool closed = !quoted;
    while (i < n) {
      const char c = line[i];
      if (c == '\\') {
        if (i + 1 >= n) fail("a backslash at the end of the line", line);
        const char e = line[i + 1];
        t.text += e == 'n' ? '\n' : e;
        i += 2;
        continue;
      }
      if (quoted && c == '"') {
        closed = true;
        ++i;
        break;
      }
      if (!quoted && (c == ' ' || c == '\t')) break;
      if (!quoted && c == '"') fail("a quote inside an unquoted argument", line);
      if (c == '=' && t.key_end == std::string::npos) t.key_end = t.text.size();
      t.text += c;
      ++i;
    }
    if (!closed) fail("an unterminated quote", line);
    if (quoted && i < n && line[i] != ' ' && line[i] != '\t') fail("text right after a closing quote", line);
    if (t.key_end != std::string::npos && is_valid_key(t.text.substr(0, t.key_end))) {
      m.properties.emplace_back(t.text.substr(0, t.key_end), t.text.substr(t.key_end + 1));
    } else {
      m.arguments.push_back(std::move(t.text));
    }
  }
  return m;
}

std::string quote(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string format_message(const Message& message) {
  std::string out = std::string(kPrefix) + message_name(message.type);
  for (const auto& a : message.arguments) {
    // A positional argument that reads as key=value has its first '=' escaped, so it stays
    // positional when read back.
    const size_t eq = a.find('=');
    if (eq != std::string::npos && is_valid_key(a.substr(0, eq))) {
      const std::string q = quote(a.substr(eq + 1));
      out += " \"" + a.substr(0, eq) + "\\=" + q.substr(1);
    } else {
      out += " " + quote(a);
    }
  }
  for (const auto& [key, value] : message.properties) {
    if (!is_valid_key(key)) throw TraxError("property key '" + shown(key) + "' is not 1-64 letters, digits, '.' or '_'");
    out += " " + quote(key + "=" + value);
  }
  return out;
}

Region parse_region(const std::string& text) {
  auto bad = [&](const std::string& why) -> TraxError {
    return TraxError("region '" + shown(text) + "': " + why);
  };
  if (text.empty()) throw bad("empty");
  if (text.rfind("mask:", 0) == 0) throw bad("masks are not supported (the server announces rectangle and polygon)");
  std::vector<double> v;
  size_t start = 0;
  while (true) {
    const size_t comma = text.find(',', start);
    const std::string tok = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    size_t a = 0, b = tok.size();
    while (a < b && std::isspace(static_cast<unsigned char>(tok[a]))) ++a;
    while (b > a && std::isspace(static_cast<unsigned char>(tok[b - 1]))) --b;
    const std::string num = tok.substr(a, b - a);
    if (num.empty()) throw bad("a missing number (value " + std::to_string(v.size() + 1) + ")");
    errno = 0;
    char* end = nullptr;
    const double x = std::strtod(num.c_str(), &end);
    if (end != num.c_str() + num.size()) throw bad("'" + shown(num) + "' is not a number");
    if (errno == ERANGE || !std::isfinite(x)) throw bad("value " + std::to_string(v.size() + 1) + " is not finite");
    v.push_back(x);
    if (v.size() > 100000) throw bad("more than 100000 values");
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  Region r;
  if (v.size() == 1) {
    if (v[0] != std::floor(v[0]) || std::abs(v[0]) > std::numeric_limits<int>::max()) {
      throw bad("a single value must be an integer code");
    }
    r.type = RegionType::kSpecial;
    r.code = static_cast<int>(v[0]);
    return r;
  }
  if (v.size() == 4) {
    if (v[2] < 0 || v[3] < 0) throw bad("a rectangle of negative size");
    r.type = RegionType::kRectangle;
  } else if (v.size() >= 6 && v.size() % 2 == 0) {
    r.type = RegionType::kPolygon;
  } else {
    throw bad(std::to_string(v.size()) + " values (a rectangle has 4, a polygon an even number of at least 6)");
  }
  r.values = std::move(v);
  return r;
}

std::string format_region(const Region& region) {
  if (region.type == RegionType::kSpecial) return std::to_string(region.code);
  std::string out;
  for (size_t k = 0; k < region.values.size(); ++k) {
    if (k) out += ',';
    out += format_number(region.values[k]);
  }
  return out;
}

bbox::Box region_bounds(const Region& region) {
  if (region.type == RegionType::kSpecial) {
    throw TraxError("region: the special code " + std::to_string(region.code) + " has no place");
  }
  const auto& v = region.values;
  if (region.type == RegionType::kRectangle) return {v[0], v[1], v[2], v[3]};
  double x0 = v[0], x1 = v[0], y0 = v[1], y1 = v[1];
  for (size_t k = 0; k + 1 < v.size(); k += 2) {
    x0 = std::min(x0, v[k]);
    x1 = std::max(x1, v[k]);
    y0 = std::min(y0, v[k + 1]);
    y1 = std::max(y1, v[k + 1]);
  }
  return {x0, y0, x1 - x0, y1 - y0};
}

bbox::Box region_area_box(const Region& region) {
  const bbox::Box bounds = region_bounds(region);
  if (region.type == RegionType::kRectangle) return bounds;
  const auto& v = region.values;
  const size_t corners = v.size() / 2;
  double area = 0, mx = 0, my = 0;
  for (size_t k = 0; k < corners; ++k) {
    const size_t next = (k + 1) % corners;
    area += v[2 * k] * v[2 * next + 1] - v[2 * next] * v[2 * k + 1];
    mx += v[2 * k] / static_cast<double>(corners);
    my += v[2 * k + 1] / static_cast<double>(corners);
  }
  area = std::abs(area) * 0.5;
  const double s = bounds.w > 0 && bounds.h > 0 ? std::sqrt(area / (bounds.w * bounds.h)) : 0.0;
  return bbox::from_center({mx, my, bounds.w * s, bounds.h * s});
}

Region region_like(const bbox::Box& box, RegionType format) {
  Region r;
  r.type = format;
  if (format == RegionType::kRectangle) {
    r.values = {box.x, box.y, box.w, box.h};
  } else if (format == RegionType::kPolygon) {
    const double x1 = box.x + box.w, y1 = box.y + box.h;
    r.values = {box.x, box.y, x1, box.y, x1, y1, box.x, y1};
  } else {
    throw TraxError("region_like: a box cannot be written as a special region");
  }
  return r;
}

std::string image_path(const std::string& argument) {
  if (argument.empty()) throw TraxError("an empty image argument");
  // A URI scheme: lowercase letters, '+', '.', '-' before a ':' (as the reference reads them).
  size_t k = 0;
  while (k < argument.size() && k < 16 &&
         ((argument[k] >= 'a' && argument[k] <= 'z') || argument[k] == '+' || argument[k] == '.' || argument[k] == '-')) {
    ++k;
  }
  if (k > 0 && k < argument.size() && argument[k] == ':') {
    const std::string scheme = argument.substr(0, k);
    if (scheme == "file") {
      const std::string rest = argument.substr(k + 1);
      const std::string path = rest.rfind("//", 0) == 0 ? rest.substr(2) : rest;
      if (path.empty()) throw TraxError("image '" + shown(argument) + "' names no file");
      return path;
    }
    const std::string kind = scheme == "image" ? "an in-memory image" : scheme == "data" ? "an encoded image buffer" : "a URL";
    throw TraxError("image '" + shown(argument) + "' is " + kind +
                    "; this server reads image files only (it announced trax.image=path)");
  }
  return argument;  // a bare path
}

}  // namespace dimp::tools::trax
