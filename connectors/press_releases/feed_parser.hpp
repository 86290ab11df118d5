#pragma once
// Reads the article URLs (and their dates) out of RSS 2.0, RSS 1.0 (RDF) and Atom 1.0 feeds
// and out of sitemaps (urlset and sitemapindex), with pugixml.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <conventiond/result.hpp>

namespace conventiond::harvest {

enum class FeedKind { rss, rdf, atom, urlset, sitemap_index };

// "RSS 2.0 feed", "Atom feed", "sitemap index", ...
std::string_view feed_kind_name(FeedKind kind);

struct FeedEntry {
  std::string link;  // as written (trimmed), not yet resolved against the feed's URL
  std::string date;  // "YYYY-MM-DD": the latest of the entry's dates; "" when none is readable
};

struct Feed {
  FeedKind kind = FeedKind::rss;
  std::vector<FeedEntry> entries;  // in document order, at most max_entries, links non-empty
  std::size_t total_entries = 0;   // entries (items, urls, sitemaps) in the document
};

// Parses a feed or a sitemap, whichever the bytes are (the root element decides). name says
// which input an error is about (its URL). Only the five predefined XML entities and
// character references are expanded and nothing external is ever loaded; a DOCTYPE that
// declares entities is refused. Errors ("parse" code): empty input, gzip bytes, an HTML page,
// XML that is not well-formed (pugixml's description and the byte offset), entity
// declarations, or a root element of another vocabulary.
Result<Feed> parse_feed(std::string_view bytes, std::string_view name, std::size_t max_entries);

// "YYYY-MM-DD" of an RFC 822 date ("Tue, 05 Mar 2024 10:00:00 +0100", the RSS pubDate; French
// month abbreviations are read too) or of an ISO 8601 / W3C date ("2024-03-05T10:00:00+01:00",
// Atom, sitemap lastmod, dc:date); "" when text is neither. The time and zone are ignored.
std::string feed_date(std::string_view text);

}  // namespace conventiond::harvest
