#include <conventiond/extract/text_document.hpp>

namespace conventiond {

std::string TextDocument::plain_text() const {
  std::size_t total = 0;
  for (const auto& b : blocks) total += b.text.size() + 1;
  std::string out;
  out.reserve(total);
  for (const auto& b : blocks) {
    if (!out.empty()) out.push_back('\n');
    if (b.kind == BlockKind::table_row && b.cell_count() > 0) {
      out.append(b.joined_cells());
    } else {
      out.append(b.text);
    }
  }
  return out;
}

std::vector<std::string> TextBlock::cells() const {
  std::vector<std::string> out;
  out.reserve(cell_count());
  for (std::size_t i = 0; i < cell_count(); ++i) out.emplace_back(cell(i));
  return out;
}

void TextBlock::set_cells(const std::vector<std::string>& cells) {
  std::size_t bytes = 0;
  for (const std::string& c : cells) bytes += c.size() + 3;
  text.clear();
  text.reserve(bytes);
  cell_spans.clear();
  cell_spans.reserve(cells.size());
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (i > 0) text.append(" |");
    if (!cells[i].empty() && i > 0) text.push_back(' ');
    cell_spans.push_back({static_cast<std::uint32_t>(text.size()), static_cast<std::uint32_t>(cells[i].size())});
    text.append(cells[i]);
  }
}

std::string TextBlock::joined_cells() const {
  std::string out;
  for (std::size_t i = 0; i < cell_count(); ++i) {
    if (i > 0) out.append(" |");
    const std::string_view c = cell(i);
    if (!c.empty()) {
      if (i > 0) out.push_back(' ');
      out.append(c);
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
