// The HTML report: one file, every plot embedded (base64 of the PNG's bytes, RFC 4648 vectors),
// text escaped, links kept relative, an unreadable plot named.
#include "tools/lib/report.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/testing.h"

namespace dimp::tools {
namespace {

TEST(Report, Base64MatchesRfc4648) {
  EXPECT_EQ(base64(""), "");
  EXPECT_EQ(base64("f"), "Zg==");
  EXPECT_EQ(base64("fo"), "Zm8=");
  EXPECT_EQ(base64("foo"), "Zm9v");
  EXPECT_EQ(base64("foob"), "Zm9vYg==");
  EXPECT_EQ(base64("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64(std::string("\xff\x00\x80", 3)), "/wCA");
}

TEST(Report, OneFileWithTablesEmbeddedPlotsAndLinks) {
  const std::string png = testing::temp_path("plot.png");
  std::ofstream(png, std::ios::binary) << std::string("\x89PNG\r\n\x1a\n", 8) << "pixels";
  Report report("dimp_eval <otb> & friends");
  auto& s = report.section("Overall");
  s.notes.push_back("no attribute files for \"otb\"");
  s.tables.push_back({"Summary", {"tracker", "AUC"}, {{Cell("weight-free", "weight-free/Crossing.txt"), "0.612"}}});
  s.images.push_back({"Success plot", png});
  const std::string html = report.html();
  EXPECT_NE(html.find("<title>dimp_eval &lt;otb&gt; &amp; friends</title>"), std::string::npos);
  EXPECT_NE(html.find("no attribute files for &quot;otb&quot;"), std::string::npos);
  EXPECT_NE(html.find("<a href=\"weight-free/Crossing.txt\">weight-free</a>"), std::string::npos);
  EXPECT_NE(html.find("<td>0.612</td>"), std::string::npos);
  EXPECT_NE(html.find("src=\"data:image/png;base64," + base64(std::string("\x89PNG\r\n\x1a\npixels", 14)) + "\""),
            std::string::npos);
  EXPECT_EQ(html.find(png), std::string::npos) << "the plot is referenced by path, not embedded";
  const std::string out = testing::temp_path("report.html");
  report.write(out);
  EXPECT_EQ(std::filesystem::file_size(out), html.size());
  Report broken("x");
  broken.section("s").images.push_back({"missing", testing::temp_path("missing.png")});
  try {
    broken.html();
    ADD_FAILURE();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("missing.png"), std::string::npos);
  }
}

}  // namespace
}  // namespace dimp::tools
