#include <catch2/catch.hpp>

#include <conventiond/sdk/json.hpp>

namespace json = conventiond::sdk::json;

TEST_CASE("sdk json: parses every kind of value") {
  const json::Value v = json::parse(
      R"( {"s":"a\"b\\c\n\u00e9\ud83d\ude00","i":-42,"d":2.5e3,"t":true,"f":false,"n":null,
           "a":[1,[2],{}],"o":{"k":"v"}} )");
  REQUIRE(v.is_object());
  CHECK(v.find("s")->as_string() == "a\"b\\c\n\xc3\xa9\xf0\x9f\x98\x80");
  CHECK(v.find("i")->as_integer() == -42);
  CHECK(v.find("d")->as_number() == 2500.0);
  CHECK_FALSE(v.find("d")->is_integer());
  CHECK(v.find("t")->as_bool());
  CHECK_FALSE(v.find("f")->as_bool());
  CHECK(v.find("n")->is_null());
  CHECK(v.find("a")->as_array().size() == 3);
  CHECK(v.find("o")->string_or("k") == "v");
  CHECK(v.find("missing") == nullptr);
}

TEST_CASE("sdk json: integers beyond 64 bits become numbers") {
  CHECK(json::parse("9223372036854775807").is_integer());
  CHECK_FALSE(json::parse("9223372036854775808").is_integer());
  CHECK(json::parse("9223372036854775808").is_number());
}

TEST_CASE("sdk json: rejects what is not strict JSON") {
  const char* bad =
      GENERATE("", "{", "[1,]", "{\"a\" 1}", "01", "1.", "-", "tru", "\"\\x\"", "\"\x01\"",
               "\"\\ud800\"", "\"\xff\"", "{} x", "'a'", "[1e]", "1e999999");
  CAPTURE(bad);
  CHECK_THROWS_AS(json::parse(bad), json::ParseError);
}

TEST_CASE("sdk json: deep nesting is refused, not a stack overflow") {
  const std::string deep(100000, '[');
  CHECK_THROWS_AS(json::parse(deep), json::ParseError);
}

TEST_CASE("sdk json: serialize gives back equivalent compact text") {
  const std::string text = R"({"a":[1,2.5,"x\n",true,null],"b":{"c":-3}})";
  CHECK(json::serialize(json::parse(text)) == text);
}

TEST_CASE("sdk json: strings are escaped and invalid UTF-8 replaced") {
  std::string out;
  json::append_string(out, std::string("q\"\\\x01\t\xc3\xa9\xff", 8));
  CHECK(out == "\"q\\\"\\\\\\u0001\\t\xc3\xa9\\ufffd\"");
  CHECK_NOTHROW(json::parse(out));
}

TEST_CASE("sdk json: ObjectWriter writes members in order") {
  const std::string text = json::ObjectWriter()
                               .field("s", "x")
                               .field("i", 3)
                               .field("u", std::size_t{4})
                               .field("b", false)
                               .field("d", 0.25)
                               .field("l", std::vector<std::string>{"a", "b"})
                               .raw_field("r", "{}")
                               .optional_field("empty", "")
                               .str();
  CHECK(text == R"({"s":"x","i":3,"u":4,"b":false,"d":0.25,"l":["a","b"],"r":{}})");
  CHECK(json::ObjectWriter().str() == "{}");
}

TEST_CASE("sdk json: array_element_texts gives each element's source text") {
  const auto items = json::array_element_texts(R"([ {"a":1}, [2,3] ,"s" ])");
  REQUIRE(items.size() == 3);
  CHECK(items[0] == R"({"a":1})");
  CHECK(items[1] == "[2,3]");
  CHECK(items[2] == "\"s\"");
  CHECK(json::array_element_texts("[]").empty());
  CHECK_THROWS_AS(json::array_element_texts("{}"), json::ParseError);
  CHECK_THROWS_AS(json::array_element_texts("[1] 2"), json::ParseError);
}
