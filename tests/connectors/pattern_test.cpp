// connectors/common/pattern.hpp: the connectors' regular expressions (Boost.Regex).
#include <chrono>
#include <string>

#include <catch2/catch.hpp>

#include "../../connectors/common/pattern.hpp"

using conventiond::connectors::compile_pattern;
using conventiond::connectors::Match;
using conventiond::connectors::search;

TEST_CASE("pattern: a bad pattern is a problem naming the position, never an abort") {
  const struct {
    const char* pattern;
    const char* offset;
  } bad[] = {{"([", "offset 2"}, {"a)", "offset 1"}, {"a{2,1}", "offset 4"},
             {"*.pdf", "offset 0"}, {"\\", "offset 1"}, {"[z-a]", "offset"}};
  for (const auto& b : bad) {
    INFO(b.pattern);
    const auto c = compile_pattern(b.pattern);
    CHECK_FALSE(c.regex.has_value());
    CHECK_THAT(c.problem, Catch::StartsWith("is not a valid regular expression: error at "));
    CHECK_THAT(c.problem, Catch::Contains(b.offset));
    CHECK(c.problem.find("The error occurred") == std::string::npos);  // Boost's long tail
  }
  const auto long_one = compile_pattern(std::string(5000, 'a'));
  CHECK_FALSE(long_one.regex.has_value());
  CHECK_THAT(long_one.problem, Catch::Contains("too long"));
}

TEST_CASE("pattern: ECMAScript syntax as before, searched anywhere in the URL") {
  const auto c = compile_pattern(R"(/actualites/.*-\d{4}$)");
  REQUIRE(c.regex.has_value());
  CHECK(search(*c.regex, "https://www.nord.gouv.fr/actualites/convention-2024") == Match::yes);
  CHECK(search(*c.regex, "https://www.nord.gouv.fr/agenda/convention-2024") == Match::no);
}

TEST_CASE("pattern: a catastrophic backtracking match is reported, bounded in time") {
  const auto c = compile_pattern("(x+x+)+y");
  REQUIRE(c.regex.has_value());
  const auto start = std::chrono::steady_clock::now();
  CHECK(search(*c.regex, std::string(5000, 'x')) == Match::too_complex);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(20));
}
