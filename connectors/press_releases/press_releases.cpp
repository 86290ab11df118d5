// press_releases: the press releases (communiqués) of préfecture and département sites.
//
// Finds article URLs in RSS/Atom feeds, in sitemaps (index files followed) and on listing
// pages (links matching `link_pattern`, pages followed by their "next" link up to
// `max_pages`), and hands every article page the host fetches to the core extraction as a
// document; the extraction decides whether it speaks of a poverty convention. Feeds, sitemaps
// and listing pages are never documents. Optionally the PDFs an article links to are fetched
// as documents too.
//
// What a response is comes back in its meta: "feed", "sitemap", "listing", "article",
// "document".

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include <conventiond/sdk/connector.hpp>
#include <conventiond/sdk/url.hpp>

#include "../common/pattern.hpp"
#include "feed_parser.hpp"
#include "html_links.hpp"
#include "link_rules.hpp"

namespace sdk = conventiond::sdk;
namespace harvest = conventiond::harvest;

namespace {

constexpr sdk::ConfigKey kConfig[] = {
    sdk::string_list_key("feeds", "RSS 2.0, RSS 1.0 or Atom feeds listing the press releases")
        .default_json("[]"),
    sdk::string_list_key("sitemaps",
                         "Sitemaps (urlset or sitemapindex, whose sitemaps are followed)")
        .default_json("[]"),
    sdk::string_list_key("listing_pages",
                         "HTML pages listing press releases, followed page after page")
        .default_json("[]"),
    sdk::string_key("link_pattern",
                    "ECMAScript regular expression article URLs must match (searched in the "
                    "absolute URL; default: every link)"),
    sdk::string_key("next_page_pattern",
                    "ECMAScript regular expression: links of a listing page matching it are "
                    "its next pages (in addition to rel=next, 'Suivant'... and ?page=N links)"),
    sdk::integer_key("max_pages",
                     "Most listing pages and child sitemaps requested per run (start pages "
                     "included)")
        .default_json("50")
        .range(1, 100000),
    sdk::integer_key("max_articles", "Most article requests per run")
        .default_json("1000")
        .range(1, 1000000),
    sdk::boolean_key("same_host_only",
                     "Follow only links to the host of the page or feed they are found on, or "
                     "of a configured URL")
        .default_json("true"),
    sdk::string_key("since",
                    "ISO date YYYY-MM-DD: feed and sitemap entries dated before it are skipped"),
    sdk::string_key("rank",
                    "Rank of the article documents: official_release, news or "
                    "convention_text")
        .default_json("\"official_release\""),
    sdk::boolean_key("include_linked_documents",
                     "Also fetch the documents (PDFs, 'Télécharger...' links) articles link to")
        .default_json("false"),
    sdk::integer_key("max_documents",
                     "Most linked-document requests per run (include_linked_documents)")
        .default_json("200")
        .range(1, 100000),
    sdk::string_key("document_rank", "Rank of the linked documents")
        .default_json("\"convention_text\""),
    sdk::string_key("user_agent_note",
                    "Text the fetcher appends to its User-Agent, e.g. a contact address"),
};

// Links read from one HTML page at most; a page with more is cut (and logged).
constexpr std::size_t kMaxLinksPerPage = 20000;
// Entries read from one feed or sitemap at most (a sitemap holds at most 50,000 by the
// protocol): a bigger one is cut (and logged).
constexpr std::size_t kMaxFeedEntries = 100000;

[[noreturn]] void config_error(std::string_view key, const std::string& problem) {
  throw sdk::Failure("config key '" + std::string(key) + "' " + problem);
}

std::optional<boost::regex> compile(const sdk::Config& config, std::string_view key) {
  const auto pattern = config.optional_string(key);
  if (!pattern) return std::nullopt;
  auto compiled = conventiond::connectors::compile_pattern(*pattern);
  if (!compiled.regex) config_error(key, compiled.problem);
  return std::move(compiled.regex);
}

std::vector<std::string> urls(const sdk::Config& config, std::string_view key) {
  std::vector<std::string> out = config.string_list(key);
  for (const std::string& u : out) {
    if (!harvest::is_fetchable_url(u)) {
      config_error(key, "holds '" + u.substr(0, 200) +
                            "', which is not an absolute http, https or file URL");
    }
  }
  return out;
}

std::string rank(const sdk::Config& config, std::string_view key) {
  std::string r = config.string(key);
  if (r != "official_release" && r != "news" && r != "convention_text") {
    config_error(key, "must be official_release, news or convention_text, not '" + r + "'");
  }
  return r;
}

constexpr const char* kNoUrl =
    "config needs at least one URL in 'feeds', 'sitemaps' or 'listing_pages'";

std::string since(const sdk::Config& config) {
  const auto s = config.optional_string("since");
  if (!s) return {};
  if (s->size() != 10 || harvest::feed_date(*s) != *s) {
    config_error("since", "must be an ISO date YYYY-MM-DD, not '" + s->substr(0, 40) + "'");
  }
  return *s;
}

class PressReleases final : public sdk::SourceConnector {
 public:
  // Every problem of a config, each key checked on its own (check-config's dry run).
  static void validate(const sdk::Config& config, sdk::ConfigProblems& problems) {
    bool any_url = false;
    for (const char* key : {"feeds", "sitemaps", "listing_pages"}) {
      problems.check([&] { any_url = !urls(config, key).empty() || any_url; });
    }
    for (const char* key : {"link_pattern", "next_page_pattern"}) {
      problems.check([&] { compile(config, key); });
    }
    problems.check([&] { since(config); });
    for (const char* key : {"rank", "document_rank"}) problems.check([&] { rank(config, key); });
    if (!any_url && problems.empty()) problems.add(kNoUrl);
  }

