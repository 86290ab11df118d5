#pragma once
// Finds the links of an HTML page (<a href>, <link href>, <base href>) with their text, in one
// linear pass over the bytes: no tree is built, so neither deep nesting nor a huge page can
// exhaust the stack or the memory. Comments and the content of <script>, <style>, <textarea>
// and <template> are skipped; character references are decoded.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace conventiond::harvest {

struct HtmlLink {
  std::string href;    // the attribute, references decoded, not resolved
  std::string text;    // the element's text and its images' alt text, white space collapsed
  std::string label;   // its title and aria-label attributes
  std::string rel;     // lower case, "" when absent
  bool anchor = true;  // <a> (true) or <link> (false)
};

struct HtmlLinks {
  std::string base;             // the first <base href>, "" when none
  std::vector<HtmlLink> links;  // in document order, at most max_links
  bool truncated = false;       // links were left out because of max_links
};

// The longest link text (and label) kept, in bytes; the rest is dropped.
inline constexpr std::size_t kMaxLinkText = 512;

// The links of page, which may be any bytes (invalid UTF-8 is read as Windows-1252).
HtmlLinks find_html_links(std::string_view page, std::size_t max_links);

// Whether bytes begin (after a BOM, white space and comments) like an HTML document.
bool looks_like_html(std::string_view bytes);

// bytes when they are valid UTF-8, else bytes read as Windows-1252 and converted to UTF-8.
std::string to_utf8(std::string_view bytes);

// s with its HTML character references decoded (named ones of Latin-1 and common
// punctuation, decimal and hexadecimal ones); unknown references are left as written.
std::string decode_references(std::string_view s);

}  // namespace conventiond::harvest
