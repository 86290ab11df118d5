#include "facts/folded_text.hpp"

#include <array>
#include <cstdint>

namespace conventiond::extract_detail {
namespace {

// Folding of the Latin-1 supplement block U+00C0..U+00FF ("" = keep the character as is).
constexpr std::array<std::string_view, 64> kLatin1Fold = {
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",   // C0-CF
    "d", "n", "o", "o", "o", "o", "o", "",  "o", "u", "u", "u", "u", "y", "",  "ss",  // D0-DF
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",   // E0-EF
    "d", "n", "o", "o", "o", "o", "o", "",  "o", "u", "u", "u", "u", "y", "",  "y",   // F0-FF
};

// Decodes one UTF-8 sequence at s[i]; returns its code point and sets len (1 for bad bytes).
char32_t decode(std::string_view s, std::size_t i, std::size_t& len) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  auto cont = [&](std::size_t k) {
    return i + k < s.size() && (static_cast<unsigned char>(s[i + k]) & 0xC0u) == 0x80u;
  };
  auto byte = [&](std::size_t k) { return static_cast<char32_t>(static_cast<unsigned char>(s[i + k]) & 0x3Fu); };
  if (b0 < 0x80u) { len = 1; return b0; }
  if ((b0 & 0xE0u) == 0xC0u && cont(1)) { len = 2; return (static_cast<char32_t>(b0 & 0x1Fu) << 6) | byte(1); }
  if ((b0 & 0xF0u) == 0xE0u && cont(1) && cont(2)) {
    len = 3;
    return (static_cast<char32_t>(b0 & 0x0Fu) << 12) | (byte(1) << 6) | byte(2);
  }
  if ((b0 & 0xF8u) == 0xF0u && cont(1) && cont(2) && cont(3)) {
    len = 4;
    return (static_cast<char32_t>(b0 & 0x07u) << 18) | (byte(1) << 12) | (byte(2) << 6) | byte(3);
  }
  len = 1;
  return 0xFFFD;
}

std::string_view fold_code_point(char32_t c) {
  if (c >= 0xC0 && c <= 0xFF) return kLatin1Fold[c - 0xC0];
  switch (c) {
    case 0x152: case 0x153: return "oe";
    case 0x178: return "y";
    case 0xA0: case 0x202F: case 0x2009: case 0x2007: case 0x2002: case 0x2003: return " ";
    case 0x2019: case 0x2018: case 0x2BC: case 0x2032: case 0x60: case 0xB4: return "'";
    case 0xAB: case 0xBB: case 0x201C: case 0x201D: case 0x201E: return "\"";
    case 0x2010: case 0x2011: case 0x2012: case 0x2013: case 0x2014: case 0x2212: return "-";
    case 0xAD: case 0x200B: return "\x01";  // soft hyphen, zero-width space: dropped
    default: return "";
  }
}

bool is_upper_code_point(char32_t c) {
  return (c >= 'A' && c <= 'Z') || (c >= 0xC0 && c <= 0xDE && c != 0xD7) || c == 0x152 ||
         c == 0x178;
}

// Folds `s` into out[0..), calling mark(folded index, original offset) for every folded byte;
// returns the folded size. Folding never lengthens the text (every non-ASCII character takes
// at least two bytes and folds to at most two), so out needs s.size() bytes.
template <class Mark>
std::size_t fold_into(std::string_view s, char* out, Mark mark) {
  std::size_t n = 0;
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x80u) {
      mark(n, i);
      out[n++] = static_cast<char>(b >= 'A' && b <= 'Z' ? b + 32 : b);
      ++i;
      continue;
    }
    std::size_t len = 1;
    const char32_t c = decode(s, i, len);
    const std::string_view f = fold_code_point(c);
    if (f == "\x01") {
      // dropped
    } else if (f.empty()) {
      for (std::size_t k = 0; k < len; ++k) {
        mark(n, i);
        out[n++] = s[i + k];
      }
    } else {
      for (char fc : f) {
        mark(n, i);
        out[n++] = fc;
      }
    }
    i += len;
  }
  return n;
}

}  // namespace

FoldedText::FoldedText(std::string_view original) : original_(original) {
  folded_.resize(original.size());
  offsets_.resize(original.size() + 1);
  std::size_t* offsets = offsets_.data();
  const std::size_t n =
      fold_into(original, folded_.data(), [offsets](std::size_t k, std::size_t i) { offsets[k] = i; });
  folded_.resize(n);
  offsets_[n] = original.size();
  offsets_.resize(n + 1);
}

std::string_view FoldedText::original_slice(std::size_t begin, std::size_t end) const noexcept {
  const std::size_t b = offsets_[begin];
  // The end maps to the start of the character after the range.
  std::size_t e = end < folded_.size() ? offsets_[end] : original_.size();
  if (e < b) e = b;
  return original_.substr(b, e - b);
}

bool FoldedText::is_upper_at(std::size_t i) const noexcept {
  if (i >= folded_.size()) return false;
  std::size_t len = 1;
  return is_upper_code_point(decode(original_, offsets_[i], len));
}

std::string fold(std::string_view s) {
  std::string out(s.size(), '\0');
  out.resize(fold_into(s, out.data(), [](std::size_t, std::size_t) {}));
  return out;
}

std::size_t fold_to(std::string_view s, char* out) noexcept {
  return fold_into(s, out, [](std::size_t, std::size_t) {});
}

bool is_word_byte(char c) noexcept {
  const auto u = static_cast<unsigned char>(c);
  return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || u >= 0x80u;
}

bool whole_word_at(std::string_view folded, std::size_t pos, std::size_t len) noexcept {
  if (pos > 0 && is_word_byte(folded[pos - 1])) return false;
  const std::size_t end = pos + len;
  return !(end < folded.size() && is_word_byte(folded[end]));
}

std::size_t find_word(std::string_view folded, std::string_view needle, std::size_t from) {
  for (std::size_t pos = folded.find(needle, from); pos != std::string_view::npos;
       pos = folded.find(needle, pos + 1)) {
    if (whole_word_at(folded, pos, needle.size())) return pos;
  }
  return std::string_view::npos;
}

}  // namespace conventiond::extract_detail
