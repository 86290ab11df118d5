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
//
// Memory does not grow with the page count: past memory_budget bytes of lines, a page's
// lines go to a temporary file until finish reads them back, one page at a time (in memory
// when no temporary file can be written). What stays in memory for every page is its few
// running header/footer candidates (at most 3 top and 3 bottom lines), and for the whole
// document the text by line height (for the body size). finish holds only the pages of
// what it has not emitted yet (a table running over pages holds its pages).
class PdfLayout {
 public:
  static constexpr std::size_t kDefaultMemoryBudget = std::size_t{256} << 10;
  explicit PdfLayout(std::size_t memory_budget = kDefaultMemoryBudget);
  ~PdfLayout();
  PdfLayout(const PdfLayout&) = delete;
  PdfLayout& operator=(const PdfLayout&) = delete;
  void add_page(const PdfPage& page);
  void finish(TextDocument& doc, std::size_t max_text_bytes, std::string_view name);

  // What the pages added so far hold in memory (for tests).
  struct Held {
    std::size_t pages = 0;            // added
    std::size_t pages_in_memory = 0;  // whose lines are in memory
    std::size_t lines_in_memory = 0;
    std::size_t pages_spilled = 0;    // whose lines are in the temporary file
    std::size_t candidate_lines = 0;  // running header/footer candidates, all pages
  };
  Held held() const;

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace conventiond::document_detail
