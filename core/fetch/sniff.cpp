// Media type sniffing. See include/conventiond/fetch/sniff.hpp.
#include <conventiond/fetch/sniff.hpp>

#include <algorithm>
#include <array>

namespace conventiond {
namespace {

bool starts_with(std::string_view s, std::string_view prefix) noexcept {
  return s.substr(0, prefix.size()) == prefix;
}

char lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string lowered(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), lower);
  return out;
}

bool is_ws(char c) noexcept { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f'; }

bool is_binary_type(std::string_view t) noexcept {
  return t == "application/pdf" || starts_with(t, "image/") || t == "application/zip" ||
         t == "application/gzip" || t == "application/x-ole-storage" || t == "application/rtf";
}

bool is_generic_type(std::string_view t) noexcept {
  return t.empty() || t == "application/octet-stream" || t == "binary/octet-stream" ||
         t == "application/unknown" || t == "unknown/unknown" || t == "text/plain" ||
         t == "application/xml" || t == "text/xml" || t == "application/x-download" ||
         t == "application/force-download";
}

}  // namespace

std::string sniff_bytes(std::string_view body) {
  struct Magic {
    std::string_view bytes;
    const char* type;
  };
  static constexpr std::array<Magic, 9> magics{{
      {"\x89PNG\r\n\x1a\n", "image/png"},
      {"\xFF\xD8\xFF", "image/jpeg"},
      {"GIF87a", "image/gif"},
      {"GIF89a", "image/gif"},
      {std::string_view("PK\x03\x04", 4), "application/zip"},
      {"\x1F\x8B", "application/gzip"},
      {"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", "application/x-ole-storage"},
      {"{\\rtf", "application/rtf"},
      {"%PDF-", "application/pdf"},
  }};
  for (const Magic& m : magics) {
    if (starts_with(body, m.bytes)) return m.type;
  }
  // PDF readers accept junk before the header within the first 1024 bytes; a '<' before it
  // means markup that merely mentions %PDF-.
  const std::string_view head = body.substr(0, 1024);
  if (const auto at = head.find("%PDF-"); at != std::string_view::npos &&
                                          head.substr(0, at).find('<') == std::string_view::npos) {
    return "application/pdf";
  }

  std::string_view text = head;
  if (starts_with(text, "\xEF\xBB\xBF")) text.remove_prefix(3);
  while (!text.empty() && is_ws(text.front())) text.remove_prefix(1);
  const std::string start = lowered(text);
  const auto has = [&](std::string_view needle) {
    return start.find(needle) != std::string::npos;
  };
  if (starts_with(start, "<!doctype html") || starts_with(start, "<html") ||
      starts_with(start, "<head") || starts_with(start, "<body")) {
    return "text/html";
  }
  if (starts_with(start, "<?xml") || starts_with(start, "<rss") || starts_with(start, "<feed") ||
      starts_with(start, "<urlset") || starts_with(start, "<sitemapindex")) {
    if (has("<rss")) return "application/rss+xml";
    if (has("<feed")) return "application/atom+xml";
    if (has("<html")) return "application/xhtml+xml";
    return "application/xml";
  }
  return {};
}

std::string media_type_of(std::string_view content_type) {
  std::string_view t = content_type.substr(0, content_type.find(';'));
  while (!t.empty() && is_ws(t.front())) t.remove_prefix(1);
  while (!t.empty() && is_ws(t.back())) t.remove_suffix(1);
  return lowered(t);
}

std::string sniff_media_type(std::string_view body, std::string_view content_type) {
  const std::string declared = media_type_of(content_type);
  const std::string sniffed = sniff_bytes(body);
  if (!sniffed.empty() && (is_binary_type(sniffed) || is_generic_type(declared))) {
    return sniffed;
  }
  if (!declared.empty()) return declared;
  return "application/octet-stream";
}

}  // namespace conventiond
