#include <catch2/catch.hpp>

#include <string>

#include "common/csv_reader.hpp"

namespace feeds = conventiond::feeds;

namespace {

feeds::CsvTable read(const std::string& text, char separator = 0) {
  auto t = feeds::read_csv(text, separator, "t.csv");
  if (!t.ok()) FAIL(t.error().message);
  return std::move(*t);
}

std::string error_of(const std::string& text) {
  auto t = feeds::read_csv(text, 0, "t.csv");
  REQUIRE_FALSE(t.ok());
  return t.error().message;
}

}  // namespace

TEST_CASE("csv reader: quoted fields, doubled quotes, line breaks inside quotes, CRLF") {
  const auto t = read("a;b;c\r\n1;\"x;y\";\"say \"\"hi\"\"\"\r\n2;\"two\nlines\";\r\n\r\n3;;z");
  CHECK(t.separator == ';');
  CHECK(t.encoding == "UTF-8");
  REQUIRE(t.rows.size() == 3);
  CHECK(t.rows[0] == std::vector<std::string>{"1", "x;y", "say \"hi\""});
  CHECK(t.rows[1] == std::vector<std::string>{"2", "two\nlines", ""});
  CHECK(t.rows[2] == std::vector<std::string>{"3", "", "z"});
  CHECK(t.row_lines == std::vector<std::size_t>{2, 3, 6});
  CHECK(t.column("c") == 2u);
}

TEST_CASE("csv reader: separator detected or given, BOM dropped, Latin-1 converted") {
  const auto comma = read("\xEF\xBB\xBFnom,\"valeur; brute\"\nNord,\"1,5\"\n");
  CHECK(comma.separator == ',');
  CHECK(comma.header == std::vector<std::string>{"nom", "valeur; brute"});
  CHECK(comma.rows[0][1] == "1,5");
  const auto latin1 = read("d\xE9partement;nb\nArd\xE8" "che;4215\n");
  CHECK(latin1.encoding == "ISO-8859-1");
  CHECK(latin1.header[0] == "d\xC3\xA9partement");
  CHECK(latin1.rows[0][0] == "Ard\xC3\xA8" "che");
  const auto forced = read("a,b;c\n1,2;3\n", ';');
  CHECK(forced.header == std::vector<std::string>{"a,b", "c"});
}

TEST_CASE("csv reader: malformed files are errors naming line and column") {
  CHECK(error_of("a;b\n1;2;3\n") == "t.csv: line 2: 3 fields, the header has 2");
  CHECK(error_of("a;b\n1\n") == "t.csv: line 2: 1 fields, the header has 2");
  CHECK(error_of("a;b\n1;x\"y\n") == "t.csv: line 2, column 2: quote inside an unquoted field");
  CHECK(error_of("a;b\n1;\"x\"y\n") == "t.csv: line 2, column 2: text after the closing quote");
  CHECK(error_of("a;b\n1;\"open\n\n") ==
        "t.csv: line 2, column 2: quoted field not closed at the end of the file");
  CHECK(error_of("a;b\r1;2\n") == "t.csv: line 1, column 2: bare CR (not followed by LF)");
  CHECK(error_of("a;;b\n") == "t.csv: line 1, column 2: empty column name");
  CHECK(error_of("a;b;a\n") == "t.csv: line 1, column 3: duplicate column name 'a'");
  CHECK(error_of(std::string("a;b\n1;\0\n", 8)) == "t.csv: line 2, column 2: NUL byte");
  CHECK(error_of("") == "t.csv: empty file (no header line)");
  CHECK(error_of("\n\n") == "t.csv: empty file (no header line)");
}

TEST_CASE("csv reader: a large file reads in one pass") {
  std::string text = "dtreffre;numdep;indfoy_rsa\n";
  for (int i = 0; i < 200000; ++i) text += "2024-12-31;59;\"91 235\"\n";
  const auto t = read(text);
  CHECK(t.rows.size() == 200000u);
  CHECK(t.row_lines.back() == 200001u);
}
