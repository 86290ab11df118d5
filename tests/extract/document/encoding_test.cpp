#include <catch2/catch.hpp>

#include <string>

#include <conventiond/extract/encoding.hpp>

using conventiond::canonical_charset;
using conventiond::is_valid_utf8;
using conventiond::to_utf8;

namespace {

std::string decode(std::string_view bytes, std::string_view charset,
                   std::size_t* replaced = nullptr) {
  auto r = to_utf8(bytes, charset, replaced);
  REQUIRE(r.ok());
  return r.value();
}

}  // namespace

TEST_CASE("canonical_charset: UTF-8 labels", "[encoding]") {
  CHECK(canonical_charset("utf-8") == "utf-8");
  CHECK(canonical_charset("UTF8") == "utf-8");
  CHECK(canonical_charset("unicode-1-1-utf-8") == "utf-8");
  CHECK(canonical_charset("  Utf-8\t") == "utf-8");
  CHECK(canonical_charset("\"utf-8\"") == "utf-8");
}

TEST_CASE("canonical_charset: Latin-1 family is windows-1252 (WHATWG)", "[encoding]") {
  for (const char* label : {"iso-8859-1", "ISO-8859-1", "latin1", "l1", "ascii", "us-ascii",
                            "windows-1252", "cp1252", "x-cp1252", "iso_8859-1", "iso8859-1"}) {
    INFO(label);
    CHECK(canonical_charset(label) == "windows-1252");
  }
}

TEST_CASE("canonical_charset: Latin-9, UTF-16 and unknown labels", "[encoding]") {
  CHECK(canonical_charset("iso-8859-15") == "iso-8859-15");
  CHECK(canonical_charset("latin9") == "iso-8859-15");
  CHECK(canonical_charset("l9") == "iso-8859-15");
  CHECK(canonical_charset("utf-16") == "utf-16le");
  CHECK(canonical_charset("UTF-16LE") == "utf-16le");
  CHECK(canonical_charset("utf-16be") == "utf-16be");
  CHECK(canonical_charset("klingon") == "");
  CHECK(canonical_charset("") == "");
  CHECK(canonical_charset("iso-8859-2") == "");
}

TEST_CASE("windows-1252: the 0x80-0x9F specials", "[encoding]") {
  CHECK(decode("\x80", "windows-1252") == "\xE2\x82\xAC");  // €
  CHECK(decode("l\x92"
               "Etat",
               "windows-1252") ==
        "l\xE2\x80\x99"
        "Etat");  // ’
  CHECK(decode("\x93"
               "x"
               "\x94",
               "windows-1252") ==
        "\xE2\x80\x9C"
        "x"
        "\xE2\x80\x9D");  // “x”
  CHECK(decode("\x9C"
               "uvre",
               "windows-1252") ==
        "\xC5\x93"
        "uvre");                                            // œuvre
  CHECK(decode("\x8C", "windows-1252") == "\xC5\x92");      // Œ
  CHECK(decode("\x85", "windows-1252") == "\xE2\x80\xA6");  // …
  CHECK(decode("\x96", "windows-1252") == "\xE2\x80\x93");  // –
  CHECK(decode("\x9F", "windows-1252") == "\xC5\xB8");      // Ÿ
  CHECK(decode("\x81", "windows-1252") == "\xC2\x81");      // undefined: C1 control
  CHECK(decode("pr\xE9"
               "fet",
               "windows-1252") ==
        "pr\xC3\xA9"
        "fet");                                         // é
  CHECK(decode("\xA0", "windows-1252") == "\xC2\xA0");  // NBSP kept (cleaned later)
}

TEST_CASE("iso-8859-1 pages are decoded as windows-1252, as browsers do", "[encoding]") {
  // hauts-de-france-actualite.html declares iso-8859-1 but uses 0x92 apostrophes
  CHECK(decode("d\x92"
               "acc\xE8s",
               "iso-8859-1") ==
        "d\xE2\x80\x99"
        "acc\xC3\xA8s");
}

TEST_CASE("iso-8859-15 differs from Latin-1 where it must", "[encoding]") {
  CHECK(decode("\xA4", "iso-8859-15") == "\xE2\x82\xAC");     // €
  CHECK(decode("\xBD", "latin9") == "\xC5\x93");              // œ
  CHECK(decode("\xBC", "latin9") == "\xC5\x92");              // Œ
  CHECK(decode("\xA6\xA8", "latin9") == "\xC5\xA0\xC5\xA1");  // Š š
  CHECK(decode("\xE9", "latin9") == "\xC3\xA9");              // é unchanged
  CHECK(decode("\x92", "latin9") == "\xC2\x92");              // no windows-1252 specials
}

