#pragma once
// Plain UTF-8 (or legacy-encoded) text files to a TextDocument: blank lines separate
// paragraphs, short lines followed by a blank line are headings.

#include <string_view>

#include <conventiond/extract/limits.hpp>
#include <conventiond/extract/text_document.hpp>
#include <conventiond/result.hpp>

namespace conventiond {

Result<TextDocument> parse_plain_text(std::string_view bytes, std::string_view name,
                                      const ExtractLimits& limits = {});

}  // namespace conventiond