  explicit PressReleases(const sdk::Config& config)
      : feeds_(urls(config, "feeds")),
        sitemaps_(urls(config, "sitemaps")),
        listing_pages_(urls(config, "listing_pages")),
        link_pattern_(compile(config, "link_pattern")),
        next_page_pattern_(compile(config, "next_page_pattern")),
        max_pages_(config.integer("max_pages")),
        max_articles_(config.integer("max_articles")),
        max_documents_(config.integer("max_documents")),
        same_host_only_(config.boolean("same_host_only")),
        include_linked_documents_(config.boolean("include_linked_documents")),
        since_(since(config)),
        rank_(rank(config, "rank")),
        document_rank_(rank(config, "document_rank")),
        user_agent_note_(config.optional_string("user_agent_note").value_or("")) {
    if (feeds_.empty() && sitemaps_.empty() && listing_pages_.empty()) {
      throw sdk::Failure(kNoUrl);
    }
    for (const auto* list : {&feeds_, &sitemaps_, &listing_pages_}) {
      for (const std::string& u : *list) configured_hosts_.insert(sdk::url::host(u));
    }
  }

  void start(sdk::Context& ctx) override {
    for (const std::string& u : feeds_) request(u, "feed", ctx);
    for (const std::string& u : sitemaps_) request(u, "sitemap", ctx);
    for (const std::string& u : listing_pages_) request_listing(u, ctx);
  }

  void parse(const sdk::Response& response, sdk::Context& ctx) override {
    if (response.status >= 400) {
      ctx.error("HTTP status " + std::to_string(response.status), response.url);
      return;
    }
    if (response.status < 200 || response.status >= 300) return;  // 304: nothing new
    const std::string& meta = response.meta;
    if (meta == "feed" || meta == "sitemap") {
      parse_feed(response, ctx);
    } else if (meta == "listing") {
      parse_listing(response, ctx);
    } else if (meta == "article") {
      parse_article(response, ctx);
    } else if (meta == "document") {
      emit_document(response, document_rank_, ctx);
    } else {
      ctx.error("press_releases: response with unknown meta '" + meta.substr(0, 40) + "'",
                response.url);
    }
  }

