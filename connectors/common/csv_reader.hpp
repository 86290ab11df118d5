#pragma once
// A small, strict RFC 4180 reader for the CSV files of French open-data portals.
//
//   auto table = conventiond::feeds::read_csv(bytes);          // separator detected
//   if (!table.ok()) ... table.error().message                 // "line 12, column 3: ..."
//
// What it accepts: fields separated by ';' or ',' (detected on the header line outside
// quotes, or given), quoted fields with doubled quotes inside and line breaks inside, CRLF or
// LF line ends, a final line with or without its line end, a UTF-8 byte order mark. A file
// that is not valid UTF-8 is read as Latin-1 (ISO-8859-1) and converted to UTF-8 (the
// `encoding` of the result says which). What it refuses, with the line and column: a quote
// inside an unquoted field, text after a closing quote, a quoted field left open at the end,
// a bare CR, a row whose number of fields differs from the header's, an empty or duplicate
// column name, a NUL byte. Blank lines are skipped.
//
// (Debian 12 has libcsv-dev 3.0.3, unchanged upstream since 2013, lenient by default and
// without positions in its errors or any encoding handling: this reader is what the feeds
// need, in one header.)

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <conventiond/result.hpp>

namespace conventiond::feeds {

struct CsvTable {
  std::vector<std::string> header;             // column names (trimmed of ASCII spaces)
  std::vector<std::vector<std::string>> rows;  // every row has header.size() fields
  std::vector<std::size_t> row_lines;          // the line (1-based) each row starts on
  char separator = ';';
  std::string encoding;                        // "UTF-8" or "ISO-8859-1"

  // The index of column name, or nullopt.
  std::optional<std::size_t> column(std::string_view name) const {
    for (std::size_t i = 0; i < header.size(); ++i) {
      if (header[i] == name) return i;
    }
    return std::nullopt;
  }
};

namespace detail {

inline bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    if (c < 0x80) {
      n = 1;
    } else if (c >= 0xC2 && c <= 0xDF) {
      n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 3;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 4;
    } else {
      return false;
    }
    if (i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    if (n == 3) {
      const auto c1 = static_cast<unsigned char>(s[i + 1]);
      if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 > 0x9F)) return false;
    }
    if (n == 4) {
      const auto c1 = static_cast<unsigned char>(s[i + 1]);
      if ((c == 0xF0 && c1 < 0x90) || (c == 0xF4 && c1 > 0x8F)) return false;
    }
    i += n;
  }
  return true;
}

inline std::string latin1_to_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size() + s.size() / 8);
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x80) {
      out.push_back(ch);
    } else {
      out.push_back(static_cast<char>(0xC0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
  return out;
}

// The separator of the header line: ';' or ',', whichever appears more outside quotes.
inline char detect_separator(std::string_view text) {
  std::size_t semicolons = 0;
  std::size_t commas = 0;
  bool quoted = false;
  for (const char c : text) {
    if (c == '"') quoted = !quoted;
    if (quoted) continue;
    if (c == '\n') break;
    if (c == ';') ++semicolons;
    if (c == ',') ++commas;
  }
  return commas > semicolons ? ',' : ';';
}

inline std::string trim_ascii(std::string s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string::npos) return {};
  const auto last = s.find_last_not_of(" \t");
  return s.substr(first, last - first + 1);
}

}  // namespace detail

// Reads a whole CSV file. separator: ';', ',' or 0 to detect it. name: how errors name the
// input (a URL, a file name).
inline Result<CsvTable> read_csv(std::string_view bytes, char separator = 0,
                                 std::string_view name = "CSV") {
  CsvTable table;
  std::string converted;
  std::string_view text = bytes;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  if (detail::valid_utf8(text)) {
    table.encoding = "UTF-8";
  } else {
    converted = detail::latin1_to_utf8(text);
    text = converted;
    table.encoding = "ISO-8859-1";
  }
  table.separator = separator != 0 ? separator : detail::detect_separator(text);
  const char sep = table.separator;

  std::size_t line = 1;
  std::size_t column = 1;  // field number within the row
  auto fail = [&](const std::string& what) {
    return Error{"parse", std::string(name) + ": line " + std::to_string(line) + ", column " +
                              std::to_string(column) + ": " + what};
  };

  std::vector<std::string> row;
  std::string field;
  std::size_t row_line = 1;
  bool row_has_content = false;  // something besides an empty first field
  bool have_header = false;

  auto end_row = [&]() -> std::optional<Error> {
    row.push_back(std::move(field));
    field.clear();
    const bool blank = row.size() == 1 && row[0].empty() && !row_has_content;
    if (!blank) {
      if (!have_header) {
        for (std::size_t i = 0; i < row.size(); ++i) {
          std::string h = detail::trim_ascii(row[i]);
          column = i + 1;
          if (h.empty()) return fail("empty column name");
          for (const std::string& seen : table.header) {
            if (seen == h) return fail("duplicate column name '" + h + "'");
          }
          table.header.push_back(std::move(h));
        }
        have_header = true;
      } else {
        if (row.size() != table.header.size()) {
          column = row.size();
          return Error{"parse", std::string(name) + ": line " + std::to_string(row_line) + ": " +
                                    std::to_string(row.size()) + " fields, the header has " +
                                    std::to_string(table.header.size())};
        }
        table.rows.push_back(std::move(row));
        table.row_lines.push_back(row_line);
      }
    }
    row.clear();
    row_has_content = false;
    column = 1;
    return std::nullopt;
  };

  std::size_t i = 0;
  while (i < text.size()) {
    // One field starts at i.
    if (text[i] == '"') {
      row_has_content = true;
      const std::size_t open_line = line;
      ++i;
      while (true) {
        if (i >= text.size()) {
          line = open_line;
          return fail("quoted field not closed at the end of the file");
        }
        const char c = text[i];
        if (c == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') {
            field.push_back('"');
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        if (c == '\0') return fail("NUL byte");
        if (c == '\n') ++line;
        field.push_back(c);
        ++i;
      }
      if (i < text.size() && text[i] != sep && text[i] != '\n' && text[i] != '\r') {
        return fail("text after the closing quote");
      }
    } else {
      while (i < text.size() && text[i] != sep && text[i] != '\n' && text[i] != '\r') {
        if (text[i] == '"') return fail("quote inside an unquoted field");
        if (text[i] == '\0') return fail("NUL byte");
        field.push_back(text[i]);
        ++i;
      }
      if (!field.empty()) row_has_content = true;
    }
    // After the field: a separator, a line end, or the end of the file.
    if (i >= text.size()) break;
    if (text[i] == sep) {
      row_has_content = true;
      row.push_back(std::move(field));
      field.clear();
      ++column;
      ++i;
      if (i >= text.size()) break;  // "a;b;" at the very end: an empty last field
      continue;
    }
    if (text[i] == '\r') {
      if (i + 1 >= text.size() || text[i + 1] != '\n') return fail("bare CR (not followed by LF)");
      ++i;
    }
    ++i;  // '\n'
    if (auto e = end_row()) return *e;
    ++line;
    row_line = line;
  }
  if (row_has_content || !row.empty() || !field.empty()) {
    if (auto e = end_row()) return *e;
  }
  if (!have_header) return Error{"parse", std::string(name) + ": empty file (no header line)"};
  return table;
}

}  // namespace conventiond::feeds
