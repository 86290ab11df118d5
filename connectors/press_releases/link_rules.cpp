#include "link_rules.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>
#include <string_view>

#include <conventiond/sdk/url.hpp>

namespace conventiond::harvest {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }
char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower(c);
  return out;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool is_hex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

// Percent-encodes what a URL may not contain; a '%' not followed by two hex digits too.
std::string encode_url(std::string_view url) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(url.size());
  for (std::size_t i = 0; i < url.size(); ++i) {
    const auto c = static_cast<unsigned char>(url[i]);
    const bool bad_percent =
        c == '%' && !(i + 2 < url.size() && is_hex(url[i + 1]) && is_hex(url[i + 2]));
    if (c <= 0x20 || c >= 0x7F || bad_percent ||
        std::string_view("\"<>\\^`{|}").find(static_cast<char>(c)) != std::string_view::npos) {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

// url with the host part of its authority in lower case.
std::string lower_host(std::string url) {
  const std::size_t start = url.find("://");
  if (start == std::string::npos) return url;
  const std::size_t begin = start + 3;
  const std::size_t end = std::min(url.find_first_of("/?", begin), url.size());
  const std::size_t at = url.rfind('@', end);
  for (std::size_t i = at != std::string::npos && at >= begin ? at + 1 : begin; i < end; ++i) {
    url[i] = lower(url[i]);
  }
  return url;
}

std::string scheme_of(std::string_view url) {
  return lower_ascii(url.substr(0, sdk::url::detail::scheme_length(url)));
}

// ASCII replacements of U+00C0..U+00FF ("" keeps the letter as it is).
constexpr std::array<std::string_view, 64> kFolded = {
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
    "d", "n", "o", "o", "o", "o", "o",  "",  "o", "u", "u", "u", "u", "y", "",  "ss",
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
    "d", "n", "o", "o", "o", "o", "o",  "",  "o", "u", "u", "u", "u", "y", "",  "y"};

void push_space(std::string& out) {
  if (!out.empty() && out.back() != ' ') out.push_back(' ');
}

// Removes leading and trailing spaces, arrows, dots and colons.
std::string_view strip_arrows(std::string_view s, int& arrows) {
  static constexpr std::string_view kArrows[] = {"\xE2\x80\xBA", "\xC2\xBB", ">",
                                                 "\xE2\x86\x92"};  // › » > →
  bool changed = true;
  while (changed && !s.empty()) {
    changed = false;
    if (s.front() == ' ' || s.front() == '.' || s.front() == ':') {
      s.remove_prefix(1);
      changed = true;
    } else if (s.back() == ' ' || s.back() == '.' || s.back() == ':') {
      s.remove_suffix(1);
      changed = true;
    }
    for (const std::string_view a : kArrows) {
      if (s.substr(0, a.size()) == a) {
        s.remove_prefix(a.size());
        ++arrows;
        changed = true;
      } else if (s.size() >= a.size() && s.substr(s.size() - a.size()) == a) {
        s.remove_suffix(a.size());
        ++arrows;
        changed = true;
      }
    }
  }
  return s;
}

bool says_next(std::string_view text) {
  const std::string folded = fold(text);
  int arrows = 0;
  const std::string_view words = strip_arrows(folded, arrows);
  if (words.empty()) return arrows == 1;
  static constexpr std::string_view kNext[] = {
      "suivant", "suivante", "page suivante", "pages suivantes",
      "suiv",    "next",     "next page",     "aller a la page suivante"};
  return std::find(std::begin(kNext), std::end(kNext), words) != std::end(kNext);
}

bool has_token(std::string_view list, std::string_view token) {
  std::size_t i = 0;
  while (i < list.size()) {
    while (i < list.size() && list[i] == ' ') ++i;
    const std::size_t end = std::min(list.find(' ', i), list.size());
    if (list.substr(i, end - i) == token) return true;
    i = end;
  }
  return false;
}

bool is_word_at(std::string_view s, std::size_t at, std::size_t len) {
  return (at == 0 || !is_alnum(s[at - 1])) && (at + len >= s.size() || !is_alnum(s[at + len]));
}

// Whether folded text holds a file size: digits, optionally a decimal part, a unit.
bool has_file_size(std::string_view s) {
  static constexpr std::string_view kUnits[] = {"octets", "ko", "kb",  "mo", "mb",
                                                "go",     "gb", "kio", "mio"};
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (!is_digit(s[i]) || (i > 0 && (is_alnum(s[i - 1])))) continue;
    std::size_t k = i;
    while (k < s.size() && is_digit(s[k])) ++k;
    if (k + 1 < s.size() && (s[k] == ',' || s[k] == '.') && is_digit(s[k + 1])) {
      ++k;
      while (k < s.size() && is_digit(s[k])) ++k;
    }
    if (k < s.size() && s[k] == ' ') ++k;
    for (const std::string_view unit : kUnits) {
      if (s.compare(k, unit.size(), unit) == 0 && is_word_at(s, k, unit.size())) return true;
    }
    i = k > i ? k - 1 : i;
  }
  return false;
}

// Whether the key of the query parameter or path segment that prefix ends with names a page.
bool ends_with_page_marker(std::string_view prefix) {
  const std::string p = lower_ascii(prefix.substr(prefix.size() > 64 ? prefix.size() - 64 : 0));
  for (const std::string_view marker : {"/page/", "/page-", "/p/", "/page"}) {
    if (ends_with(p, marker)) return true;
  }
  if (p.empty() || p.back() != '=') return false;
  const std::size_t key_at = p.find_last_of("?&;");
  if (key_at == std::string::npos) return false;
  const std::string_view key = std::string_view(p).substr(key_at + 1, p.size() - key_at - 2);
  static constexpr std::string_view kKeys[] = {
      "page",  "pg",     "paged", "pagenum", "page_num",   "numpage", "pagination",
      "start", "offset", "from",  "debut",   "pagenumber", "page_no"};
  if (std::find(std::begin(kKeys), std::end(kKeys), key) != std::end(kKeys)) return true;
  return key.substr(0, 6) == "debut_" || ends_with(key, "[page]") || ends_with(key, "_page") ||
         ends_with(key, "%5bpage%5d");
}

std::optional<long long> number(std::string_view digits) {
  if (digits.empty() || digits.size() > 9 || !std::all_of(digits.begin(), digits.end(), is_digit)) {
    return std::nullopt;
  }
  return std::stoll(std::string(digits));
}

// The page number longer adds to shorter, which it begins with ("?page=2", "&p=3", "page/4/").
std::optional<long long> added_page_number(std::string_view shorter, std::string_view longer) {
  std::string_view added = longer.substr(shorter.size());
  if (!added.empty() && added.back() == '/') added.remove_suffix(1);
  std::size_t digits_at = added.size();
  while (digits_at > 0 && is_digit(added[digits_at - 1])) --digits_at;
  const auto n = number(added.substr(digits_at));
  const std::string_view marker = added.substr(0, digits_at);
  if (!n || marker.empty()) return std::nullopt;
  const bool has_query = shorter.find('?') != std::string_view::npos;
  const bool query_marker =
      marker.front() == (has_query ? '&' : '?') && ends_with_page_marker(marker);
  const bool path_marker = !has_query && marker.find_first_of("?&=") == std::string_view::npos &&
                           ends_with_page_marker(std::string(shorter) + std::string(marker));
  if (query_marker || path_marker) return n;
  return std::nullopt;
}

}  // namespace