 private:
  void parse_feed(const sdk::Response& response, sdk::Context& ctx) {
    auto feed = harvest::parse_feed(response.body, response.url, kMaxFeedEntries);
    if (!feed.ok()) {
      ctx.error(feed.error().message, response.url);
      return;
    }
    std::size_t old = 0;
    for (const harvest::FeedEntry& entry : feed->entries) {
      if (feed->kind != harvest::FeedKind::sitemap_index && articles_ >= max_articles_) {
        request_article(entry.link, ctx);  // logs that max_articles is reached, once
        break;
      }
      if (!since_.empty() && !entry.date.empty() && entry.date < since_) {
        ++old;
        continue;
      }
      const auto url = harvest::resolve_link(response.url, entry.link);
      if (!url || !host_allowed(*url, response.url)) continue;
      if (feed->kind == harvest::FeedKind::sitemap_index) {
        request_page(*url, "sitemap", ctx);
      } else if (matches(link_pattern_, "link_pattern", *url, ctx)) {
        request_article(*url, ctx);
      }
    }
    if (feed->total_entries > feed->entries.size()) {
      ctx.log(sdk::LogLevel::warn, response.url + ": only the first " +
                                       std::to_string(kMaxFeedEntries) + " of " +
                                       std::to_string(feed->total_entries) + " entries are read");
    }
    ctx.log(sdk::LogLevel::debug,
            response.url + ": " + std::string(harvest::feed_kind_name(feed->kind)) + " of " +
                std::to_string(feed->total_entries) + " entries" +
                (since_.empty() ? "" : ", " + std::to_string(old) + " dated before " + since_));
  }

  void parse_listing(const sdk::Response& response, sdk::Context& ctx) {
    if (const std::string type = harvest::document_media_type(response);
        type == "application/pdf") {
      ctx.error("a listing page must be HTML, not a PDF (list it in convention_documents)",
                response.url);
      return;
    }
    const harvest::HtmlLinks links = harvest::find_html_links(response.body, kMaxLinksPerPage);
    if (links.truncated) {
      ctx.log(sdk::LogLevel::warn, response.url + ": only the first " +
                                       std::to_string(kMaxLinksPerPage) + " links are read");
    }
    const std::string base = harvest::link_base(response.url, links.base);
    std::vector<std::string> next_pages;
    std::optional<std::pair<long long, std::string>> numbered_next;
    for (const harvest::HtmlLink& link : links.links) {
      const auto url = harvest::resolve_link(base, link.href);
      if (!url || *url == response.url || !host_allowed(*url, response.url)) continue;
      if (harvest::says_next_page(link) ||
          (link.anchor && next_page_pattern_ &&
           matches(next_page_pattern_, "next_page_pattern", *url, ctx))) {
        next_pages.push_back(*url);
        continue;
      }
      if (!link.anchor) continue;  // <link rel="stylesheet"> and the like
      if (const auto pages = harvest::page_numbers(response.url, *url)) {
        // Another page of this listing: never an article; the nearest following one is next.
        if (pages->candidate > pages->current &&
            (!numbered_next || pages->candidate < numbered_next->first)) {
          numbered_next.emplace(pages->candidate, *url);
        }
        continue;
      }
      if (listings_.count(*url) == 0 && matches(link_pattern_, "link_pattern", *url, ctx)) {
        request_article(*url, ctx);
      }
    }
    if (next_pages.empty() && numbered_next) next_pages.push_back(numbered_next->second);
    for (const std::string& next : next_pages) request_listing(next, ctx);
  }

  void parse_article(const sdk::Response& response, sdk::Context& ctx) {
    emit_document(response, rank_, ctx);
    if (!include_linked_documents_) return;
    const std::string type = harvest::document_media_type(response);
    if (type != "text/html" && type != "application/xhtml+xml") return;
    const harvest::HtmlLinks links = harvest::find_html_links(response.body, kMaxLinksPerPage);
    const std::string base = harvest::link_base(response.url, links.base);
    for (const harvest::HtmlLink& link : links.links) {
      if (!link.anchor) continue;
      const auto url = harvest::resolve_link(base, link.href);
      if (!url || *url == response.url || !host_allowed(*url, response.url) ||
          !harvest::looks_like_document_link(link, *url)) {
        continue;
      }
      if (documents_ >= max_documents_) {
        ctx.log(sdk::LogLevel::warn, "max_documents (" + std::to_string(max_documents_) +
                                         ") reached: linked documents of " + response.url +
                                         " and later articles are not fetched");
        return;
      }
      if (request(*url, "document", ctx)) ++documents_;
    }
  }

