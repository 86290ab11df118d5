#pragma once
// Fixture files of tests/fixtures/documents and small helpers for the document tests.

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <conventiond/extract/text_document.hpp>

namespace doctest_helpers {

inline std::string read_fixture(const std::string& rel) {
  std::ifstream f(std::string(CONVENTIOND_SOURCE_DIR) + "/tests/fixtures/documents/" + rel,
                  std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Whitespace collapsed, for comparing texts laid out differently.
inline std::string squash(std::string_view s) {
  std::string out;
  bool space = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    bool ws = c == ' ' || c == '\t' || c == '\n' || c == '\r';
    if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0xA0) {
      ws = true;
      ++i;
    }
    if (ws) {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(static_cast<char>(c));
  }
  return out;
}

inline bool contains(std::string_view hay, std::string_view needle) {
  return hay.find(needle) != std::string_view::npos;
}

inline const conventiond::TextBlock* find_block(const conventiond::TextDocument& d,
                                                std::string_view starts_with) {
  for (const auto& b : d.blocks) {
    if (b.text.starts_with(starts_with)) return &b;
  }
  return nullptr;
}

inline std::vector<const conventiond::TextBlock*> rows_starting(const conventiond::TextDocument& d,
                                                                std::string_view prefix) {
  std::vector<const conventiond::TextBlock*> out;
  for (const auto& b : d.blocks) {
    if (b.kind == conventiond::BlockKind::table_row && !b.cells().empty() &&
        b.cells()[0].starts_with(prefix)) {
      out.push_back(&b);
    }
  }
  return out;
}

}  // namespace doctest_helpers