bool is_fetchable_url(std::string_view url) {
  if (url.empty() || url.size() > kMaxUrlLength) return false;
  for (const char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7F) return false;
  }
  const auto parts = sdk::url::split(url);
  if (!parts) return false;
  if (parts->scheme == "file") return true;
  return (parts->scheme == "http" || parts->scheme == "https") && !sdk::url::host(url).empty();
}

std::optional<std::string> resolve_link(std::string_view base, std::string_view href) {
  if (href.size() > 4 * kMaxUrlLength) return std::nullopt;
  std::string cleaned;
  cleaned.reserve(href.size());
  for (const char c : href) {
    if (c != '\t' && c != '\n' && c != '\r') cleaned.push_back(c);
  }
  const std::string_view trimmed = sdk::url::detail::trim(cleaned);
  const std::string base_scheme = scheme_of(base);
  if (const std::string scheme = scheme_of(trimmed); !scheme.empty()) {
    const bool allowed =
        scheme == "http" || scheme == "https" || (scheme == "file" && base_scheme == "file");
    if (!allowed) return std::nullopt;
  }
  auto parts = sdk::url::split(sdk::url::resolve(base, trimmed).value_or(""));
  if (!parts) return std::nullopt;
  // sdk::url::resolve leaves the dot segments of a scheme-relative "//host/a/../b" in place.
  parts->path = sdk::url::remove_dot_segments(parts->path);
  std::string url = lower_host(encode_url(sdk::url::join(*parts)));
  if (url.size() > kMaxUrlLength) return std::nullopt;
  const std::string scheme = scheme_of(url);
  if (scheme != "file" && (scheme != "http" && scheme != "https")) return std::nullopt;
  if (scheme != "file" && sdk::url::host(url).empty()) return std::nullopt;
  return url;
}

