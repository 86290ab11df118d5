// template_connector: the connector to copy when you start a new one.
//
// It starts from the configured URLs, hands every page it fetches to the host as a document
// (the host's extraction turns it into observations), and follows the links of HTML pages
// that stay on the same host and match `link_pattern`, up to `max_pages` requests.
//
// To make your own: copy this folder, rename the class, the plugin name in the macro at the
// bottom and the target in CMakeLists.txt, then change parse(). docs/writing-a-connector.md
// walks through it.

#include <cctype>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <conventiond/sdk/connector.hpp>
#include <conventiond/sdk/url.hpp>

#include "../common/pattern.hpp"

namespace sdk = conventiond::sdk;

namespace {

// The config schema: the host validates the operator's config against it (types, required
// keys, ranges), fills in the defaults and prints it in `conventiond plugins describe`.
constexpr sdk::ConfigKey kConfig[] = {
    sdk::string_list_key("start_urls", "Pages the harvest starts from (http, https or file URLs)")
        .required(),
    sdk::integer_key("max_pages", "Most requests one run makes, start URLs included")
        .default_json("100")
        .range(1, 100000),
    sdk::string_key("user_agent_note",
                    "Text the fetcher appends to its User-Agent, e.g. a contact address"),
    sdk::string_key("link_pattern",
                    "ECMAScript regular expression a same-host link must match to be followed "
                    "(default: follow every same-host link)"),
};

bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Undoes the one entity common in links: "&amp;".
std::string decode_amp(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    out.push_back(s[i]);
    if (s.substr(i, 5) == "&amp;") i += 4;
  }
  return out;
}

// The value of attribute name in the inside of a tag (lower: the same text in lower case).
std::optional<std::string_view> attribute(std::string_view tag, std::string_view lower,
                                          std::string_view name) {
  for (std::size_t at = lower.find(name); at != std::string_view::npos;
       at = lower.find(name, at + 1)) {
    std::size_t i = at + name.size();
    while (i < tag.size() && is_space(tag[i])) ++i;
    if ((at != 0 && !is_space(lower[at - 1])) || i >= tag.size() || tag[i] != '=') continue;
    ++i;
    while (i < tag.size() && is_space(tag[i])) ++i;
    if (i < tag.size() && (tag[i] == '"' || tag[i] == '\'')) {
      const std::size_t end = tag.find(tag[i], i + 1);
      if (end == std::string_view::npos) return std::nullopt;
      return tag.substr(i + 1, end - i - 1);
    }
    std::size_t end = i;
    while (end < tag.size() && !is_space(tag[end])) ++end;
    return tag.substr(i, end - i);
  }
  return std::nullopt;
}

// The href of every <a> element of an HTML page, in document order. A scan, not a parser:
// enough to follow links; the host's extraction does the real HTML work.
std::vector<std::string> find_links(std::string_view html) {
  std::vector<std::string> links;
  const std::string lower = to_lower(html);
  for (std::size_t at = lower.find("<a"); at != std::string::npos; at = lower.find("<a", at)) {
    at += 2;
    if (at >= lower.size() || !is_space(lower[at])) continue;
    const std::size_t end = lower.find('>', at);
    if (end == std::string::npos) break;
    const auto href =
        attribute(html.substr(at, end - at), std::string_view(lower).substr(at, end - at), "href");
    if (href) links.push_back(decode_amp(*href));
    at = end;
  }
  return links;
}

// Boost.Regex, not std::regex (see connectors/common/pattern.hpp): a bad pattern is a config
// problem, never an abort.
std::optional<boost::regex> compile_link_pattern(const std::optional<std::string>& pattern) {
  if (!pattern) return std::nullopt;
  auto compiled = conventiond::connectors::compile_pattern(*pattern);
  // A Failure becomes the message of the host's "create failed" error.
  if (!compiled.regex) throw sdk::Failure("config key 'link_pattern' " + compiled.problem);
  return std::move(compiled.regex);
}

class TemplateConnector final : public sdk::SourceConnector {
 public:
  // The config has been validated by the host: required keys are there, defaults filled in.
  explicit TemplateConnector(const sdk::Config& config)
      : start_urls_(config.string_list("start_urls")),
        max_pages_(config.integer("max_pages")),
        user_agent_note_(config.optional_string("user_agent_note").value_or("")),
        link_pattern_(compile_link_pattern(config.optional_string("link_pattern"))) {}

  // What `conventiond check-config` calls (ABI 2): every problem of a config, without
  // creating the connector. Without it, the SDK would construct one (fine for a source).
  static void validate(const sdk::Config& config, sdk::ConfigProblems& problems) {
    problems.check([&] { compile_link_pattern(config.optional_string("link_pattern")); });
  }

  // The first requests of a run.
  void start(sdk::Context& ctx) override {
    for (const std::string& url : start_urls_) request(url, ctx);
  }

  // Every response to one of our requests. Throwing here fails this item only.
  void parse(const sdk::Response& response, sdk::Context& ctx) override {
    if (response.status >= 400) {
      ctx.error("HTTP status " + std::to_string(response.status), response.url);
      return;
    }
    if (response.status != 200) return;  // e.g. 304 Not Modified: nothing new
    ctx.document(sdk::Document::from_response(response));
    if (response.media_type() == "text/html") follow_links(response, ctx);
  }

 private:
  void follow_links(const sdk::Response& page, sdk::Context& ctx) {
    const std::string host = sdk::url::host(page.url);
    for (const std::string& href : find_links(page.body)) {
      const auto target = sdk::url::resolve(page.url, href);
      if (target && sdk::url::host(*target) == host && wanted(*target, ctx)) request(*target, ctx);
    }
  }

  bool wanted(const std::string& url, sdk::Context& ctx) const {
    if (!link_pattern_) return true;
    const auto m = conventiond::connectors::search(*link_pattern_, url);
    if (m == conventiond::connectors::Match::too_complex) {
      ctx.error("link_pattern is too complex to match against this URL", url);
    }
    return m == conventiond::connectors::Match::yes;
  }

  // Requests url once per run, within max_pages.
  void request(const std::string& url, sdk::Context& ctx) {
    if (requested_ >= max_pages_ || !seen_.insert(url).second) return;
    ++requested_;
    sdk::Request r;
    r.url = url;
    r.user_agent_note = user_agent_note_;
    ctx.request(r);
  }

  std::vector<std::string> start_urls_;
  std::int64_t max_pages_;
  std::string user_agent_note_;
  std::optional<boost::regex> link_pattern_;
  std::set<std::string> seen_;  // one instance serves one run
  std::int64_t requested_ = 0;
};

}  // namespace

CONVENTIOND_SOURCE_PLUGIN(TemplateConnector, "template_connector", "1.0.0",
                          "Example connector to copy: fetches start URLs, keeps every page as a "
                          "document, follows same-host links",
                          kConfig);
