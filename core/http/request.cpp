// Request accessors and the request target's parsing (Boost.URL): see request.hpp and
// request_parser.hpp.
#include <conventiond/http/request.hpp>
#include <conventiond/http/request_parser.hpp>

#include <cctype>

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

namespace conventiond::http {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// Well-formed UTF-8 (no overlongs, no surrogates, at most U+10FFFF) without NUL.
bool valid_utf8_text(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == 0) return false;
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t n = 0;
    unsigned min = 0;
    unsigned cp = 0;
    if ((c & 0xE0) == 0xC0) {
      n = 1, min = 0x80, cp = c & 0x1Fu;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2, min = 0x800, cp = c & 0x0Fu;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3, min = 0x10000, cp = c & 0x07u;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;
    for (std::size_t k = 1; k <= n; ++k) {
      const auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

std::string shown(std::string_view target) {
  std::string out;
  for (const char c : target.substr(0, 100)) {
    const auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u >= 0x7F) ? '?' : c;
  }
  if (target.size() > 100) out += "...";
  return out;
}

Error bad(std::string_view target, const std::string& problem) {
  return Error::make("bad_request", "request target '" + shown(target) + "': " + problem);
}

}  // namespace

std::optional<std::string_view> Request::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (iequals(k, name)) return std::string_view(v);
  }
  return std::nullopt;
}

std::vector<std::string_view> Request::header_values(std::string_view name) const {
  std::vector<std::string_view> out;
  for (const auto& [k, v] : headers) {
    if (iequals(k, name)) out.emplace_back(v);
  }
  return out;
}

std::optional<std::string_view> Request::query_param(std::string_view name) const {
  for (const auto& [k, v] : query) {
    if (k == name) return std::string_view(v);
  }
  return std::nullopt;
}

std::vector<std::string_view> Request::query_values(std::string_view name) const {
  std::vector<std::string_view> out;
  for (const auto& [k, v] : query) {
    if (k == name) out.emplace_back(v);
  }
  return out;
}

std::string_view Request::param(std::string_view name) const {
  for (const auto& [k, v] : params) {
    if (k == name) return v;
  }
  return {};
}

Result<ParsedTarget> parse_target(std::string_view target, const ServerLimits& limits) {
  if (target.size() > limits.max_target_length) {
    return Error::make("uri_too_long", "request target of " + std::to_string(target.size()) +
                                           " bytes is over the limit of " +
                                           std::to_string(limits.max_target_length));
  }
  if (target.empty() || target.front() != '/') {
    return bad(target, "not an absolute path (origin form)");
  }
  const auto parsed = boost::urls::parse_origin_form(target);
  if (!parsed) return bad(target, "malformed (" + parsed.error().message() + ")");
  const boost::urls::url_view& url = *parsed;

  ParsedTarget out;
  out.path = std::string(url.encoded_path());
  if (url.has_query() && url.encoded_query().size() > limits.max_query_length) {
    return Error::make("uri_too_long", "query string of " +
                                           std::to_string(url.encoded_query().size()) +
                                           " bytes is over the limit of " +
                                           std::to_string(limits.max_query_length));
  }
  for (const auto& seg : url.encoded_segments()) {
    std::string decoded = seg.decode();
    if (!valid_utf8_text(decoded)) return bad(target, "a path segment is not UTF-8 text");
    out.segments.push_back(std::move(decoded));
  }
  if (url.has_query()) {
    boost::urls::encoding_opts opts;
    opts.space_as_plus = true;
    for (const auto& p : url.encoded_params()) {
      if (out.query.size() >= limits.max_query_params) {
        return bad(target, "more than " + std::to_string(limits.max_query_params) +
                               " query parameters");
      }
      std::string key = p.key.decode(opts);
      std::string value = p.has_value ? p.value.decode(opts) : std::string();
      if (!valid_utf8_text(key) || !valid_utf8_text(value)) {
        return bad(target, "a query parameter is not UTF-8 text");
      }
      out.query.emplace_back(std::move(key), std::move(value));
    }
  }
  return out;
}

}  // namespace conventiond::http
