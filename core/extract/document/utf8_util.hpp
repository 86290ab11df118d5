#pragma once
// Small UTF-8 helpers shared by the document parsers (internal).

#include <cstddef>
#include <string>
#include <string_view>

namespace conventiond::document_detail {

inline constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

inline void append_utf8(std::string& out, char32_t cp) {
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Bounds of the second byte of a sequence led by `lead` (Unicode table 3-7); false when
// `lead` cannot start a multi-byte sequence.
inline bool second_byte_range(unsigned char lead, unsigned char& lo, unsigned char& hi,
                              std::size_t& len) noexcept {
  lo = 0x80;
  hi = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    len = 2;
  } else if (lead == 0xE0) {
    len = 3;
    lo = 0xA0;
  } else if (lead >= 0xE1 && lead <= 0xEC) {
    len = 3;
  } else if (lead == 0xED) {
    len = 3;
    hi = 0x9F;
  } else if (lead >= 0xEE && lead <= 0xEF) {
    len = 3;
  } else if (lead == 0xF0) {
    len = 4;
    lo = 0x90;
  } else if (lead >= 0xF1 && lead <= 0xF3) {
    len = 4;
  } else if (lead == 0xF4) {
    len = 4;
    hi = 0x8F;
  } else {
    return false;
  }
  return true;
}

// Length of the well-formed sequence at s[i] (1..4), or 0 when ill-formed or truncated.
inline std::size_t valid_utf8_sequence(std::string_view s, std::size_t i) noexcept {
  auto lead = static_cast<unsigned char>(s[i]);
  if (lead < 0x80) return 1;
  unsigned char lo = 0;
  unsigned char hi = 0;
  std::size_t len = 0;
  if (!second_byte_range(lead, lo, hi, len)) return 0;
  if (i + len > s.size()) return 0;
  auto b1 = static_cast<unsigned char>(s[i + 1]);
  if (b1 < lo || b1 > hi) return 0;
  for (std::size_t k = 2; k < len; ++k) {
    auto b = static_cast<unsigned char>(s[i + k]);
    if (b < 0x80 || b > 0xBF) return 0;
  }
  return len;
}

// Length of the maximal subpart of an ill-formed sequence at s[i] (>= 1): the bytes that
// one U+FFFD replaces (W3C/Unicode "substitution of maximal subparts").
inline std::size_t maximal_subpart(std::string_view s, std::size_t i) noexcept {
  auto lead = static_cast<unsigned char>(s[i]);
  unsigned char lo = 0;
  unsigned char hi = 0;
  std::size_t len = 0;
  if (!second_byte_range(lead, lo, hi, len)) return 1;
  std::size_t k = 1;
  if (i + k >= s.size()) return k;
  auto b1 = static_cast<unsigned char>(s[i + 1]);
  if (b1 < lo || b1 > hi) return 1;
  ++k;
  while (k < len && i + k < s.size()) {
    auto b = static_cast<unsigned char>(s[i + k]);
    if (b < 0x80 || b > 0xBF) break;
    ++k;
  }
  return k;
}

// Decodes the code point at s[i] of valid UTF-8 (as produced by the decoders), advancing i.
// Ill-formed input yields U+FFFD and advances by one byte.
inline char32_t next_code_point(std::string_view s, std::size_t& i) noexcept {
  auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  std::size_t len = valid_utf8_sequence(s, i);
  if (len == 0) {
    ++i;
    return 0xFFFD;
  }
  char32_t cp = 0;
  if (len == 2) {
    cp = b0 & 0x1Fu;
  } else if (len == 3) {
    cp = b0 & 0x0Fu;
  } else {
    cp = b0 & 0x07u;
  }
  for (std::size_t k = 1; k < len; ++k)
    cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3Fu);
  i += len;
  return cp;
}

}  // namespace conventiond::document_detail
