// convention_documents: the texts of the conventions themselves (PDF or HTML).
//
// Fetches the configured document URLs, and the documents linked from the configured pages
// (links to .pdf files, links saying "Télécharger", "PDF", a size like "0,14 Mb", or matching
// `link_pattern`), and hands each to the core extraction as a document. A configured page
// that turns out to be a PDF is itself the document.
//
// What a response is comes back in its meta: "page" or "document".

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include <conventiond/sdk/connector.hpp>
#include <conventiond/sdk/url.hpp>

#include "../common/pattern.hpp"

#include "html_links.hpp"
#include "link_rules.hpp"

namespace sdk = conventiond::sdk;
namespace harvest = conventiond::harvest;

namespace {

constexpr sdk::ConfigKey kConfig[] = {
    sdk::string_list_key("documents", "URLs of PDF or HTML documents, each fetched and extracted")
        .default_json("[]"),
    sdk::string_list_key("pages", "Pages whose links to documents are followed").default_json("[]"),
    sdk::string_key("link_pattern",
                    "ECMAScript regular expression: links of the pages whose absolute URL "
                    "matches it are documents too (in addition to .pdf links and links saying "
                    "'Télécharger', 'PDF' or a file size)"),
    sdk::string_key("rank", "Rank of the documents: convention_text, official_release or news")
        .default_json("\"convention_text\""),
    sdk::integer_key("max_documents",
                     "Most documents requested per run (configured documents included)")
        .default_json("200")
        .range(1, 100000),
    sdk::boolean_key("same_host_only",
                     "Follow only document links to the host of the page they are on")
        .default_json("false"),
    sdk::string_key("user_agent_note",
                    "Text the fetcher appends to its User-Agent, e.g. a contact address"),
};

constexpr std::size_t kMaxLinksPerPage = 20000;

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

constexpr const char* kNoUrl = "config needs at least one URL in 'documents' or 'pages'";

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

std::string rank(const sdk::Config& config) {
  std::string r = config.string("rank");
  if (r != "official_release" && r != "news" && r != "convention_text") {
    config_error("rank", "must be convention_text, official_release or news, not '" + r + "'");
  }
  return r;
}

class ConventionDocuments final : public sdk::SourceConnector {
 public:
  // Every problem of a config, each key checked on its own (check-config's dry run).
  static void validate(const sdk::Config& config, sdk::ConfigProblems& problems) {
    bool any_url = false;
    for (const char* key : {"documents", "pages"}) {
      problems.check([&] { any_url = !urls(config, key).empty() || any_url; });
    }
    problems.check([&] { compile(config, "link_pattern"); });
    problems.check([&] { rank(config); });
    if (!any_url && problems.empty()) problems.add(kNoUrl);
  }

  explicit ConventionDocuments(const sdk::Config& config)
      : documents_(urls(config, "documents")),
        pages_(urls(config, "pages")),
        link_pattern_(compile(config, "link_pattern")),
        rank_(rank(config)),
        max_documents_(config.integer("max_documents")),
        same_host_only_(config.boolean("same_host_only")),
        user_agent_note_(config.optional_string("user_agent_note").value_or("")) {
    if (documents_.empty() && pages_.empty()) {
      throw sdk::Failure(kNoUrl);
    }
  }

  void start(sdk::Context& ctx) override {
    for (const std::string& u : documents_) request_document(u, ctx);
    for (const std::string& u : pages_) request(u, "page", ctx);
  }

  void parse(const sdk::Response& response, sdk::Context& ctx) override {
    if (response.status >= 400) {
      ctx.error("HTTP status " + std::to_string(response.status), response.url);
      return;
    }
    if (response.status < 200 || response.status >= 300) return;  // 304: nothing new
    if (response.meta == "document") {
      emit_document(response, ctx);
    } else if (response.meta == "page") {
      parse_page(response, ctx);
    } else {
      ctx.error(
          "convention_documents: response with unknown meta '" + response.meta.substr(0, 40) + "'",
          response.url);
    }
  }

 private:
  void parse_page(const sdk::Response& response, sdk::Context& ctx) {
    const std::string type = harvest::document_media_type(response);
    if (type == "application/pdf") {  // the page is the document
      emit_document(response, ctx);
      return;
    }
    if (type != "text/html" && type != "application/xhtml+xml") {
      ctx.error("not an HTML page or a PDF (" + type + "): no document links to follow",
                response.url);
      return;
    }
    const harvest::HtmlLinks links = harvest::find_html_links(response.body, kMaxLinksPerPage);
    if (links.truncated) {
      ctx.log(sdk::LogLevel::warn, response.url + ": only the first " +
                                       std::to_string(kMaxLinksPerPage) + " links are read");
    }
    const std::string base = harvest::link_base(response.url, links.base);
    std::size_t found = 0;
    for (const harvest::HtmlLink& link : links.links) {
      if (!link.anchor) continue;
      const auto url = harvest::resolve_link(base, link.href);
      if (!url || *url == response.url) continue;
      if (same_host_only_ && sdk::url::host(*url) != sdk::url::host(response.url)) continue;
      bool wanted = harvest::looks_like_document_link(link, *url);
      if (!wanted && link_pattern_) {
        const auto m = conventiond::connectors::search(*link_pattern_, *url);
        if (m == conventiond::connectors::Match::too_complex) {
          ctx.error("link_pattern is too complex to match against this URL (simplify the "
                    "pattern); the link is not followed",
                    *url);
        }
        wanted = m == conventiond::connectors::Match::yes;
      }
      if (!wanted) continue;
      ++found;
      request_document(*url, ctx);
    }
    if (found == 0) ctx.log(sdk::LogLevel::info, response.url + ": no document link found");
  }

  void emit_document(const sdk::Response& response, sdk::Context& ctx) const {
    sdk::Document doc = sdk::Document::from_response(response);
    doc.media_type = harvest::document_media_type(response);
    doc.rank = rank_;
    ctx.document(doc);
  }

  void request_document(const std::string& url, sdk::Context& ctx) {
    if (requested_.count(url) != 0) return;
    if (documents_requested_ >= max_documents_) {
      if (!capped_) {
        ctx.log(sdk::LogLevel::warn, "max_documents (" + std::to_string(max_documents_) +
                                         ") reached: " + url +
                                         " and later documents are not "
                                         "fetched");
        capped_ = true;
      }
      return;
    }
    if (request(url, "document", ctx)) ++documents_requested_;
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

  std::vector<std::string> documents_;
  std::vector<std::string> pages_;
  std::optional<boost::regex> link_pattern_;
  std::string rank_;
  std::int64_t max_documents_;
  bool same_host_only_;
  std::string user_agent_note_;

  // The state of the run (one instance serves one run).
  std::unordered_set<std::string> requested_;
  std::int64_t documents_requested_ = 0;
  bool capped_ = false;
};

}  // namespace

CONVENTIOND_SOURCE_PLUGIN(ConventionDocuments, "convention_documents", "1.0.0",
                          "Convention texts: given PDF/HTML documents and the documents linked "
                          "from given pages",
                          kConfig);
