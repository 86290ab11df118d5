// The private helpers under the date and amount scanners: tokenizer, folding, calendar, number
// words.

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "../../../core/extract/text/french_text.hpp"

namespace t = conventiond::text;

TEST_CASE("french_text: tokens, folding and gaps", "[french_text]") {
  const std::string s = "Le 1ᵉʳ\u00A0DÉCEMBRE\u202F2018, l’Œuvre co\u00ADop 12,5 €\tfin";
  const std::vector<t::Token> tok = t::tokenize(s);
  std::vector<std::string> words;
  for (const t::Token& k : tok) {
    if (k.is_word()) words.emplace_back(k.word());
  }
  CHECK(words == std::vector<std::string>{"le", "er", "decembre", "l", "oeuvre", "coop", "fin"});
  REQUIRE(tok.size() == 15);
  CHECK(tok[1].is_number());
  CHECK(tok[1].value == 1);
  CHECK(tok[2].is_word("er"));
  CHECK(tok[2].glued());
  CHECK(tok[3].is_word("decembre"));
  CHECK(tok[3].gap == 1);  // U+00A0
  CHECK(tok[4].value == 2018);
  CHECK(tok[4].gap == 1);  // U+202F
  CHECK(tok[5].is_punct(','));
  CHECK(tok[7].is_punct('\''));  // U+2019
  CHECK(s.substr(tok[9].begin, tok[9].end - tok[9].begin) == "co\u00ADop");
  CHECK(tok[10].ndigits == 2);
  CHECK(tok[11].is_punct(','));
  CHECK(tok[13].is_punct(t::kEuroSign));
  CHECK(tok[14].is_word("fin"));
  CHECK(tok[14].brk);
  CHECK(t::fold("Février DÉCÈS Œuf ça") == "fevrier deces oeuf ca");
}

TEST_CASE("french_text: invalid UTF-8 and huge numbers", "[french_text]") {
  const std::string s = std::string("\xC3\x28 \xE2\x82 \xF0\x9F\x98") + " 123456789012345678901234567890";
  const std::vector<t::Token> tok = t::tokenize(s);
  REQUIRE_FALSE(tok.empty());
  CHECK(tok.back().is_number());
  CHECK(tok.back().ndigits == 30);
  CHECK(tok.back().value == ~std::uint64_t{0});
  std::size_t len = 0;
  CHECK(t::decode_utf8("\xED\xA0\x80", 0, len) == 0xFFFD);  // surrogate
  CHECK(len == 1);
  CHECK(t::decode_utf8("\xC0\xAF", 0, len) == 0xFFFD);  // overlong
  CHECK(t::decode_utf8("\xE2\x82\xAC", 0, len) == 0x20AC);
  CHECK(len == 3);
}

TEST_CASE("french_text: calendar", "[french_text]") {
  CHECK(t::valid_ymd(2020, 2, 29));
  CHECK_FALSE(t::valid_ymd(2019, 2, 29));
  CHECK_FALSE(t::valid_ymd(1900, 2, 29));
  CHECK(t::valid_ymd(2000, 2, 29));
  CHECK_FALSE(t::valid_ymd(2019, 4, 31));
  CHECK_FALSE(t::valid_ymd(2019, 13, 1));
  CHECK(t::weekday_of(2018, 12, 18) == 1);  // a Tuesday
  CHECK(t::weekday_of(2019, 6, 27) == 3);   // a Thursday
  CHECK(t::days_from_civil(1970, 1, 1) == 0);
  int y = 0, m = 0, d = 0;
  t::civil_from_days(t::days_from_civil(2020, 3, 1) - 1, y, m, d);
  CHECK((y == 2020 && m == 2 && d == 29));
}

TEST_CASE("french_text: vocabulary and number words", "[french_text]") {
  bool abbr = false;
  CHECK(t::month_from_word("decembre", abbr) == 12);
  CHECK_FALSE(abbr);
  CHECK(t::month_from_word("septembre", abbr) == 9);
  CHECK(t::month_from_word("fevr", abbr) == 2);
  CHECK(abbr);
  CHECK(t::month_from_word("marsupial", abbr) == 0);
  CHECK(t::weekday_from_word("vendredi") == 4);
  CHECK(t::weekday_from_word("vendre") == -1);
  CHECK(t::number_word_value("cinquante") == 50);
  struct Case {
    const char* text;
    std::uint64_t value;
  };
  for (const Case c : {Case{"trois", 3}, Case{"vingt-sept", 27}, Case{"trente et un", 31},
                       Case{"quatre-vingt-dix-neuf", 99}, Case{"deux cent mille", 200000},
                       Case{"cent vingt", 120}, Case{"mille", 1000}}) {
    INFO(c.text);
    const auto tok = t::tokenize(c.text);
    std::size_t last = 0;
    const auto v = t::parse_number_words(tok, 0, last);
    REQUIRE(v);
    CHECK(*v == c.value);
    CHECK(last == tok.size() - 1);
  }
  std::size_t last = 0;
  CHECK_FALSE(t::parse_number_words(t::tokenize("convention"), 0, last));
}
