#include "text/french_text.hpp"

#include <array>
#include <bit>
#include <cstring>
#include <limits>

namespace conventiond::text {

namespace {

enum class CharClass : std::uint8_t { digit, letter, hspace, vbreak, ignorable, punct };

struct Classified {
  CharClass cls = CharClass::punct;
  char f1 = 0;  // letter: folded form (one or two ASCII letters)
  char f2 = 0;
  char32_t punct = 0;  // punct: normalised code point
};

// Folded letters of U+00C0..U+00FF ('\0' = not a letter; '#' = two letters, see below).
using namespace std::string_view_literals;
constexpr std::string_view kLatin1Fold =
    "aaaaaa#ceeeeiiii"   // C0..CF  (C6 = AE)
    "dnooooo\0ouuuuy#s"  // D0..DF  (D7 = multiplication sign, DE = THORN, DF = sharp s)
    "aaaaaa#ceeeeiiii"   // E0..EF  (E6 = ae)
    "dnooooo\0ouuuuy#y"  // F0..FF  (F7 = division sign, FE = thorn)
    ""sv;
static_assert(kLatin1Fold.size() == 0x40);

// Folded letters of U+0100..U+017F ('#' = oe ligature).
constexpr std::string_view kLatinExtAFold =
    "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiiiiijjkkkllllllllllnnnnnnnnnoooooo##"
    "rrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzzs";
static_assert(kLatinExtAFold.size() == 0x80);

Classified letter(char a, char b = 0) {
  Classified k;
  k.cls = CharClass::letter;
  k.f1 = a;
  k.f2 = b;
  return k;
}

Classified punct(char32_t cp) {
  Classified k;
  k.cls = CharClass::punct;
  k.punct = cp;
  return k;
}

Classified of(CharClass c) {
  Classified k;
  k.cls = c;
  return k;
}

Classified classify_ascii(unsigned char c) {
  if (c >= '0' && c <= '9') return of(CharClass::digit);
  if (c >= 'a' && c <= 'z') return letter(static_cast<char>(c));
  if (c >= 'A' && c <= 'Z') return letter(static_cast<char>(c - 'A' + 'a'));
  if (c == ' ') return of(CharClass::hspace);
  if (c < 0x20 || c == 0x7F) return of(CharClass::vbreak);
  if (c == '`') return punct('\'');
  return punct(c);
}

Classified classify(char32_t cp) {
  if (cp < 0x80) return classify_ascii(static_cast<unsigned char>(cp));
  if (cp < 0xA0) return of(CharClass::vbreak);  // C1 controls (0x85 = next line)
  if (cp == 0xA0) return of(CharClass::hspace);
  if (cp == 0xAD) return of(CharClass::ignorable);  // soft hyphen
  if (cp == 0xAA) return letter('a');               // feminine ordinal indicator
  if (cp == 0xBA) return punct(kDegreeSign);        // "nº" written with the masculine ordinal
  if (cp == 0xB4) return punct('\'');               // acute accent used as an apostrophe
  if (cp < 0xC0) return punct(cp);
  if (cp <= 0xFF) {
    const char f = kLatin1Fold[cp - 0xC0];
    if (f == '\0') return punct(cp);
    if (f == '#') {
      switch (cp) {
        case 0xC6:
        case 0xE6: return letter('a', 'e');
        case 0xDE:
        case 0xFE: return letter('t', 'h');
        default: return letter('s', 's');  // 0xDF
      }
    }
    return letter(f);
  }
  if (cp < 0x180) {
    const char f = kLatinExtAFold[cp - 0x100];
    if (f == '#') return letter('o', 'e');
    return letter(f);
  }
  if (cp == 0x2BC || cp == 0x2018 || cp == 0x2019 || cp == 0x201B || cp == 0x2032) {
    return punct('\'');
  }
  if (cp == 0x2B3) return letter('r');   // modifier letter small r ("1ᵉʳ")
  if (cp == 0x1D49) return letter('e');  // modifier letter small e
  if ((cp >= 0x300 && cp <= 0x36F) || (cp >= 0x200B && cp <= 0x200D) || cp == 0x2060 ||
      cp == 0xFEFF || (cp >= 0xFE00 && cp <= 0xFE0F)) {
    return of(CharClass::ignorable);
  }
  if ((cp >= 0x2000 && cp <= 0x200A) || cp == 0x202F || cp == 0x205F || cp == 0x3000 ||
      cp == 0x1680) {
    return of(CharClass::hspace);
  }
  if (cp == 0x2028 || cp == 0x2029) return of(CharClass::vbreak);
  if (cp == 0x2010 || cp == 0x2011 || cp == 0x2212) return punct('-');
  if (cp == 0x2044) return punct('/');
  if ((cp >= 0x2000 && cp <= 0x2BFF) || (cp >= 0x3000 && cp <= 0x303F) ||
      (cp >= 0xE000 && cp <= 0xF8FF) || (cp >= 0xFE10 && cp <= 0xFE6F) ||
      (cp >= 0xFF00 && cp <= 0xFF0F) || cp >= 0xFFF0) {
    return punct(cp);
  }
  return letter('*');  // a letter of another script: glues a word that matches nothing
}

Classified classify_at(std::string_view s, std::size_t i, std::size_t& len) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) {
    len = 1;
    return classify_ascii(c);
  }
  return classify(decode_utf8(s, i, len));
}

}  // namespace

