#pragma once
// Character encodings of outside input, converted to UTF-8 the way browsers do.

#include <string>
#include <string_view>

#include <conventiond/result.hpp>

namespace conventiond {

// Canonical name for a charset label (WHATWG rules): "iso-8859-1", "latin1", "us-ascii" ->
// "windows-1252"; "utf8" -> "utf-8"; "" when the label is unknown.
std::string canonical_charset(std::string_view label);

// Decodes bytes in the given canonical charset (utf-8, windows-1252, iso-8859-15, utf-16le/be)
// to UTF-8. Invalid UTF-8 sequences become U+FFFD (counted in *replaced when non-null).
Result<std::string> to_utf8(std::string_view bytes, std::string_view charset,
                            std::size_t* replaced = nullptr);

// True when bytes are entirely valid UTF-8.
bool is_valid_utf8(std::string_view bytes) noexcept;

}  // namespace conventiond
