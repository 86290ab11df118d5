// Charset labels and decoding to UTF-8 (WHATWG Encoding Standard subset).

#include <conventiond/extract/encoding.hpp>

#include <array>
#include <cstdint>

#include "document/utf8_util.hpp"

namespace conventiond {
namespace {

char ascii_lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool is_label_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

struct Label {
  std::string_view label;
  std::string_view name;
};

// WHATWG labels of the encodings this project decodes.
constexpr std::array<Label, 46> kLabels{{
    {"unicode-1-1-utf-8", "utf-8"},
    {"unicode11utf8", "utf-8"},
    {"unicode20utf8", "utf-8"},
    {"utf-8", "utf-8"},
    {"utf8", "utf-8"},
    {"x-unicode20utf8", "utf-8"},
    {"ansi_x3.4-1968", "windows-1252"},
    {"ascii", "windows-1252"},
    {"cp1252", "windows-1252"},
    {"cp819", "windows-1252"},
    {"csisolatin1", "windows-1252"},
    {"ibm819", "windows-1252"},
    {"iso-8859-1", "windows-1252"},
    {"iso-ir-100", "windows-1252"},
    {"iso8859-1", "windows-1252"},
    {"iso88591", "windows-1252"},
    {"iso_8859-1", "windows-1252"},
    {"iso_8859-1:1987", "windows-1252"},
    {"l1", "windows-1252"},
    {"latin1", "windows-1252"},
    {"us-ascii", "windows-1252"},
    {"windows-1252", "windows-1252"},
    {"x-cp1252", "windows-1252"},
    {"csisolatin9", "iso-8859-15"},
    {"iso-8859-15", "iso-8859-15"},
    {"iso8859-15", "iso-8859-15"},
    {"iso885915", "iso-8859-15"},
    {"iso_8859-15", "iso-8859-15"},
    {"l9", "iso-8859-15"},
    {"latin9", "iso-8859-15"},
    {"latin-9", "iso-8859-15"},
    {"csunicode", "utf-16le"},
    {"iso-10646-ucs-2", "utf-16le"},
    {"ucs-2", "utf-16le"},
    {"unicode", "utf-16le"},
    {"unicodefeff", "utf-16le"},
    {"utf-16", "utf-16le"},
    {"utf-16le", "utf-16le"},
    {"unicodefffe", "utf-16be"},
    {"utf-16be", "utf-16be"},
    {"latin-1", "windows-1252"},
    {"iso-8859-1:1987", "windows-1252"},
    {"utf_8", "utf-8"},
    {"win-1252", "windows-1252"},
    {"ms-ansi", "windows-1252"},
    {"x-utf-8", "utf-8"},
}};

// windows-1252 bytes 0x80..0x9F (WHATWG index; undefined bytes map to the C1 control).
constexpr std::array<char32_t, 32> kCp1252High{{
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
}};

char32_t latin9(unsigned char b) noexcept {
  switch (b) {
    case 0xA4:
      return 0x20AC;
    case 0xA6:
      return 0x0160;
    case 0xA8:
      return 0x0161;
    case 0xB4:
      return 0x017D;
    case 0xB8:
      return 0x017E;
    case 0xBC:
      return 0x0152;
    case 0xBD:
      return 0x0153;
    case 0xBE:
      return 0x0178;
    default:
      return b;
  }
}

// Copies the longest run of ASCII bytes starting at i; returns the new index.
std::size_t copy_ascii(std::string_view in, std::size_t i, std::string& out) {
  std::size_t j = i;
  while (j < in.size() && static_cast<unsigned char>(in[j]) < 0x80) ++j;
  out.append(in.data() + i, j - i);
  return j;
}

std::string decode_single_byte(std::string_view in, bool latin9_table) {
  std::string out;
  out.reserve(in.size() + in.size() / 8);
  std::size_t i = 0;
  while (i < in.size()) {
    i = copy_ascii(in, i, out);
    if (i >= in.size()) break;
    auto b = static_cast<unsigned char>(in[i++]);
    char32_t cp = latin9_table ? latin9(b) : (b < 0xA0 ? kCp1252High[b - 0x80u] : char32_t{b});
    document_detail::append_utf8(out, cp);
  }
  return out;
}

std::string decode_utf8(std::string_view in, std::size_t& replaced) {
  std::string out;
  out.reserve(in.size());
  std::size_t i = 0;
  if (in.size() >= 3 && in.substr(0, 3) == "\xEF\xBB\xBF") i = 3;
  while (i < in.size()) {
    i = copy_ascii(in, i, out);
    if (i >= in.size()) break;
    std::size_t len = document_detail::valid_utf8_sequence(in, i);
    if (len > 0) {
      out.append(in.data() + i, len);
      i += len;
    } else {
      out.append(document_detail::kReplacement);
      ++replaced;
      i += document_detail::maximal_subpart(in, i);
    }
  }
  return out;
}

std::string decode_utf16(std::string_view in, bool big_endian, std::size_t& replaced) {
  std::string out;
  out.reserve(in.size());
  std::size_t i = 0;
  auto unit = [&](std::size_t k) -> char32_t {
    auto a = static_cast<unsigned char>(in[k]);
    auto b = static_cast<unsigned char>(in[k + 1]);
    return big_endian ? static_cast<char32_t>((a << 8) | b) : static_cast<char32_t>((b << 8) | a);
  };
  if (in.size() >= 2 && unit(0) == 0xFEFF) i = 2;
  while (i + 1 < in.size()) {
    char32_t u = unit(i);
    i += 2;
    if (u >= 0xD800 && u <= 0xDBFF) {
      if (i + 1 < in.size()) {
        char32_t lo = unit(i);
        if (lo >= 0xDC00 && lo <= 0xDFFF) {
          i += 2;
          document_detail::append_utf8(out, 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00));
          continue;
        }
      }
      out.append(document_detail::kReplacement);
      ++replaced;
    } else if (u >= 0xDC00 && u <= 0xDFFF) {
      out.append(document_detail::kReplacement);
      ++replaced;
    } else {
      document_detail::append_utf8(out, u);
    }
  }
  if (i < in.size()) {  // odd trailing byte
    out.append(document_detail::kReplacement);
    ++replaced;
  }
  return out;
}

}  // namespace

