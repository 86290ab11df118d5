#include "document/text_util.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>

#include "document/utf8_util.hpp"

#include <sha2.h>  // libmd

namespace conventiond::document_detail {

bool is_space_cp(char32_t cp) noexcept {
  switch (cp) {
    case 0x09:
    case 0x0A:
    case 0x0B:
    case 0x0C:
    case 0x0D:
    case 0x20:
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200A;
  }
}

bool is_ignorable_cp(char32_t cp) noexcept {
  if (cp < 0x20 || cp == 0x7F) return true;   // other C0 controls, DEL
  if (cp >= 0x80 && cp <= 0x9F) return true;  // C1 controls (0x85 is a space)
  switch (cp) {
    case 0xAD:
    case 0x200B:
    case 0x200C:
    case 0x200D:
    case 0x2060:
    case 0xFEFF:
    case 0xFFFE:
    case 0xFFFF:
      return true;
    default:
      return false;
  }
}

void TextBuilder::append(std::string_view s) {
  std::size_t i = 0;
  const std::size_t n = s.size();
  while (i < n) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c > 0x20 && c != 0x7F) {
        if (pending_space_) {
          out_.push_back(' ');
          pending_space_ = false;
        }
        // copy the run of printable ASCII
        std::size_t j = i + 1;
        while (j < n) {
          auto d = static_cast<unsigned char>(s[j]);
          if (d <= 0x20 || d >= 0x7F) break;
          ++j;
        }
        out_.append(s.data() + i, j - i);
        i = j;
        continue;
      }
      if (c == ' ' || (c >= 0x09 && c <= 0x0D)) pending_space_ = !out_.empty();
      ++i;
      continue;
    }
    std::size_t start = i;
    char32_t cp = next_code_point(s, i);
    if (is_space_cp(cp)) {
      pending_space_ = !out_.empty();
    } else if (!is_ignorable_cp(cp)) {
      if (pending_space_) {
        out_.push_back(' ');
        pending_space_ = false;
      }
      if (cp == 0xFFFD && i - start == 1) {
        out_.append(kReplacement);
      } else {
        out_.append(s.data() + start, i - start);
      }
    }
  }
}

std::string TextBuilder::take() {
  std::string r = std::move(out_);
  out_.clear();
  pending_space_ = false;
  while (!r.empty() && r.back() == ' ') r.pop_back();
  return r;
}

std::string normalize_text(std::string_view utf8) {
  TextBuilder b;
  b.append(utf8);
  return b.take();
}

namespace {

struct Fold {
  char32_t cp;
  const char* ascii;
};

constexpr std::array<Fold, 62> kFolds{{
    {0xC0, "a"},   {0xC1, "a"},   {0xC2, "a"},   {0xC3, "a"},  {0xC4, "a"},   {0xC5, "a"},
    {0xC6, "ae"},  {0xC7, "c"},   {0xC8, "e"},   {0xC9, "e"},  {0xCA, "e"},   {0xCB, "e"},
    {0xCC, "i"},   {0xCD, "i"},   {0xCE, "i"},   {0xCF, "i"},  {0xD1, "n"},   {0xD2, "o"},
    {0xD3, "o"},   {0xD4, "o"},   {0xD5, "o"},   {0xD6, "o"},  {0xD9, "u"},   {0xDA, "u"},
    {0xDB, "u"},   {0xDC, "u"},   {0xDD, "y"},   {0xE0, "a"},  {0xE1, "a"},   {0xE2, "a"},
    {0xE3, "a"},   {0xE4, "a"},   {0xE5, "a"},   {0xE6, "ae"}, {0xE7, "c"},   {0xE8, "e"},
    {0xE9, "e"},   {0xEA, "e"},   {0xEB, "e"},   {0xEC, "i"},  {0xED, "i"},   {0xEE, "i"},
    {0xEF, "i"},   {0xF1, "n"},   {0xF2, "o"},   {0xF3, "o"},  {0xF4, "o"},   {0xF5, "o"},
    {0xF6, "o"},   {0xF9, "u"},   {0xFA, "u"},   {0xFB, "u"},  {0xFC, "u"},   {0xFD, "y"},
    {0xFF, "y"},   {0x152, "oe"}, {0x153, "oe"}, {0x178, "y"}, {0x2019, "'"}, {0x2018, "'"},
    {0x1D49, "e"}, {0x02B3, "r"},
}};

}  // namespace

