#pragma once
// PDF documents (poppler-cpp, physical layout) to a TextDocument: running page headers and
// footers dropped, paragraphs rejoined, table rows kept as cells.

#include <string_view>

#include <conventiond/extract/limits.hpp>
#include <conventiond/extract/text_document.hpp>
#include <conventiond/result.hpp>

namespace conventiond {

Result<TextDocument> parse_pdf(std::string_view bytes, std::string_view name,
                               const ExtractLimits& limits = {});

}  // namespace conventiond
