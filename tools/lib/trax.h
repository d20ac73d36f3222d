// tools/lib/trax.h — the TraX protocol (Visual Tracking eXchange, the VOT toolkit's way of
// talking to a tracker over standard input and output), written from its specification:
// messages, their quoting and escaping, regions and image references. No I/O happens here;
// tools/dimp_trax.cc is the server that uses it.
//
// A message is one line: the prefix "@@TRAX:", the message name, then space-separated
// arguments. An argument may be "double-quoted" (then it may hold spaces); inside either form a
// backslash escapes the next character ("\\" is a backslash, "\"" a quote) and "\n" stands for
// a newline. An argument "key=value" whose key is 1-64 letters, digits, dots or underscores is
// a named property; any other argument is positional.
//
//   auto m = dimp::tools::trax::parse_message(R"(@@TRAX:initialize "file:///seq/0001.jpg" "10,20,30,40")");
//   m.type;                 // MessageType::kInitialize
//   m.arguments[1];         // "10,20,30,40"
//   auto r = dimp::tools::trax::parse_region(m.arguments[1]);       // a rectangle
//   std::string line = dimp::tools::trax::format_message({MessageType::kState, {format_region(r)}, {}});
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "bbox/box.h"

namespace dimp::tools::trax {

// TraxError: a line that is not a well-formed TraX message, or a region or image reference that
// cannot be read; the message says what and where (the line is quoted, cut to 200 characters).
class TraxError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// kPrefix: what starts every protocol line.
inline constexpr const char* kPrefix = "@@TRAX:";
// kMaxKeyLength: the longest property key the specification allows.
inline constexpr size_t kMaxKeyLength = 64;

// MessageType: the protocol's five messages. "status" (the first version's name of "state") is
// read as kState.
enum class MessageType { kHello, kInitialize, kFrame, kState, kQuit };

// message_name: "hello", "initialize", "frame", "state" or "quit".
const char* message_name(MessageType type);

// Message: a parsed line: its positional arguments and its named properties, each in the order
// given.
struct Message {
  MessageType type = MessageType::kQuit;
  std::vector<std::string> arguments;
  std::vector<std::pair<std::string, std::string>> properties;

  // property: the value of the last property named `key`, if any.
  std::optional<std::string> property(const std::string& key) const;
};

// is_protocol_line: whether `line` starts with the prefix (anything else is not protocol text).
bool is_protocol_line(const std::string& line);

// parse_message: one line, without its newline (a trailing "\r" is ignored). Throws TraxError
// for a line without the prefix, an unknown message name, an unterminated quote, a dangling
// backslash, text glued to a closing quote, or control characters (other than tab).
Message parse_message(const std::string& line);

// is_valid_key: 1-64 characters, each a letter, a digit, '.' or '_'.
bool is_valid_key(const std::string& key);

// quote: `text` as one quoted argument ("\"" and "\\" escaped, newlines written as "\n").
std::string quote(const std::string& text);

// format_message: the line for `message`, without a newline: every argument and property quoted,
// so parse_message(format_message(m)) gives m back. Throws TraxError for an invalid key.
std::string format_message(const Message& message);

// RegionType: how a region is written. kSpecial is a single integer code (the VOT toolkit's
// 0 = "no prediction", 1 = initialised, 2 = failure), never a place.
enum class RegionType { kRectangle, kPolygon, kSpecial };

// Region: a rectangle (x, y, w, h: 4 values), a polygon (x1, y1, x2, y2, ...: an even number of
// at least 6 values) or a special code (`code`, no values).
struct Region {
  RegionType type = RegionType::kRectangle;
  std::vector<double> values;
  int code = 0;
};

// parse_region: comma-separated numbers as the specification writes them: 4 numbers are a
// rectangle, an even number of at least 6 a polygon, one integer a special code. Throws TraxError
// naming the text for anything else (a word, a missing number, an odd count, a "mask:", NaN or
// infinity, a rectangle of negative size).
Region parse_region(const std::string& text);

// format_region: the comma-separated text (4 decimals, as the reference implementation writes).
std::string format_region(const Region& region);

// region_bounds: the axis-aligned box that encloses a rectangle or polygon. Throws TraxError for
// a special region (it has no place).
bbox::Box region_bounds(const Region& region);

// region_area_box: a rectangle as it is; a polygon as the box centred on its corners' mean with
// the polygon's area and its enclosing box's aspect ratio (how trackers initialise from VOT's
// rotated boxes, e.g. pytracking's "preserve_area").
bbox::Box region_area_box(const Region& region);

// region_like: `box` written in `format`'s type: a rectangle, or the box's four corners
// clockwise from the top-left as a polygon. `format` must not be special.
Region region_like(const bbox::Box& box, RegionType format);

// image_path: the file an image argument names: "file:///abs/path" or "file://path" or a bare
// path (the first protocol version's form). Throws TraxError for the protocol's other image
// kinds (in-memory "image:", "data:" buffers, URLs), which this server does not announce.
std::string image_path(const std::string& argument);

}  // namespace dimp::tools::trax