std::string canonical_charset(std::string_view label) {
  while (!label.empty() && is_label_space(label.front())) label.remove_prefix(1);
  while (!label.empty() && is_label_space(label.back())) label.remove_suffix(1);
  if (label.size() >= 2 && (label.front() == '"' || label.front() == '\'') &&
      label.back() == label.front()) {
    label = label.substr(1, label.size() - 2);
  }
  if (label.empty() || label.size() > 40) return {};
  std::string lower;
  lower.reserve(label.size());
  for (char c : label) lower.push_back(ascii_lower(c));
  for (const auto& l : kLabels) {
    if (l.label == lower) return std::string(l.name);
  }
  return {};
}

Result<std::string> to_utf8(std::string_view bytes, std::string_view charset,
                            std::size_t* replaced) {
  std::string name = canonical_charset(charset);
  std::size_t count = 0;
  std::string out;
  if (name == "utf-8") {
    out = decode_utf8(bytes, count);
  } else if (name == "windows-1252") {
    out = decode_single_byte(bytes, false);
  } else if (name == "iso-8859-15") {
    out = decode_single_byte(bytes, true);
  } else if (name == "utf-16le") {
    out = decode_utf16(bytes, false, count);
  } else if (name == "utf-16be") {
    out = decode_utf16(bytes, true, count);
  } else {
    return Error{"encoding", "unsupported charset '" + std::string(charset.substr(0, 40)) + "'"};
  }
  if (replaced != nullptr) *replaced = count;
  return out;
}

bool is_valid_utf8(std::string_view bytes) noexcept {
  std::size_t i = 0;
  while (i < bytes.size()) {
    if (static_cast<unsigned char>(bytes[i]) < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = document_detail::valid_utf8_sequence(bytes, i);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

}  // namespace conventiond