std::string link_base(std::string_view page_url, std::string_view base_href) {
  if (!base_href.empty()) {
    if (auto base = resolve_link(page_url, base_href)) return std::move(*base);
  }
  return std::string(page_url);
}

std::string fold(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    const auto next = i + 1 < s.size() ? static_cast<unsigned char>(s[i + 1]) : 0u;
    if (std::isspace(c) != 0) {
      push_space(out);
    } else if (c == 0xC2 && next == 0xA0) {  // no-break space
      push_space(out);
      ++i;
    } else if (c == 0xE2 && s.compare(i, 3, "\xE2\x80\xAF") == 0) {  // narrow no-break space
      push_space(out);
      i += 2;
    } else if (c == 0xC3 && next >= 0x80 && next <= 0xBF) {
      const std::string_view plain = kFolded[next - 0x80u];
      if (plain.empty()) {
        out.append(s.substr(i, 2));
      } else {
        out.append(plain);
      }
      ++i;
    } else if (c == 0xC5 && (next == 0x92 || next == 0x93)) {  // Œ œ
      out.append("oe");
      ++i;
    } else if (c < 0x80) {
      out.push_back(lower(static_cast<char>(c)));
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

bool has_pdf_path(std::string_view url) {
  url = url.substr(0, url.find('#'));
  url = url.substr(0, url.find('?'));
  return url.size() >= 4 && lower_ascii(url.substr(url.size() - 4)) == ".pdf";
}

bool has_document_wording(std::string_view folded) {
  if (folded.find("telecharg") != std::string_view::npos ||
      folded.find("download") != std::string_view::npos) {
    return true;
  }
  for (std::size_t at = folded.find("pdf"); at != std::string_view::npos;
       at = folded.find("pdf", at + 1)) {
    if (is_word_at(folded, at, 3)) return true;
  }
  return has_file_size(folded);
}

bool looks_like_document_link(const HtmlLink& link, std::string_view url) {
  return has_pdf_path(url) || has_document_wording(fold(link.text)) ||
         has_document_wording(fold(link.label));
}

bool says_next_page(const HtmlLink& link) {
  if (has_token(link.rel, "next")) return true;
  if (!link.anchor) return false;
  return says_next(link.text) || (link.text.empty() && says_next(link.label)) ||
         (!link.label.empty() && fold(link.label).find("page suivante") != std::string::npos);
}

std::optional<PageNumbers> page_numbers(std::string_view current, std::string_view candidate) {
  current = current.substr(0, current.find('#'));
  candidate = candidate.substr(0, candidate.find('#'));
  if (current == candidate) return std::nullopt;
  // A page number added to a URL without one: "list" -> "list?page=2", "list/" -> "list/page/2/".
  if (candidate.substr(0, current.size()) == current) {
    if (const auto n = added_page_number(current, candidate)) return PageNumbers{-1, *n};
    return std::nullopt;
  }
  if (current.substr(0, candidate.size()) == candidate) {  // back to the first page
    if (const auto n = added_page_number(candidate, current)) return PageNumbers{*n, -1};
    return std::nullopt;
  }
  // Two URLs that differ only in one number placed after a page marker.
  std::size_t prefix = 0;
  const std::size_t shortest = std::min(current.size(), candidate.size());
  while (prefix < shortest && current[prefix] == candidate[prefix]) ++prefix;
  std::size_t suffix = 0;
  while (suffix < shortest - prefix &&
         current[current.size() - 1 - suffix] == candidate[candidate.size() - 1 - suffix]) {
    ++suffix;
  }
  while (prefix > 0 && is_digit(current[prefix - 1])) --prefix;
  while (suffix > 0 && is_digit(current[current.size() - suffix])) --suffix;
  const auto a = number(current.substr(prefix, current.size() - suffix - prefix));
  const auto b = number(candidate.substr(prefix, candidate.size() - suffix - prefix));
  if (!a || !b || !ends_with_page_marker(current.substr(0, prefix))) return std::nullopt;
  return PageNumbers{*a, *b};
}

bool is_pdf(std::string_view bytes) {
  return bytes.substr(0, 1024).find("%PDF-") != std::string_view::npos;
}

std::string document_media_type(const sdk::Response& response) {
  if (is_pdf(response.body)) return "application/pdf";
  std::string type = response.media_type();
  if (type.empty() || type == "application/octet-stream" || type == "binary/octet-stream" ||
      type == "text/plain") {
    if (looks_like_html(response.body)) return "text/html";
  }
  return type.empty() ? "application/octet-stream" : type;
}

}  // namespace conventiond::harvest