std::string fold_ascii(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      out.push_back((c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a')
                                           : static_cast<char>(c));
      ++i;
      continue;
    }
    std::size_t start = i;
    char32_t cp = next_code_point(s, i);
    const char* rep = nullptr;
    for (const auto& f : kFolds) {
      if (f.cp == cp) {
        rep = f.ascii;
        break;
      }
    }
    if (rep != nullptr) {
      out.append(rep);
    } else if (is_space_cp(cp)) {
      out.push_back(' ');
    } else {
      out.append(s.data() + start, i - start);
    }
  }
  return out;
}

bool valid_date(int y, int m, int d) noexcept {
  if (y < 1000 || y > 9999 || m < 1 || m > 12 || d < 1) return false;
  static constexpr std::array<int, 12> kDays{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int max = kDays[static_cast<std::size_t>(m - 1)];
  if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) max = 29;
  return d <= max;
}

namespace {

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

// Reads up to max_digits digits at s[i]; returns the count read (0 if none).
std::size_t read_number(std::string_view s, std::size_t i, std::size_t max_digits, int& value) {
  std::size_t k = 0;
  value = 0;
  while (i + k < s.size() && is_digit(s[i + k]) && k < max_digits) {
    value = value * 10 + (s[i + k] - '0');
    ++k;
  }
  if (i + k < s.size() && is_digit(s[i + k])) return 0;  // longer number than expected
  return k;
}

// A word: ASCII letters and any non-ASCII UTF-8 bytes (accented letters).
std::size_t word_end(std::string_view s, std::size_t i) {
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
    if (!letter) break;
    // stop before a non-letter non-ASCII code point (spaces, punctuation)
    if (c >= 0x80) {
      std::size_t j = i;
      char32_t cp = next_code_point(s, j);
      if (is_space_cp(cp) || (cp >= 0x2010 && cp <= 0x206F) || cp == 0xAB || cp == 0xBB) break;
      i = j;
      continue;
    }
    ++i;
  }
  return i;
}

std::size_t skip_spaces(std::string_view s, std::size_t i) {
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      ++i;
      continue;
    }
    if (c >= 0x80) {
      std::size_t j = i;
      if (is_space_cp(next_code_point(s, j))) {
        i = j;
        continue;
      }
    }
    break;
  }
  return i;
}

int month_from_word(std::string_view folded) {
  struct M {
    std::string_view name;
    int month;
  };
  static constexpr std::array<M, 25> kMonths{{
      {"janvier", 1},   {"janv", 1},     {"fevrier", 2}, {"fevr", 2},      {"fev", 2},
      {"mars", 3},      {"avril", 4},    {"avr", 4},     {"mai", 5},       {"juin", 6},
      {"juillet", 7},   {"juil", 7},     {"aout", 8},    {"septembre", 9}, {"sept", 9},
      {"sep", 9},       {"octobre", 10}, {"oct", 10},    {"novembre", 11}, {"nov", 11},
      {"decembre", 12}, {"dec", 12},     {"jan", 1},     {"fevrie", 2},    {"juill", 7},
  }};
  for (const auto& m : kMonths) {
    if (m.name == folded) return m.month;
  }
  return 0;
}

bool is_weekday(std::string_view folded) {
  static constexpr std::array<std::string_view, 7> kDays{"lundi",    "mardi",  "mercredi", "jeudi",
                                                         "vendredi", "samedi", "dimanche"};
  for (auto d : kDays) {
    if (d == folded) return true;
  }
  return false;
}

}  // namespace

