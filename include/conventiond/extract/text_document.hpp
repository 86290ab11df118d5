#pragma once
// A document reduced to its main content as structured, cleaned UTF-8 text: what every
// extraction rule reads, whatever the source format (HTML, PDF, plain text).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <conventiond/model/date.hpp>

namespace conventiond {

enum class BlockKind { title, heading, paragraph, list_item, table_row, dateline };

// A table cell: bytes [begin, begin + size) of its row's text.
struct CellSpan {
  std::uint32_t begin = 0;
  std::uint32_t size = 0;
  bool operator==(const CellSpan&) const = default;
};

struct TextBlock {
  BlockKind kind = BlockKind::paragraph;
  std::string text;                  // the block's text, whitespace collapsed, UTF-8
  std::vector<CellSpan> cell_spans;  // for table_row: the cells, in order, as ranges of text
  int page = 0;                      // 1-based page for PDF, 0 otherwise

  std::size_t cell_count() const noexcept { return cell_spans.size(); }
  // Cell i (i < cell_count()), in text: valid while the block is not changed.
  std::string_view cell(std::size_t i) const noexcept {
    return std::string_view(text).substr(cell_spans[i].begin, cell_spans[i].size);
  }
  // The cells as strings (copies).
  std::vector<std::string> cells() const;
  // A table row of these cells: text = join_cells(cells), the spans where each cell is in it.
  void set_cells(const std::vector<std::string>& cells);
  // The cells joined as join_cells() does (the row's line in plain_text()).
  std::string joined_cells() const;
};

// A table: a run of consecutive table_row blocks, header rows included. Its rows have one
// cell per column ("" where a row has nothing in that column), so cells[i] of a data row
// lines up with cells[i] of the header rows above it.
struct TextTable {
  std::size_t first_block = 0;  // index in TextDocument::blocks
  std::size_t block_count = 0;
  std::vector<double> column_x;  // PDF: left x (points) of each column; empty for HTML
};

// Cells joined by " | " (an empty cell leaves "| |"): the text of a table_row block.
std::string join_cells(const std::vector<std::string>& cells);

struct TextDocument {
  std::string title;
  std::string site_name;             // the publisher: og:site_name, or the <title> after the headline
  std::string media_type;            // "text/html", "application/pdf", "text/plain"
  std::string language;              // "fr" when detected or declared
  std::string source_encoding;       // encoding the bytes were decoded from ("windows-1252")
  std::string content_hash;          // "sha256:<hex>" of the raw input bytes
  std::optional<Date> published_on;  // stated publication date (meta, "Publié le", dateline)
  std::optional<Date> updated_on;    // "Mis à jour le ..." when stated
  std::vector<TextBlock> blocks;     // main content only, in reading order
  std::vector<TextTable> tables;     // the table_row runs of blocks, in order
  std::vector<std::string> warnings;

  // All blocks' text joined by "\n" (table rows: cells joined by " | ").
  std::string plain_text() const;
};

}  // namespace conventiond