TEST_CASE("utf-8: valid text passes through unchanged", "[encoding]") {
  std::size_t replaced = 99;
  std::string s =
      "Pr\xC3\xA9"
      "fet \xE2\x82\xAC \xF0\x9F\x98\x80";
  CHECK(decode(s, "utf-8", &replaced) == s);
  CHECK(replaced == 0);
}

TEST_CASE("utf-8: invalid bytes become U+FFFD and are counted", "[encoding]") {
  std::size_t replaced = 0;
  CHECK(decode("a\xFF"
               "b",
               "utf-8", &replaced) ==
        "a\xEF\xBF\xBD"
        "b");
  CHECK(replaced == 1);
  CHECK(decode("\x80\x80", "utf-8", &replaced) == "\xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK(replaced == 2);
}

TEST_CASE("utf-8: truncated sequences are one U+FFFD each (maximal subpart)", "[encoding]") {
  std::size_t replaced = 0;
  CHECK(decode("caf\xC3", "utf-8", &replaced) == "caf\xEF\xBF\xBD");
  CHECK(replaced == 1);
  CHECK(decode("\xE2\x82", "utf-8", &replaced) == "\xEF\xBF\xBD");
  CHECK(replaced == 1);
  CHECK(decode("\xF0\x9F\x98"
               "x",
               "utf-8", &replaced) ==
        "\xEF\xBF\xBD"
        "x");
  CHECK(replaced == 1);
}

TEST_CASE("utf-8: overlongs, surrogates and out-of-range code points are rejected", "[encoding]") {
  std::size_t replaced = 0;
  CHECK(decode("\xC0\xAF", "utf-8", &replaced) == "\xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK(replaced == 2);
  CHECK(decode("\xE0\x80\xAF", "utf-8", &replaced) == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK(replaced == 3);
  CHECK(decode("\xED\xA0\x80", "utf-8", &replaced) == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK(replaced == 3);
  CHECK(decode("\xF4\x90\x80\x80", "utf-8", &replaced).size() == 12);
  CHECK(replaced == 4);
}

TEST_CASE("utf-8: a BOM is dropped", "[encoding]") {
  CHECK(decode("\xEF\xBB\xBFtexte", "utf-8") == "texte");
}

TEST_CASE("utf-16: both byte orders, BOM, surrogate pairs", "[encoding]") {
  // "é😀" = U+00E9 U+1F600 (D83D DE00)
  CHECK(decode(std::string("\xFF\xFE\xE9\x00\x3D\xD8\x00\xDE", 8), "utf-16") ==
        "\xC3\xA9\xF0\x9F\x98\x80");
  CHECK(decode(std::string("\x00\xE9\xD8\x3D\xDE\x00", 6), "utf-16be") ==
        "\xC3\xA9\xF0\x9F\x98\x80");
  CHECK(decode(std::string("A\x00", 2), "utf-16le") == "A");
}

TEST_CASE("utf-16: lone surrogates and an odd trailing byte become U+FFFD", "[encoding]") {
  std::size_t replaced = 0;
  CHECK(decode(std::string("\x00\xD8"
                           "A\x00",
                           4),
               "utf-16le", &replaced) ==
        "\xEF\xBF\xBD"
        "A");
  CHECK(replaced == 1);
  CHECK(decode(std::string("\x00\xDC", 2), "utf-16le", &replaced) == "\xEF\xBF\xBD");
  CHECK(replaced == 1);
  CHECK(decode(std::string("A\x00"
                           "B",
                           3),
               "utf-16le", &replaced) == "A\xEF\xBF\xBD");
  CHECK(replaced == 1);
}

TEST_CASE("to_utf8: an unknown charset is an error value", "[encoding]") {
  auto r = to_utf8("abc", "ebcdic-fr");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == "encoding");
  CHECK(r.error().message.find("ebcdic-fr") != std::string::npos);
}

TEST_CASE("is_valid_utf8", "[encoding]") {
  CHECK(is_valid_utf8(""));
  CHECK(is_valid_utf8("ascii only"));
  CHECK(is_valid_utf8("\xC3\xA9t\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"));
  CHECK_FALSE(is_valid_utf8("\xE9t\xE9"));         // Latin-1
  CHECK_FALSE(is_valid_utf8("\xC3"));              // truncated
  CHECK_FALSE(is_valid_utf8("\xC1\xBF"));          // overlong
  CHECK_FALSE(is_valid_utf8("\xED\xB2\x80"));      // surrogate
  CHECK_FALSE(is_valid_utf8("\xF5\x80\x80\x80"));  // > U+10FFFF
}
