#pragma once
// URL helpers a connector needs to follow links: resolve a reference against the page it was
// found on, compare hosts, build file:// URLs. Hierarchical URLs only (http, https, file).

#include <algorithm>
#include <cctype>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace conventiond::sdk::url {

struct Parts {
  std::string scheme;     // lower-case, without ':'
  std::string authority;  // between "//" and the path, as written
  std::string path;       // begins with '/' (or is empty)
  std::string query;      // with its leading '?', or empty
};

namespace detail {
inline bool is_scheme_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '+' || c == '-' || c == '.';
}

// Length of a leading "scheme:" (without ':'), or 0.
inline std::size_t scheme_length(std::string_view s) {
  if (s.empty() || std::isalpha(static_cast<unsigned char>(s[0])) == 0) return 0;
  std::size_t i = 1;
  while (i < s.size() && is_scheme_char(s[i])) ++i;
  return i < s.size() && s[i] == ':' ? i : 0;
}

inline std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

inline std::string_view without_fragment(std::string_view s) { return s.substr(0, s.find('#')); }

inline std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())) != 0) {
    s.remove_prefix(1);
  }
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())) != 0) {
    s.remove_suffix(1);
  }
  return s;
}
}  // namespace detail

// Splits "scheme://authority/path?query#fragment" (fragment dropped); nullopt otherwise.
inline std::optional<Parts> split(std::string_view text) {
  text = detail::without_fragment(detail::trim(text));
  const std::size_t n = detail::scheme_length(text);
  if (n == 0 || text.substr(n, 3) != "://") return std::nullopt;
  Parts p;
  p.scheme = detail::lower(text.substr(0, n));
  std::string_view rest = text.substr(n + 3);
  const std::size_t path_at = std::min(rest.find_first_of("/?"), rest.size());
  p.authority = std::string(rest.substr(0, path_at));
  rest = rest.substr(path_at);
  const std::size_t query_at = std::min(rest.find('?'), rest.size());
  p.path = std::string(rest.substr(0, query_at));
  p.query = std::string(rest.substr(query_at));
  return p;
}

inline std::string join(const Parts& p) {
  return p.scheme + "://" + p.authority + (p.path.empty() ? "/" : p.path) + p.query;
}

// The host of an absolute URL, lower-case, without user info or port ("" when none).
inline std::string host(std::string_view text) {
  const auto p = split(text);
  if (!p) return {};
  std::string_view a = p->authority;
  if (const auto at = a.rfind('@'); at != std::string_view::npos) a = a.substr(at + 1);
  if (!a.empty() && a.front() == '[') return detail::lower(a.substr(0, a.find(']') + 1));
  return detail::lower(a.substr(0, a.find(':')));
}

// RFC 3986 section 5.2.4 for a path that begins with '/'.
inline std::string remove_dot_segments(std::string_view path) {
  std::vector<std::string_view> kept;
  bool trailing_slash = false;
  std::size_t i = path.empty() || path[0] != '/' ? 0 : 1;
  while (i <= path.size()) {
    const std::size_t end = std::min(path.find('/', i), path.size());
    const std::string_view segment = path.substr(i, end - i);
    const bool last = end == path.size();
    if (segment == "..") {
      if (!kept.empty()) kept.pop_back();
      trailing_slash = last;
    } else if (segment == ".") {
      trailing_slash = last;
    } else {
      kept.push_back(segment);
      trailing_slash = false;
    }
    i = end + 1;
  }
  std::string out;
  for (const std::string_view segment : kept) {
    out += '/';
    out += segment;
  }
  if (out.empty() || trailing_slash) out += '/';
  return out;
}

// The absolute URL that reference (an href) designates on the page at base, without its
// fragment; nullopt when base is not absolute or reference is not a hierarchical URL.
inline std::optional<std::string> resolve(std::string_view base, std::string_view reference) {
  auto b = split(base);
  if (!b) return std::nullopt;
  reference = detail::without_fragment(detail::trim(reference));
  if (detail::scheme_length(reference) != 0) {
    auto r = split(reference);
    if (!r) return std::nullopt;
    r->path = remove_dot_segments(r->path);
    return join(*r);
  }
  if (reference.substr(0, 2) == "//") {
    return resolve(b->scheme + ":" + std::string(reference), "");
  }
  if (reference.empty()) return join(*b);
  const std::size_t query_at = std::min(reference.find('?'), reference.size());
  const std::string_view ref_path = reference.substr(0, query_at);
  const std::string_view ref_query = reference.substr(query_at);
  if (ref_path.empty()) {
    b->query = std::string(ref_query);
  } else if (ref_path.front() == '/') {
    b->path = remove_dot_segments(ref_path);
    b->query = std::string(ref_query);
  } else {
    const std::string directory = b->path.substr(0, b->path.rfind('/') + 1);
    b->path = remove_dot_segments((directory.empty() ? "/" : directory) + std::string(ref_path));
    b->query = std::string(ref_query);
  }
  return join(*b);
}

// file:// URL of an absolute local path, percent-encoding what URLs do not allow.
inline std::string file_url(std::string_view absolute_path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = "file://";
  for (const char ch : absolute_path) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) != 0 ||
        std::string_view("/-._~!$&'()*+,;=:@").find(ch) != std::string_view::npos) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

}  // namespace conventiond::sdk::url
