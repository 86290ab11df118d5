#include <conventiond/extract/text_document.hpp>

namespace conventiond {

std::string TextDocument::plain_text() const {
  std::size_t total = 0;
  for (const auto& b : blocks) total += b.text.size() + 1;
  std::string out;
  out.reserve(total);
  for (const auto& b : blocks) {
    if (!out.empty()) out.push_back('\n');
    if (b.kind == BlockKind::table_row && !b.cells.empty()) {
      out.append(join_cells(b.cells));
    } else {
      out.append(b.text);
    }
  }
  return out;
}

std::string join_cells(const std::vector<std::string>& cells) {
  std::string out;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (i > 0) out.append(" |");
    if (!cells[i].empty()) {
      if (i > 0) out.push_back(' ');
      out.append(cells[i]);
    }
  }
  return out;
}

}  // namespace conventiond
