// The TraX message, region and image-reference parsers against the specification's examples and
// the reference implementation's output, and every malformed form refused by name.
#include "tools/lib/trax.h"

#include <gtest/gtest.h>

namespace dimp::tools::trax {
namespace {

TEST(TraxMessage, ReadsWhatTheReferenceImplementationWrites) {
  // libtrax quotes every argument and property and ends the line with a space.
  const auto m = parse_message(R"(@@TRAX:hello "trax.version=1" "trax.name=NCC" "trax.region=rectangle;" )");
  EXPECT_EQ(m.type, MessageType::kHello);
  EXPECT_TRUE(m.arguments.empty());
  ASSERT_EQ(m.properties.size(), 3u);
  EXPECT_EQ(m.property("trax.version"), "1");
  EXPECT_EQ(m.property("trax.region"), "rectangle;");
  const auto init = parse_message("@@TRAX:initialize \"file:///data/bag/00000001.jpg\" \"10.5000,20,30,40\" \r");
  EXPECT_EQ(init.type, MessageType::kInitialize);
  EXPECT_EQ(init.arguments, (std::vector<std::string>{"file:///data/bag/00000001.jpg", "10.5000,20,30,40"}));
  EXPECT_EQ(parse_message("@@TRAX:quit").type, MessageType::kQuit);
  EXPECT_EQ(parse_message("@@TRAX:status \"1,2,3,4\"").type, MessageType::kState);  // version 1's name
  EXPECT_EQ(parse_message("@@TRAX:FRAME a").type, MessageType::kFrame);             // names ignore case
}

TEST(TraxMessage, UnquotedArgumentsEscapesAndProperties) {
  const auto m = parse_message(R"(@@TRAX:frame /a\ b.jpg "say \"hi\"\\" "line\nbreak" k.1_x=v=w a\=b =c)");
  EXPECT_EQ(m.arguments, (std::vector<std::string>{"/a b.jpg", "say \"hi\"\\", "line\nbreak", "a=b", "=c"}));
  ASSERT_EQ(m.properties.size(), 1u);
  EXPECT_EQ(m.properties[0].first, "k.1_x");
  EXPECT_EQ(m.properties[0].second, "v=w");
  // A key longer than 64 characters is not a key: the argument stays positional.
  const std::string long_key(65, 'k');
  EXPECT_EQ(parse_message("@@TRAX:frame " + long_key + "=1").arguments.size(), 1u);
  EXPECT_EQ(parse_message("@@TRAX:frame " + long_key.substr(1) + "=1").properties.size(), 1u);
}

TEST(TraxMessage, RoundTripsThroughFormat) {
  Message m;
  m.type = MessageType::kState;
  m.arguments = {"1.0000,2.0000,3.0000,4.0000", "has \"quotes\" and \\ and\nnewline", "key=not a property", ""};
  m.properties = {{"confidence", "0.75"}, {"note", "a b=c \"d\""}};
  const std::string line = format_message(m);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  const auto back = parse_message(line);
  EXPECT_EQ(back.type, m.type);
  EXPECT_EQ(back.arguments, m.arguments);
  EXPECT_EQ(back.properties, m.properties);
  EXPECT_EQ(format_message({MessageType::kQuit, {}, {}}), "@@TRAX:quit");
  EXPECT_THROW(format_message({MessageType::kHello, {}, {{"bad key", "v"}}}), TraxError);
}

TEST(TraxMessage, MalformedLinesAreRefusedByName) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"hello", "does not start with @@TRAX:"},
      {"@@TRAX:", "no message name"},
      {"@@TRAX:dance now", "unknown message 'dance'"},
      {"@@TRAX:frame\"x\"", "runs into other text"},
      {"@@TRAX:frame \"unterminated", "unterminated quote"},
      {"@@TRAX:frame \"a\"b", "text right after a closing quote"},
      {"@@TRAX:frame a\"b", "a quote inside an unquoted argument"},
      {"@@TRAX:frame abc\\", "backslash at the end of the line"},
      {std::string("@@TRAX:frame a\x01", 15), "control character"},
  };
  for (const auto& [line, needle] : cases) {
    try {
      parse_message(line);
      ADD_FAILURE() << "accepted: " << line;
    } catch (const TraxError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  }
  // Bytes that are not printable are shown as \xNN, and a huge line is cut.
  try {
    parse_message("garbage\xff" + std::string(1000, 'x'));
    ADD_FAILURE();
  } catch (const TraxError& e) {
    EXPECT_NE(std::string(e.what()).find("\\xff"), std::string::npos) << e.what();
    EXPECT_LT(std::string(e.what()).size(), 400u);
  }
}