  void emit_document(const sdk::Response& response, const std::string& rank,
                     sdk::Context& ctx) const {
    sdk::Document doc = sdk::Document::from_response(response);
    doc.media_type = harvest::document_media_type(response);
    doc.rank = rank;
    ctx.document(doc);
  }

  bool host_allowed(const std::string& url, const std::string& found_on) const {
    if (!same_host_only_) return true;
    const std::string host = sdk::url::host(url);
    return host == sdk::url::host(found_on) || configured_hosts_.count(host) != 0;
  }

  // Whether url matches pattern (no pattern: everything does). A match too complex for the
  // regex engine is an error on this URL, which is then not followed.
  static bool matches(const std::optional<boost::regex>& pattern, const char* key,
                      const std::string& url, sdk::Context& ctx) {
    if (!pattern) return true;
    switch (conventiond::connectors::search(*pattern, url)) {
      case conventiond::connectors::Match::yes:
        return true;
      case conventiond::connectors::Match::no:
        return false;
      case conventiond::connectors::Match::too_complex:
        break;
    }
    ctx.error(std::string(key) + " is too complex to match against this URL (simplify the "
                                 "pattern); the link is not followed",
              url);
    return false;
  }

  void request_article(const std::string& url, sdk::Context& ctx) {
    if (articles_ >= max_articles_) {
      if (!articles_capped_) {
        ctx.log(sdk::LogLevel::warn, "max_articles (" + std::to_string(max_articles_) +
                                         ") reached: further article links are ignored");
        articles_capped_ = true;
      }
      return;
    }
    if (request(url, "article", ctx)) ++articles_;
  }

  // A listing page or a child sitemap: counted against max_pages.
  void request_page(const std::string& url, const char* meta, sdk::Context& ctx) {
    if (requested_.count(url) != 0) return;  // e.g. a "next" link back to page 1
    if (pages_ >= max_pages_) {
      if (!pages_capped_) {
        ctx.log(sdk::LogLevel::warn, "max_pages (" + std::to_string(max_pages_) +
                                         ") reached: " + url + " and later pages are not fetched");
        pages_capped_ = true;
      }
      return;
    }
    if (request(url, meta, ctx)) ++pages_;
  }

  void request_listing(const std::string& url, sdk::Context& ctx) {
    const std::size_t before = requested_.size();
    request_page(url, "listing", ctx);
    if (requested_.size() != before) listings_.insert(url);
  }

  // Emits a request for url unless this run already did; whether it did now.
  bool request(const std::string& url, const char* meta, sdk::Context& ctx) {
    if (!requested_.insert(url).second) return false;
    sdk::Request r;
    r.url = url;
    r.meta = meta;
    r.user_agent_note = user_agent_note_;
    ctx.request(r);
    return true;
  }

  std::vector<std::string> feeds_;
  std::vector<std::string> sitemaps_;
  std::vector<std::string> listing_pages_;
  std::optional<boost::regex> link_pattern_;
  std::optional<boost::regex> next_page_pattern_;
  std::int64_t max_pages_;
  std::int64_t max_articles_;
  std::int64_t max_documents_;
  bool same_host_only_;
  bool include_linked_documents_;
  std::string since_;
  std::string rank_;
  std::string document_rank_;
  std::string user_agent_note_;
  std::unordered_set<std::string> configured_hosts_;

  // The state of the run (one instance serves one run).
  std::unordered_set<std::string> requested_;
  std::unordered_set<std::string> listings_;
  std::int64_t pages_ = 0;
  std::int64_t articles_ = 0;
  std::int64_t documents_ = 0;
  bool pages_capped_ = false;
  bool articles_capped_ = false;
};

}  // namespace

CONVENTIOND_SOURCE_PLUGIN(PressReleases, "press_releases", "1.0.0",
                          "Press releases of préfecture and département sites, from RSS/Atom "
                          "feeds, sitemaps and paginated listing pages",
                          kConfig);