char32_t decode_utf8(std::string_view s, std::size_t i, std::size_t& len) noexcept {
  const auto b0 = static_cast<unsigned char>(s[i]);
  len = 1;
  if (b0 < 0x80) return b0;
  std::size_t need = 0;
  char32_t cp = 0;
  char32_t min = 0;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    need = 1;
    cp = b0 & 0x1Fu;
    min = 0x80;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    need = 2;
    cp = b0 & 0x0Fu;
    min = 0x800;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    need = 3;
    cp = b0 & 0x07u;
    min = 0x10000;
  } else {
    return 0xFFFD;
  }
  if (s.size() - i <= need) return 0xFFFD;
  for (std::size_t k = 1; k <= need; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0u) != 0x80u) return 0xFFFD;
    cp = (cp << 6) | (b & 0x3Fu);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0xFFFD;
  len = need + 1;
  return cp;
}

bool is_horizontal_space(char32_t cp) noexcept {
  return classify(cp).cls == CharClass::hspace;
}

namespace {

// Byte classes for the tokenizer's fast path (kHigh: a byte of a multi-byte sequence).
enum ByteClass : std::uint8_t { kSpace, kBreak, kDigit, kLetter, kPunct, kHigh };

constexpr std::array<std::uint8_t, 256> make_byte_classes() {
  std::array<std::uint8_t, 256> t{};
  for (std::size_t c = 0; c < 256; ++c) {
    if (c >= 0x80) {
      t[c] = kHigh;
    } else if (c == ' ') {
      t[c] = kSpace;
    } else if (c < 0x20 || c == 0x7F) {
      t[c] = kBreak;
    } else if (c >= '0' && c <= '9') {
      t[c] = kDigit;
    } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      t[c] = kLetter;
    } else {
      t[c] = kPunct;
    }
  }
  return t;
}

constexpr std::array<std::uint8_t, 256> kBytes = make_byte_classes();

inline std::uint8_t byte_class(char c) { return kBytes[static_cast<unsigned char>(c)]; }

// pack(t.word()) for a word of at most 8 letters whose unused bytes are zero.
inline std::uint64_t key_of(const Token& t) {
  if (t.longword || t.len > 8) return kNoKey;
  if constexpr (std::endian::native == std::endian::little) {
    std::uint64_t v = 0;
    std::memcpy(&v, t.w, sizeof v);
    return v;
  } else {
    return pack(t.word());
  }
}

inline void put(Token& t, char ch) {
  if (ch == 0) return;
  if (t.len < Token::max_word) {
    t.w[t.len++] = ch;
  } else {
    t.longword = true;
  }
}

}  // namespace

