#pragma once
// Media type from the bytes, for when the Content-Type header lies (a PDF served as
// text/html, a feed served as text/plain).

#include <string>
#include <string_view>

namespace conventiond {

// The media type the first bytes prove ("application/pdf" for "%PDF-", "image/png", ...),
// or "" when they prove nothing definite.
std::string sniff_bytes(std::string_view body);

// The type without parameters, trimmed, lower case: "Text/HTML; charset=x" -> "text/html".
std::string media_type_of(std::string_view content_type);

// The media type to trust: what the bytes prove when they prove a binary format or the
// header says nothing useful; otherwise the header's type (refined for XML feeds), else
// "application/octet-stream".
std::string sniff_media_type(std::string_view body, std::string_view content_type);

}  // namespace conventiond
