#pragma once
// The rules the harvesting connectors follow links by: resolving an href into a URL that can
// be requested, recognising a link to a document (a PDF, "Télécharger ... (PDF - 0,14 Mb)"),
// the next page of a listing, and the media type of a fetched document.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <conventiond/sdk/messages.hpp>

#include "html_links.hpp"

namespace conventiond::harvest {

// Links longer than this, once resolved and encoded, are ignored.
inline constexpr std::size_t kMaxUrlLength = 2048;

// Whether url is an absolute http(s) URL with a host, or a file:// URL, at most kMaxUrlLength
// bytes, without spaces or control characters (what a config may list).
bool is_fetchable_url(std::string_view url);

// The URL href designates on the page at base, ready to request: absolute, fragment dropped,
// host in lower case, tabs and newlines removed, bytes URLs do not allow (spaces, non-ASCII,
// quotes...) percent-encoded. nullopt for javascript:, mailto:, tel:, data: and any scheme
// other than http and https (file too when base is a file:// URL), for an http(s) URL without
// a host, and for a result longer than kMaxUrlLength.
std::optional<std::string> resolve_link(std::string_view base, std::string_view href);

// What the links of the page at page_url resolve against: its <base href> when that gives an
// http(s) URL, else page_url.
std::string link_base(std::string_view page_url, std::string_view base_href);

// utf8 in lower case, with the accents of French letters removed ("é" -> "e", "œ" -> "oe"),
// white space (no-break spaces included) collapsed and trimmed.
std::string fold(std::string_view utf8);

// Whether the path of url ends with ".pdf", in any case (a query may follow).
bool has_pdf_path(std::string_view url);

// Whether folded link text says it leads to a document: "télécharger" ("téléchargez",
// "téléchargement"...), "download", the word "pdf", or a file size ("0,14 Mb", "245 ko",
// "1.2 MB").
bool has_document_wording(std::string_view folded);

// Whether a link (resolved to url) leads to a document: a .pdf path or document wording in
// its text, title or aria-label.
bool looks_like_document_link(const HtmlLink& link, std::string_view url);

// Whether a link says it leads to the next page: rel="next", or a text, title or aria-label
// "Suivant", "Suivante", "Page suivante", "Next", or a lone "›", "»", ">" or "→".
bool says_next_page(const HtmlLink& link);

struct PageNumbers {
  long long current = -1;  // -1 when current has no page number (the first page)
  long long candidate = 0;
};

// When candidate is another page of the same listing as current, i.e. the two URLs differ
// only in a page number ("?page=3", "&debut_articles=20", "/page/4/", "?page=2" added to a URL
// without one), the two numbers; nullopt otherwise.
std::optional<PageNumbers> page_numbers(std::string_view current, std::string_view candidate);

// Whether bytes are a PDF ("%PDF-" in the first 1024 bytes).
bool is_pdf(std::string_view bytes);

// The media type a fetched document is handed over with: application/pdf for PDF bytes
// whatever the header says, text/html for an HTML page served without a useful type, else
// the Content-Type (without parameters).
std::string document_media_type(const sdk::Response& response);

}  // namespace conventiond::harvest