TEST(TraxRegion, RectanglesPolygonsAndCodes) {
  const auto r = parse_region("10,20.5,30,40");
  EXPECT_EQ(r.type, RegionType::kRectangle);
  EXPECT_EQ(r.values, (std::vector<double>{10, 20.5, 30, 40}));
  EXPECT_EQ(format_region(r), "10.0000,20.5000,30.0000,40.0000");
  const auto p = parse_region("1,1, 5,1,5,3,1,3");
  EXPECT_EQ(p.type, RegionType::kPolygon);
  const bbox::Box b = region_bounds(p);
  EXPECT_EQ(b, (bbox::Box{1, 1, 4, 2}));
  EXPECT_EQ(region_area_box(p), b);  // an axis-aligned polygon keeps its box
  const auto code = parse_region("0");
  EXPECT_EQ(code.type, RegionType::kSpecial);
  EXPECT_EQ(code.code, 0);
  EXPECT_EQ(format_region(code), "0");
  EXPECT_THROW(region_bounds(code), TraxError);
  // A polygon written back from a box: its four corners, clockwise from the top-left.
  EXPECT_EQ(region_like({1, 2, 3, 4}, RegionType::kPolygon).values, (std::vector<double>{1, 2, 4, 2, 4, 6, 1, 6}));
  EXPECT_EQ(region_bounds(region_like({1, 2, 3, 4}, RegionType::kPolygon)), (bbox::Box{1, 2, 3, 4}));
}

TEST(TraxRegion, ARotatedSquareKeepsItsArea) {
  // A square of side sqrt(2) * 10 rotated by 45 degrees about (50, 50): area 200, enclosing 20x20.
  const auto p = parse_region("50,40,60,50,50,60,40,50");
  const bbox::Box b = region_area_box(p);
  EXPECT_NEAR(b.w * b.h, 200.0, 1e-9);
  EXPECT_NEAR(b.cx(), 50.0, 1e-9);
  EXPECT_NEAR(b.cy(), 50.0, 1e-9);
}

TEST(TraxRegion, MalformedRegionsAreRefusedByName) {
  for (const auto& [text, needle] : std::vector<std::pair<std::string, std::string>>{
           {"", "empty"},
           {"1,2,3", "3 values"},
           {"1,2,3,4,5,6,7", "7 values"},
           {"1,,3,4", "missing number"},
           {"1,2,x,4", "'x' is not a number"},
           {"1,2,nan,4", "not finite"},
           {"1,2,1e999,4", "not finite"},
           {"1,2,-3,4", "negative size"},
           {"2.5", "integer code"},
           {"mask:0,0,2,2,1,3", "masks are not supported"}}) {
    try {
      parse_region(text);
      ADD_FAILURE() << "accepted: " << text;
    } catch (const TraxError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << text << ": " << e.what();
    }
  }
}

TEST(TraxImage, FilePathsOnly) {
  EXPECT_EQ(image_path("file:///data/seq/0001.jpg"), "/data/seq/0001.jpg");
  EXPECT_EQ(image_path("file://rel/0001.jpg"), "rel/0001.jpg");
  EXPECT_EQ(image_path("/data/seq/0001.jpg"), "/data/seq/0001.jpg");  // version 1's bare path
  EXPECT_EQ(image_path("C:/seq/0001.jpg"), "C:/seq/0001.jpg");          // no lowercase scheme
  for (const auto& [arg, needle] : std::vector<std::pair<std::string, std::string>>{
           {"image:2;2;rgb;AAAA", "in-memory image"},
           {"data:image/jpeg;base64;AAAA", "encoded image buffer"},
           {"http://example.com/0001.jpg", "a URL"},
           {"file://", "names no file"},
           {"", "empty image"}}) {
    try {
      image_path(arg);
      ADD_FAILURE() << "accepted: " << arg;
    } catch (const TraxError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace dimp::tools::trax