void tokenize_into(std::vector<Token>& out, std::string_view s, std::size_t base, unsigned gap0,
                   bool brk0) {
  out.clear();
  if (out.capacity() == 0) out.reserve(s.size() / 5 + 4);
  unsigned gap = gap0 > 255 ? 255 : gap0;
  bool brk = brk0;
  const std::size_t n = s.size();
  std::size_t i = 0;

  auto start = [&](TokKind kind) -> Token& {
    Token& t = out.emplace_back();
    t.kind = kind;
    t.begin = base + i;
    t.gap = static_cast<std::uint8_t>(gap);
    t.brk = brk;
    gap = 0;
    brk = false;
    return t;
  };
  // Continues the word `t` from s[i]: ASCII letters, other letters, skipped marks.
  auto word_tail = [&](Token& t) {
    while (i < n) {
      const char c = s[i];
      const std::uint8_t cls = byte_class(c);
      if (cls == kLetter) {
        if (t.len < Token::max_word) {
          t.w[t.len++] = static_cast<char>(c | 0x20);
        } else {
          t.longword = true;
        }
        ++i;
        continue;
      }
      if (cls != kHigh) break;
      std::size_t len = 1;
      const Classified k = classify(decode_utf8(s, i, len));
      if (k.cls == CharClass::letter) {
        put(t, k.f1);
        put(t, k.f2);
      } else if (k.cls != CharClass::ignorable) {
        break;
      }
      i += len;
    }
    t.end = base + i;
    t.key = key_of(t);
  };

  while (i < n) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (kBytes[c]) {
        case kSpace:
          if (gap < 255) ++gap;
          ++i;
          break;
        case kBreak:
          brk = true;
          ++i;
          break;
        case kDigit: {
          Token& t = start(TokKind::number);
          std::uint64_t v = 0;
          std::uint32_t nd = 0;
          while (i < n && s[i] >= '0' && s[i] <= '9') {
            if (nd < 19) {
              v = v * 10 + static_cast<std::uint64_t>(s[i] - '0');
            } else {
              v = std::numeric_limits<std::uint64_t>::max();
            }
            if (nd < std::numeric_limits<std::uint32_t>::max()) ++nd;
            ++i;
          }
          t.value = v;
          t.ndigits = nd;
          t.end = base + i;
          break;
        }
        case kLetter: word_tail(start(TokKind::word)); break;
        default: {
          Token& t = start(TokKind::punct);
          t.value = c == '`' ? '\'' : c;
          ++i;
          t.end = base + i;
          break;
        }
      }
      continue;
    }
    std::size_t len = 1;
    const Classified k = classify(decode_utf8(s, i, len));
    switch (k.cls) {
      case CharClass::hspace:
        if (gap < 255) ++gap;
        i += len;
        break;
      case CharClass::vbreak:
        brk = true;
        i += len;
        break;
      case CharClass::ignorable:
        if (!out.empty() && out.back().end == base + i) out.back().end = base + i + len;
        i += len;
        break;
      case CharClass::letter: word_tail(start(TokKind::word)); break;
      case CharClass::digit:  // not produced for non-ASCII code points
      case CharClass::punct: {
        Token& t = start(TokKind::punct);
        t.value = k.punct;
        i += len;
        t.end = base + i;
        break;
      }
    }
  }
}

std::vector<Token> tokenize(std::string_view s) {
  std::vector<Token> out;
  tokenize_into(out, s, 0);
  return out;
}

std::size_t next_piece_end(std::string_view text, std::size_t start) noexcept {
  constexpr std::size_t kPiece = 64 * 1024;
  constexpr std::size_t kMaxPiece = 1024 * 1024;
  const std::size_t n = text.size();
  if (n - start <= kPiece) return n;
  const std::size_t lim = n - start <= kMaxPiece ? n : start + kMaxPiece;
  // After a blank line.
  for (std::size_t p = text.find('\n', start + kPiece); p != std::string_view::npos && p < lim;
       p = text.find('\n', p + 1)) {
    std::size_t q = p + 1;
    while (q < lim && (text[q] == ' ' || text[q] == '\t' || text[q] == '\r')) ++q;
    if (q < lim && text[q] == '\n') return q + 1;
  }
  if (lim == n) return n;
  // After a line break.
  if (const std::size_t p = text.rfind('\n', lim - 1);
      p != std::string_view::npos && p >= start + kPiece) {
    return p + 1;
  }
  // After a space between two words ("ont signé", not "1 125" nor "juin 2019").
  auto is_letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  for (std::size_t p = lim - 1; p > start + kPiece; --p) {
    if (text[p] == ' ' && is_letter(text[p - 1]) && p + 1 < n && is_letter(text[p + 1])) {
      return p + 1;
    }
  }
  // After any space, else at a character boundary.
  if (const std::size_t p = text.rfind(' ', lim - 1);
      p != std::string_view::npos && p >= start + kPiece) {
    return p + 1;
  }
  std::size_t p = lim;
  while (p > start + 1 && (static_cast<unsigned char>(text[p]) & 0xC0u) == 0x80u) --p;
  return p;
}