std::optional<Date> read_french_date(std::string_view s, std::size_t* used) {
  std::size_t i = skip_spaces(s, 0);
  // optional weekday
  {
    std::size_t e = word_end(s, i);
    if (e > i && is_weekday(fold_ascii(s.substr(i, e - i)))) i = skip_spaces(s, e);
  }
  if (i >= s.size() || !is_digit(s[i])) return std::nullopt;
  int a = 0;
  std::size_t na = read_number(s, i, 4, a);
  if (na == 0) return std::nullopt;
  std::size_t j = i + na;
  // ISO: 2019-06-27
  if (na == 4 && j < s.size() && s[j] == '-') {
    int m = 0;
    int d = 0;
    std::size_t nm = read_number(s, j + 1, 2, m);
    if (nm == 0 || j + 1 + nm >= s.size() || s[j + 1 + nm] != '-') return std::nullopt;
    std::size_t k = j + 2 + nm;
    std::size_t nd = read_number(s, k, 2, d);
    if (nd == 0 || !valid_date(a, m, d)) return std::nullopt;
    if (used != nullptr) *used = k + nd;
    return Date{a, m, d};
  }
  if (na > 2) return std::nullopt;
  // numeric: 03/06/2020, 3.6.2020, 03-06-2020
  if (j < s.size() && (s[j] == '/' || s[j] == '.' || s[j] == '-')) {
    char sep = s[j];
    int m = 0;
    std::size_t nm = read_number(s, j + 1, 2, m);
    if (nm == 0) return std::nullopt;
    std::size_t k = j + 1 + nm;
    if (k >= s.size() || s[k] != sep) return std::nullopt;
    int y = 0;
    std::size_t ny = read_number(s, k + 1, 4, y);
    if (ny == 2) {
      y += 2000;
    } else if (ny != 4) {
      return std::nullopt;
    }
    if (!valid_date(y, m, a)) return std::nullopt;
    if (used != nullptr) *used = k + 1 + ny;
    return Date{y, m, a};
  }
  // textual: 1er juillet 2019, 23 janvier 2019
  std::size_t k = j;
  if (k + 2 <= s.size() && (s.substr(k, 2) == "er" || s.substr(k, 2) == "ER"))
    k += 2;
  else if (s.substr(k).starts_with("\xE1\xB5\x89\xCA\xB3"))
    k += 5;  // ᵉʳ
  std::size_t ms = skip_spaces(s, k);
  if (ms == k && k == j) return std::nullopt;  // "23janvier": accept only with a space
  std::size_t me = word_end(s, ms);
  if (me == ms) return std::nullopt;
  int month = month_from_word(fold_ascii(s.substr(ms, me - ms)));
  if (month == 0) return std::nullopt;
  if (me < s.size() && s[me] == '.') ++me;
  std::size_t ys = skip_spaces(s, me);
  int y = 0;
  std::size_t ny = read_number(s, ys, 4, y);
  if (ny != 4 || ys == me) return std::nullopt;
  if (!valid_date(y, month, a)) return std::nullopt;
  if (used != nullptr) *used = ys + 4;
  return Date{y, month, a};
}

std::optional<Date> find_french_date(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (!is_digit(s[i]) || (i > 0 && is_digit(s[i - 1]))) continue;
    if (auto d = read_french_date(s.substr(i))) return d;
  }
  return std::nullopt;
}

// --- SHA-256 ----------------------------------------------------------------------------------
// From libmd (Debian libmd0, the BSD message digest functions) rather than libcrypto:
// OpenSSL's first EVP_Digest loads its providers and configuration (about 5 M instructions),
// and linking libcrypto costs the dynamic linker 21 000 relocations at every start, for one
// hash of the input per document. libmd is a few kilobytes with no set-up.

std::string sha256_hex(std::string_view bytes) {
  SHA2_CTX ctx;
  SHA256Init(&ctx);
  SHA256Update(&ctx, reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  std::array<std::uint8_t, SHA256_DIGEST_LENGTH> digest{};
  SHA256Final(digest.data(), &ctx);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "sha256:";
  out.reserve(7 + 2 * digest.size());
  for (std::uint8_t byte : digest) {
    out.push_back(kHex[byte >> 4]);
    out.push_back(kHex[byte & 0x0F]);
  }
  return out;
}

}  // namespace conventiond::document_detail

