#pragma once
// Private helpers shared by the French text parsers (dates, amounts): a linear UTF-8 tokenizer
// that folds French letters to lower-case ASCII ("DÉCEMBRE" -> "decembre", "œ" -> "oe"),
// treats U+00A0 / U+202F and other spaces as spaces, normalises apostrophes and hyphens, and
// records what separates each token from the previous one; calendar arithmetic; French number
// words. Nothing here allocates per token except the token vector itself.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace conventiond::text {

enum class TokKind : std::uint8_t { word, number, punct };

// The bytes of a short ASCII word as one integer (first byte lowest); words longer than 8
// bytes have no key (kNoKey).
inline constexpr std::uint64_t kNoKey = ~std::uint64_t{0};
constexpr std::uint64_t pack(std::string_view s) noexcept {
  if (s.size() > 8) return kNoKey;
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    v |= std::uint64_t{static_cast<unsigned char>(s[i])} << (8 * i);
  }
  return v;
}

struct Token {
  static constexpr std::size_t max_word = 23;

  std::size_t begin = 0;  // byte offsets in the text
  std::size_t end = 0;
  // number: its value (saturated at UINT64_MAX past 19 digits); punct: the normalised code
  // point (every apostrophe is '\'', U+2010/U+2011 are '-', U+00BA is U+00B0).
  std::uint64_t value = 0;
  std::uint64_t key = 0;      // word: pack(word()) when at most 8 letters, else kNoKey
  std::uint32_t ndigits = 0;  // number: count of digits
  std::uint8_t gap = 0;       // horizontal spaces before the token (saturated at 255)
  bool brk = false;           // a tab, line break or control character before the token
  TokKind kind = TokKind::punct;
  std::uint8_t len = 0;   // word: length of the folded form stored in w
  bool longword = false;  // word: folded form longer than max_word (w holds its start)
  char w[max_word] = {};  // word: folded form, `len` bytes (the rest stays zero)

  std::string_view word() const noexcept { return {w, len}; }
  bool glued() const noexcept { return gap == 0 && !brk; }
  bool is_word() const noexcept { return kind == TokKind::word; }
  bool is_word(std::string_view s) const noexcept {
    if (kind != TokKind::word || len != s.size() || longword) return false;
    return s.size() <= 8 ? key == pack(s) : word() == s;
  }
  bool is_number() const noexcept { return kind == TokKind::number; }
  bool is_punct(char32_t c) const noexcept { return kind == TokKind::punct && value == c; }
};

inline constexpr char32_t kEuroSign = 0x20AC;
inline constexpr char32_t kDegreeSign = 0x00B0;

// Splits UTF-8 text into words (maximal runs of letters), numbers (maximal runs of ASCII
// digits) and single punctuation/symbol code points. Invalid UTF-8 bytes become U+FFFD punct
// tokens. Soft hyphens, zero-width characters and combining marks are skipped inside words.
std::vector<Token> tokenize(std::string_view text);

// Same, into `out` (cleared first, capacity kept), for a piece of a larger text: offsets are
// `base` + the offset in `piece`; `gap0`/`brk0` describe what preceded the piece.
void tokenize_into(std::vector<Token>& out, std::string_view piece, std::size_t base,
                   unsigned gap0 = 0, bool brk0 = false);

// End of the piece of `text` that starts at `start`: pieces are cut after a blank line once
// they are 64 KiB long (after a line break, a space, or any character boundary when a text has
// none within 1 MiB), so that scanners keep a small token buffer and stay linear. A date or an
// amount never spans a blank line.
std::size_t next_piece_end(std::string_view text, std::size_t start) noexcept;

// Runs f(tokens) on the tokens of each piece of `text` in order, reusing `tokens`.
template <class F>
void for_each_piece(std::string_view text, std::vector<Token>& tokens, F&& f) {
  std::size_t start = 0;
  unsigned gap = 0;
  bool brk = false;
  while (start < text.size()) {
    const std::size_t end = next_piece_end(text, start);
    tokenize_into(tokens, text.substr(start, end - start), start, gap, brk);
    f(tokens);
    const char last = text[end - 1];
    brk = last == '\n' || last == '\r';
    gap = last == ' ' ? 1 : 0;
    start = end;
  }
}

// Is `cp` a space that may separate thousands groups or words on one line (ASCII space,
// U+00A0, U+202F, U+2007, U+2009 ...)?
bool is_horizontal_space(char32_t cp) noexcept;

// Decodes one code point at text[i] (i < text.size()); `len` receives its byte length (at
// least 1). Invalid sequences decode as U+FFFD of length 1.
char32_t decode_utf8(std::string_view text, std::size_t i, std::size_t& len) noexcept;

// Lower-case, accent-free ASCII form of a short French text ("Décembre" -> "decembre"); other
// characters are kept as they are (ASCII) or dropped (non-letters outside ASCII).
std::string fold(std::string_view text);

// ---- calendar -------------------------------------------------------------------------------

bool is_leap(int y) noexcept;
int days_in_month(int y, int m) noexcept;
bool valid_ymd(int y, int m, int d) noexcept;
std::int64_t days_from_civil(int y, int m, int d) noexcept;  // 1970-01-01 = 0
void civil_from_days(std::int64_t z, int& y, int& m, int& d) noexcept;
int weekday_of(int y, int m, int d) noexcept;  // 0 = Monday .. 6 = Sunday

// ---- vocabulary -----------------------------------------------------------------------------

// 1..12 for a month name or abbreviation ("decembre", "dec", "fevr", "aout"), folded; 0 when
// the word is not one. `abbreviated` tells whether it was a short form.
int month_from_word(std::string_view folded, bool& abbreviated) noexcept;
int month_from_word(const Token& t, bool& abbreviated) noexcept;
// 0 (lundi) .. 6 (dimanche), or -1.
int weekday_from_word(std::string_view folded) noexcept;
int weekday_from_word(const Token& t) noexcept;
// Value of a French number word ("deux" -> 2, "vingt" -> 20, "cent" -> 100, "mille" -> 1000),
// or -1. "et" is not a number word.
int number_word_value(std::string_view folded) noexcept;
int number_word_value(const Token& t) noexcept;

// Parses French number words starting at tokens[i] ("deux cent mille", "quatre-vingt-dix",
// "trente et un"); on success returns the value and sets `last` to the last token used.
std::optional<std::uint64_t> parse_number_words(const std::vector<Token>& tokens, std::size_t i,
                                                std::size_t& last);

}  // namespace conventiond::text