std::string fold(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    std::size_t len = 1;
    const Classified k = classify_at(s, i, len);
    switch (k.cls) {
      case CharClass::letter:
        out += k.f1;
        if (k.f2 != 0) out += k.f2;
        break;
      case CharClass::digit: out += s[i]; break;
      case CharClass::hspace:
      case CharClass::vbreak: out += ' '; break;
      case CharClass::ignorable: break;
      case CharClass::punct:
        if (k.punct < 0x80) out += static_cast<char>(k.punct);
        break;
    }
    i += len;
  }
  return out;
}

// ---- calendar -------------------------------------------------------------------------------

bool is_leap(int y) noexcept { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in_month(int y, int m) noexcept {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12) return 0;
  if (m == 2 && is_leap(y)) return 29;
  return kDays[static_cast<std::size_t>(m - 1)];
}

bool valid_ymd(int y, int m, int d) noexcept {
  return y >= 1 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= days_in_month(y, m);
}

std::int64_t days_from_civil(int yi, int mi, int di) noexcept {
  // Howard Hinnant's algorithm.
  std::int64_t y = yi;
  const std::int64_t m = mi;
  const std::int64_t d = di;
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int64_t yoe = y - era * 400;
  const std::int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void civil_from_days(std::int64_t z, int& y, int& m, int& d) noexcept {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t dd = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t mm = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<int>(yoe + era * 400 + (mm <= 2 ? 1 : 0));
  m = static_cast<int>(mm);
  d = static_cast<int>(dd);
}

int weekday_of(int y, int m, int d) noexcept {
  const std::int64_t z = days_from_civil(y, m, d);
  return static_cast<int>(((z % 7) + 7 + 3) % 7);  // 1970-01-01 was a Thursday
}

// ---- vocabulary -----------------------------------------------------------------------------

namespace {

constexpr std::uint32_t letters(std::string_view first_letters) {
  std::uint32_t m = 0;
  for (const char c : first_letters) m |= 1u << static_cast<unsigned>(c - 'a');
  return m;
}

// Cheap pre-filter: may a word starting with w[0] be in a list whose words start with `mask`?
bool first_in(std::string_view w, std::uint32_t mask) {
  if (w.empty() || w[0] < 'a' || w[0] > 'z') return false;
  return ((mask >> static_cast<unsigned>(w[0] - 'a')) & 1u) != 0;
}

constexpr std::uint32_t kMonthFirst = letters("jfmasond");
constexpr std::uint32_t kWeekdayFirst = letters("lmjvsd");
constexpr std::uint32_t kNumberFirst = letters("udtqcshnovm");

int month_from_key(std::uint64_t key, std::string_view w, bool& abbreviated) noexcept {
  abbreviated = false;
  if (w.size() < 3 || w.size() > 9 || !first_in(w, kMonthFirst)) return 0;
  if (w.size() == 9) return w == "septembre" ? 9 : 0;
  switch (key) {
    case pack("janvier"): return 1;
    case pack("fevrier"): return 2;
    case pack("mars"): return 3;
    case pack("avril"): return 4;
    case pack("mai"): return 5;
    case pack("juin"): return 6;
    case pack("juillet"): return 7;
    case pack("aout"): return 8;
    case pack("octobre"): return 10;
    case pack("novembre"): return 11;
    case pack("decembre"): return 12;
    default: break;
  }
  abbreviated = true;
  switch (key) {
    case pack("janv"): return 1;
    case pack("fevr"):
    case pack("fev"): return 2;
    case pack("avr"): return 4;
    case pack("juil"):
    case pack("juill"): return 7;
    case pack("sept"): return 9;
    case pack("oct"): return 10;
    case pack("nov"): return 11;
    case pack("dec"): return 12;
    default: break;
  }
  abbreviated = false;
  return 0;
}

int weekday_from_key(std::uint64_t key, std::string_view w) noexcept {
  if (w.size() < 5 || w.size() > 8 || !first_in(w, kWeekdayFirst)) return -1;
  switch (key) {
    case pack("lundi"): return 0;
    case pack("mardi"): return 1;
    case pack("mercredi"): return 2;
    case pack("jeudi"): return 3;
    case pack("vendredi"): return 4;
    case pack("samedi"): return 5;
    case pack("dimanche"): return 6;
    default: return -1;
  }
}

int number_from_key(std::uint64_t key, std::string_view w) noexcept {
  if (w.size() < 2 || w.size() > 9 || !first_in(w, kNumberFirst)) return -1;
  if (w.size() == 9) return w == "cinquante" ? 50 : -1;
  switch (key) {
    case pack("un"):
    case pack("une"): return 1;
    case pack("deux"): return 2;
    case pack("trois"): return 3;
    case pack("quatre"): return 4;
    case pack("cinq"): return 5;
    case pack("six"): return 6;
    case pack("sept"): return 7;
    case pack("huit"): return 8;
    case pack("neuf"): return 9;
    case pack("dix"): return 10;
    case pack("onze"): return 11;
    case pack("douze"): return 12;
    case pack("treize"): return 13;
    case pack("quatorze"): return 14;
    case pack("quinze"): return 15;
    case pack("seize"): return 16;
    case pack("vingt"):
    case pack("vingts"): return 20;
    case pack("trente"): return 30;
    case pack("quarante"): return 40;
    case pack("soixante"): return 60;
    case pack("septante"): return 70;
    case pack("huitante"):
    case pack("octante"): return 80;
    case pack("nonante"): return 90;
    case pack("cent"):
    case pack("cents"): return 100;
    case pack("mille"):
    case pack("mil"): return 1000;
    default: return -1;
  }
}

}  // namespace

int month_from_word(std::string_view w, bool& abbreviated) noexcept {
  return month_from_key(pack(w), w, abbreviated);
}

int month_from_word(const Token& t, bool& abbreviated) noexcept {
  abbreviated = false;
  if (!t.is_word() || t.longword) return 0;
  return month_from_key(t.key, t.word(), abbreviated);
}

int weekday_from_word(std::string_view w) noexcept { return weekday_from_key(pack(w), w); }

int weekday_from_word(const Token& t) noexcept {
  if (!t.is_word() || t.longword) return -1;
  return weekday_from_key(t.key, t.word());
}

int number_word_value(std::string_view w) noexcept { return number_from_key(pack(w), w); }

int number_word_value(const Token& t) noexcept {
  if (!t.is_word() || t.longword) return -1;
  return number_from_key(t.key, t.word());
}

std::optional<std::uint64_t> parse_number_words(const std::vector<Token>& t, std::size_t i,
                                                std::size_t& last) {
  constexpr std::size_t kMaxWords = 16;
  std::uint64_t total = 0;
  std::uint64_t current = 0;
  int prev = -1;
  bool any = false;
  std::size_t k = i;
  for (std::size_t count = 0; count < kMaxWords && k < t.size(); ++count) {
    if (!t[k].is_word() || t[k].longword) break;
    const int v = number_word_value(t[k]);
    if (v < 0) break;
    if (v == 1000) {
      total += (current == 0 ? 1 : current) * 1000;
      current = 0;
    } else if (v == 100) {
      current = (current == 0 ? 1 : current) * 100;
    } else if (v == 20 && prev == 4 && current % 100 == 4) {
      current += 76;  // "quatre-vingt(s)"
    } else {
      current += static_cast<std::uint64_t>(v);
    }
    if (total > 1'000'000'000'000ULL || current > 1'000'000'000'000ULL) return std::nullopt;
    prev = v;
    any = true;
    last = k;
    // What may follow: "-word" glued, "et word", or a word after a space.
    const std::size_t nx = k + 1;
    if (nx + 1 < t.size() && t[nx].is_punct('-') && t[nx].glued() && t[nx + 1].glued() &&
        t[nx + 1].is_word() && number_word_value(t[nx + 1]) >= 0) {
      k = nx + 1;
      continue;
    }
    if (nx + 1 < t.size() && t[nx].is_word("et") && t[nx + 1].is_word() &&
        number_word_value(t[nx + 1]) >= 0 && number_word_value(t[nx + 1]) < 20) {
      k = nx + 1;
      continue;
    }
    if (nx < t.size() && !t[nx].brk && t[nx].is_word() && number_word_value(t[nx]) >= 0) {
      k = nx;
      continue;
    }
    break;
  }
  if (!any) return std::nullopt;
  return total + current;
}

}  // namespace conventiond::text