namespace conventiond::document_detail {

namespace {

struct DateKeyword {
  std::string_view text;
  bool update;
};

constexpr std::array<DateKeyword, 16> kDateKeywords{{
    {"date de publication", false},
    {"date de mise a jour", true},
    {"derniere mise a jour", true},
    {"mis en ligne le", false},
    {"mise en ligne le", false},
    {"mis a jour le", true},
    {"mise a jour le", true},
    {"mis a jour", true},
    {"publie le", false},
    {"publiee le", false},
    {"publie", false},
    {"modifie le", true},
    {"actualise le", true},
    {"cree le", false},
    {"publication", false},
    {"mise a jour", true},
}};

bool is_sep_char(char c) noexcept {
  return c == ' ' || c == '|' || c == '-' || c == ',' || c == ';' || c == '/' || c == '(' ||
         c == ')' || c == '.' || c == ':' || c == '\xE2' || c == '\x80' || c == '\x93' ||
         c == '\x94';
}

}  // namespace

bool read_date_line(std::string_view text, std::optional<Date>& published,
                    std::optional<Date>& updated) {
  if (text.size() > 160 || text.size() < 8) return false;
  if (std::none_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return false;
  static constexpr std::array<std::string_view, 7> kStems{
      "ubli", "jour", "ligne", "odifi", "ctualis", "ree le", "r\xC3\xA9\xC3\xA9"};
  if (std::none_of(kStems.begin(), kStems.end(),
                   [&](std::string_view k) { return text.find(k) != std::string_view::npos; })) {
    return false;
  }
  std::string f = fold_ascii(text);
  std::size_t i = 0;
  std::size_t other = 0;
  std::optional<Date> pub;
  std::optional<Date> upd;
  bool any = false;
  while (i < f.size()) {
    if (is_sep_char(f[i])) {
      ++i;
      continue;
    }
    const DateKeyword* kw = nullptr;
    for (const auto& k : kDateKeywords) {
      if (std::string_view(f).substr(i).starts_with(k.text)) {
        kw = &k;
        break;
      }
    }
    if (kw == nullptr) {
      if (!any) return false;  // the line must open with the statement
      // skip a word that is not part of a date statement ("par", an author name)
      std::size_t j = i;
      while (j < f.size() && !is_sep_char(f[j])) ++j;
      other += j - i;
      i = j;
      continue;
    }
    std::size_t j = i + kw->text.size();
    while (j < f.size() && (f[j] == ' ' || f[j] == ':')) ++j;
    if (std::string_view(f).substr(j).starts_with("le ")) j += 3;
    std::size_t used = 0;
    auto d = read_french_date(std::string_view(f).substr(j), &used);
    if (!d) {
      if (!any) return false;
      other += j - i;
      i = j;
      continue;
    }
    any = true;
    if (kw->update) {
      if (!upd) upd = d;
    } else if (!pub) {
      pub = d;
    }
    j += used;
    // optional time: "à 10h30", "10:30"
    while (j < f.size() && (f[j] == ' ' || f[j] == 'a' || f[j] == '-' || f[j] == ',')) {
      if (f[j] == 'a' && !(j + 1 < f.size() && f[j + 1] == ' ')) break;
      ++j;
    }
    std::size_t t = j;
    while (t < f.size() && ((f[t] >= '0' && f[t] <= '9') || f[t] == 'h' || f[t] == ':')) ++t;
    if (t > j && t - j <= 5) j = t;
    i = j;
  }
  if (!any || other > 40) return false;
  if (pub && !published) published = pub;
  if (upd && !updated) updated = upd;
  return true;
}

std::optional<Date> read_dateline(std::string_view text) {
  if (text.size() > 80 || text.size() < 8) return std::nullopt;
  // "<Place>, le <date>" or "<Place> le <date>"; the place starts with a capital letter.
  auto c0 = static_cast<unsigned char>(text[0]);
  if (!((c0 >= 'A' && c0 <= 'Z') || c0 >= 0xC3)) return std::nullopt;
  std::string f = fold_ascii(text);
  std::size_t p = f.find(" le ");
  if (p == std::string::npos || p == 0 || p > 50) return std::nullopt;
  for (std::size_t k = 0; k < p; ++k) {
    char c = f[k];
    bool ok = (c >= 'a' && c <= 'z') || c == ' ' || c == '-' || c == '\'' || c == ',' || c == '.' ||
              c == '(' || c == ')' || static_cast<unsigned char>(c) >= 0x80;
    if (!ok) return std::nullopt;
  }
  std::size_t used = 0;
  auto d = read_french_date(std::string_view(f).substr(p + 4), &used);
  if (!d) return std::nullopt;
  std::size_t rest = p + 4 + used;
  while (rest < f.size() && (f[rest] == ' ' || f[rest] == '.')) ++rest;
  if (rest != f.size()) return std::nullopt;
  return d;
}

std::string detect_language(std::string_view text) {
  static constexpr std::array<std::string_view, 12> kFr{" le ",   " la ",  " les ", " des ",
                                                        " et ",   " du ",  " une ", " pour ",
                                                        " dans ", " est ", " aux ", " avec "};
  static constexpr std::array<std::string_view, 8> kEn{" the ", " and ", " of ",   " to ",
                                                       " is ",  " for ", " with ", " that "};
  std::string_view sample = text.substr(0, std::min<std::size_t>(text.size(), 8000));
  std::size_t fr = 0;
  std::size_t en = 0;
  for (auto w : kFr) {
    for (std::size_t p = sample.find(w); p != std::string_view::npos; p = sample.find(w, p + 1))
      ++fr;
  }
  for (auto w : kEn) {
    for (std::size_t p = sample.find(w); p != std::string_view::npos; p = sample.find(w, p + 1))
      ++en;
  }
  return (fr >= 5 && fr > 2 * en) ? "fr" : "";
}

}  // namespace conventiond::document_detail
