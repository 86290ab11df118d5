#pragma once
// Size and time limits applied to every parser of outside input.

#include <chrono>
#include <cstddef>

namespace conventiond {

struct ExtractLimits {
  std::size_t max_input_bytes = 64u * 1024u * 1024u;  // larger input is refused outright
  std::size_t max_text_bytes = 16u * 1024u * 1024u;   // extracted text is cut (with a warning)
  std::size_t max_pdf_pages = 500;                    // pages past this are not read (warning)
  std::size_t max_html_depth = 400;                   // deeper nesting is not walked
  std::size_t max_html_elements = 500000;             // more elements: refused (memory bound)
  std::chrono::milliseconds max_time{20000};          // wall time budget per document
};

}  // namespace conventiond
