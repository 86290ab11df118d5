#pragma once
// A document reduced to its main content as structured, cleaned UTF-8 text: what every
// extraction rule reads, whatever the source format (HTML, PDF, plain text).

#include <optional>
#include <string>
#include <vector>

#include <conventiond/model/date.hpp>

namespace conventiond {

enum class BlockKind { title, heading, paragraph, list_item, table_row, dateline };

struct TextBlock {
  BlockKind kind = BlockKind::paragraph;
  std::string text;                // the block's text, whitespace collapsed, UTF-8
  std::vector<std::string> cells;  // for table_row: the cells, in order (text joins them)
  int page = 0;                    // 1-based page for PDF, 0 otherwise
  // table_row only: the table the row belongs to (1-based within the document; the header
  // rows of a table carry the same number as its data rows) and, for PDF tables, the left x
  // (PDF points) of each cell's column. Rows of one table have one cell per column, "" where
  // the row has nothing in that column, so cells[i] lines up with the header rows' cells[i].
  int table = 0;
  std::vector<double> cell_x;
};

// Cells joined by " | " (an empty cell leaves "| |"): the text of a table_row block.
std::string join_cells(const std::vector<std::string>& cells);

struct TextDocument {
  std::string title;
  std::string media_type;            // "text/html", "application/pdf", "text/plain"
  std::string language;              // "fr" when detected or declared
  std::string source_encoding;       // encoding the bytes were decoded from ("windows-1252")
  std::string content_hash;          // "sha256:<hex>" of the raw input bytes
  std::optional<Date> published_on;  // stated publication date (meta, "Publié le", dateline)
  std::optional<Date> updated_on;    // "Mis à jour le ..." when stated
  std::vector<TextBlock> blocks;     // main content only, in reading order
  std::vector<std::string> warnings;

  // All blocks' text joined by "\n" (table rows: cells joined by " | ").
  std::string plain_text() const;
};

}  // namespace conventiond
