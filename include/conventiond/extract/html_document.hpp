#pragma once
// HTML pages (gumbo) to a TextDocument holding only the main content.

#include <string_view>

#include <conventiond/extract/limits.hpp>
#include <conventiond/extract/text_document.hpp>
#include <conventiond/result.hpp>

namespace conventiond {

// `content_type` is the HTTP Content-Type header when known ("text/html; charset=..."), else "".
// The encoding comes from the header, then a BOM, then <meta charset>/<meta http-equiv>, then
// a UTF-8 validity check, else windows-1252. `name` identifies the input in error messages.
Result<TextDocument> parse_html(std::string_view bytes, std::string_view content_type,
                                std::string_view name, const ExtractLimits& limits = {});

}  // namespace conventiond
