// @NAME@: a conventiond source connector (written by `conventiond connector new`).
//
// It starts from the configured index pages, follows the links that stay on the same host and
// contain `link_contains`, and hands each page it reaches to the host as a document: the
// host's extraction turns it into observations. Change parse() to read your source.
// docs/writing-a-connector.md walks through the SDK.

#include <cctype>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <conventiond/sdk/connector.hpp>
#include <conventiond/sdk/url.hpp>

namespace sdk = conventiond::sdk;

namespace {

// The config schema: the host validates a job's config against it (types, required keys,
// ranges), fills in the defaults, and prints it in `conventiond plugins describe @NAME@`.
constexpr sdk::ConfigKey kConfig[] = {
    sdk::string_list_key("start_urls", "Index pages the harvest starts from").required(),
    sdk::string_key("link_contains", "Text a link must contain to be followed")
        .default_json("\"\""),
    sdk::integer_key("max_pages", "Most requests one run makes").default_json("100").range(1, 100000),
    sdk::string_key("rank", "Source rank of the pages: convention_text, official_release or news")
        .default_json("\"official_release\""),
};

// The href of every <a> element of an HTML page, in document order (a scan, not a parser).
std::vector<std::string> find_links(std::string_view html) {
  std::vector<std::string> links;
  for (std::size_t at = html.find("href="); at != std::string_view::npos;
       at = html.find("href=", at + 5)) {
    const std::size_t open = at + 5;
    if (open >= html.size() || (html[open] != '"' && html[open] != '\'')) continue;
    const std::size_t close = html.find(html[open], open + 1);
    if (close == std::string_view::npos) break;
    links.emplace_back(html.substr(open + 1, close - open - 1));
  }
  return links;
}

class @CLASS@ final : public sdk::SourceConnector {
 public:
  explicit @CLASS@(const sdk::Config& config)
      : start_urls_(config.string_list("start_urls")),
        link_contains_(config.string("link_contains")),
        max_pages_(config.integer("max_pages")),
        rank_(config.string("rank")) {}

  void start(sdk::Context& ctx) override {
    for (const std::string& url : start_urls_) ask(ctx, url, "index");
  }

  void parse(const sdk::Response& response, sdk::Context& ctx) override {
    if (response.status != 200) {
      ctx.error("HTTP status " + std::to_string(response.status), response.url);
      return;
    }
    if (response.meta != "index") {
      sdk::Document doc = sdk::Document::from_response(response);
      doc.rank = rank_;
      ctx.document(doc);
      return;
    }
    std::size_t followed = 0;
    for (const std::string& href : find_links(response.body)) {
      // sdk::url::resolve returns std::nullopt for what is not a hierarchical URL (mailto:).
      const auto url = sdk::url::resolve(response.url, href);
      if (!url || sdk::url::host(*url) != sdk::url::host(response.url)) continue;
      if (url->find(link_contains_) == std::string::npos) continue;
      if (ask(ctx, *url, "page")) ++followed;
    }
    ctx.log(sdk::LogLevel::info, response.url + ": " + std::to_string(followed) + " page(s) to read");
  }

 private:
  // Requests url once per run, within max_pages; false when it is not requested.
  bool ask(sdk::Context& ctx, const std::string& url, const char* meta) {
    if (requested_.size() >= static_cast<std::size_t>(max_pages_)) {
      ctx.log(sdk::LogLevel::warn, "max_pages reached: " + url + " not requested");
      return false;
    }
    if (!requested_.insert(url).second) return false;
    sdk::Request request;
    request.url = url;
    request.meta = meta;
    ctx.request(request);
    return true;
  }

  std::vector<std::string> start_urls_;
  std::string link_contains_;
  std::int64_t max_pages_;
  std::string rank_;
  std::set<std::string> requested_;
};

}  // namespace

CONVENTIOND_SOURCE_PLUGIN(@CLASS@, "@NAME@", "0.1.0", "@NAME@: pages of one site", kConfig);
