// libFuzzer target for the harvesting connectors' parsers (connectors/press_releases):
// feeds and sitemaps (pugixml), HTML link discovery, link resolution and the link rules.
// Input: a first byte choosing what to fuzz, then the bytes.
//   0: a feed or sitemap, whose entries are resolved against a feed URL;
//   1: an HTML page, whose links are resolved and classified;
//   2: "BASE\nHREF": one link resolved against one base URL.
// connectors/press_releases/CMakeLists.txt adds the parsers' sources to this target, so that
// they are instrumented too.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "feed_parser.hpp"
#include "html_links.hpp"
#include "link_rules.hpp"

namespace {

namespace h = conventiond::harvest;

bool valid_utf8(std::string_view s) { return h::to_utf8(s) == s; }

// What every URL the connectors would request must be.
void check_url(const std::string& url) {
  if (url.empty() || url.size() > h::kMaxUrlLength) std::abort();
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0 &&
      url.rfind("file://", 0) != 0) {
    std::abort();
  }
  for (const char c : url) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7F || c == '#' || c == '"' || c == '<' || c == '>') std::abort();
  }
  if (!h::is_fetchable_url(url)) std::abort();
  // Resolving a resolved URL changes nothing.
  const auto again = h::resolve_link("https://base.example.fr/dir/page.html", url);
  if (url.rfind("file://", 0) != 0 && (!again || *again != url)) std::abort();
}

void check_link(std::string_view base, std::string_view href) {
  const auto url = h::resolve_link(base, href);
  if (!url) return;
  check_url(*url);
  (void)h::page_numbers(base, *url);
  (void)h::has_pdf_path(*url);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::string base = "https://www.nord.gouv.fr/Actualites/liste.html?page=2";
  switch (data[0] % 3) {
    case 0: {
      const auto feed = h::parse_feed(input, "fuzz.xml", 1000);
      if (!feed.ok()) {
        if (feed.error().message.rfind("fuzz.xml: ", 0) != 0) std::abort();
        return 0;
      }
      if (feed->entries.size() > 1000 || feed->entries.size() > feed->total_entries) std::abort();
      for (const h::FeedEntry& e : feed->entries) {
        if (e.link.empty()) std::abort();
        if (!e.date.empty() && h::feed_date(e.date) != e.date) std::abort();
        check_link(base, e.link);
      }
      break;
    }
    case 1: {
      const h::HtmlLinks links = h::find_html_links(input, 500);
      if (links.links.size() > 500) std::abort();
      const std::string page_base = h::link_base(base, links.base);
      for (const h::HtmlLink& link : links.links) {
        if (link.text.size() > h::kMaxLinkText || link.label.size() > h::kMaxLinkText) std::abort();
        if (!valid_utf8(link.text) || !valid_utf8(link.label)) std::abort();
        (void)h::says_next_page(link);
        check_link(page_base, link.href);
        if (const auto url = h::resolve_link(page_base, link.href)) {
          (void)h::looks_like_document_link(link, *url);
        }
      }
      if (!valid_utf8(h::to_utf8(input))) std::abort();
      if (!valid_utf8(h::fold(h::to_utf8(input)))) std::abort();
      break;
    }
    default: {
      const std::size_t newline = input.find('\n');
      const std::string_view b =
          newline == std::string_view::npos ? base : input.substr(0, newline);
      const std::string_view href =
          newline == std::string_view::npos ? input : input.substr(newline + 1);
      check_link(b, href);
      (void)h::decode_references(href);
      break;
    }
  }
  return 0;
}
