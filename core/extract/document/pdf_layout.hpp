#pragma once
// Page layout of PDF text (internal to conventiond::extract): positioned words to blocks.
// Separate from poppler so that it can be tested on synthetic pages.

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <conventiond/extract/text_document.hpp>

namespace conventiond::document_detail {

struct PdfWord {
  std::string text;  // UTF-8
  double x0 = 0;     // left
  double y0 = 0;     // top (y grows downwards, as poppler's text boxes)
  double x1 = 0;     // right
  double y1 = 0;     // bottom
  bool space_after = false;
};

struct PdfPage {
  int number = 0;  // 1-based
  double width = 0;
  double height = 0;
  std::vector<PdfWord> words;
};

// Lays the pages out into doc.blocks (reading order): lines from words, running headers and
// footers and page numbers dropped, tables (rows of cells aligned on columns, multi-line
// cells rejoined, header rows included) and paragraphs (lines rejoined, hyphenation undone),
// headings, list items and datelines ("Arras, le 18 décembre 2018", which also sets
// doc.published_on when unset). Text past max_text_bytes is cut with a warning.
void layout_pdf_pages(const std::vector<PdfPage>& pages, TextDocument& doc,
                      std::size_t max_text_bytes, std::string_view name);

// The same, page by page: add_page builds a page's lines at once, so that the caller can
// release the page's words (and poppler's page) before reading the next; finish lays them
// out exactly as layout_pdf_pages does.
class PdfLayout {
 public:
  PdfLayout();
  ~PdfLayout();
  PdfLayout(const PdfLayout&) = delete;
  PdfLayout& operator=(const PdfLayout&) = delete;
  void add_page(const PdfPage& page);
  void finish(TextDocument& doc, std::size_t max_text_bytes, std::string_view name);

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace conventiond::document_detail
