#include "html_links.hpp"

#include <array>
#include <cctype>
#include <cstdint>
#include <string>
#include <string_view>

#include <conventiond/sdk/json.hpp>

namespace conventiond::harvest {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }
char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower(c);
  return out;
}

bool equals_ci_at(std::string_view s, std::size_t at, std::string_view word) {
  if (at > s.size() || s.size() - at < word.size()) return false;
  for (std::size_t k = 0; k < word.size(); ++k) {
    if (lower(s[at + k]) != word[k]) return false;
  }
  return true;
}

// Windows-1252 code points of the bytes 0x80..0x9F (the C1 controls where it has none).
constexpr std::array<std::uint16_t, 32> kWindows1252 = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};

std::uint32_t windows1252(unsigned char c) {
  return c >= 0x80 && c < 0xA0 ? kWindows1252[c - 0x80u] : c;
}

void append_utf8(std::string& out, std::uint32_t cp) { sdk::json::detail::append_utf8(out, cp); }

bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    const std::size_t n = sdk::json::detail::utf8_sequence_length(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

// Names of the Latin-1 letters U+00C0..U+00FF, in order.
constexpr std::array<std::string_view, 64> kLatin1Names = {
    "Agrave", "Aacute", "Acirc",  "Atilde", "Auml",   "Aring",  "AElig", "Ccedil",
    "Egrave", "Eacute", "Ecirc",  "Euml",   "Igrave", "Iacute", "Icirc", "Iuml",
    "ETH",    "Ntilde", "Ograve", "Oacute", "Ocirc",  "Otilde", "Ouml",  "times",
    "Oslash", "Ugrave", "Uacute", "Ucirc",  "Uuml",   "Yacute", "THORN", "szlig",
    "agrave", "aacute", "acirc",  "atilde", "auml",   "aring",  "aelig", "ccedil",
    "egrave", "eacute", "ecirc",  "euml",   "igrave", "iacute", "icirc", "iuml",
    "eth",    "ntilde", "ograve", "oacute", "ocirc",  "otilde", "ouml",  "divide",
    "oslash", "ugrave", "uacute", "ucirc",  "uuml",   "yacute", "thorn", "yuml"};

struct NamedReference {
  std::string_view name;
  std::uint32_t code_point;
};

constexpr NamedReference kNamed[] = {
    {"amp", '&'},       {"lt", '<'},        {"gt", '>'},       {"quot", '"'},
    {"apos", '\''},     {"nbsp", 0xA0},     {"laquo", 0xAB},   {"raquo", 0xBB},
    {"copy", 0xA9},     {"reg", 0xAE},      {"deg", 0xB0},     {"middot", 0xB7},
    {"oelig", 0x153},   {"OElig", 0x152},   {"ndash", 0x2013}, {"mdash", 0x2014},
    {"lsquo", 0x2018},  {"rsquo", 0x2019},  {"sbquo", 0x201A}, {"ldquo", 0x201C},
    {"rdquo", 0x201D},  {"bdquo", 0x201E},  {"bull", 0x2022},  {"hellip", 0x2026},
    {"lsaquo", 0x2039}, {"rsaquo", 0x203A}, {"euro", 0x20AC},  {"rarr", 0x2192},
    {"larr", 0x2190},   {"thinsp", 0x2009}, {"ensp", 0x2002},  {"emsp", 0x2003},
};

std::uint32_t named_reference(std::string_view name) {
  for (const NamedReference& r : kNamed) {
    if (r.name == name) return r.code_point;
  }
  for (std::size_t k = 0; k < kLatin1Names.size(); ++k) {
    if (kLatin1Names[k] == name) return static_cast<std::uint32_t>(0xC0 + k);
  }
  return 0;
}

// Appends text to out with white space (and no-break spaces) collapsed to one space, up to
// limit bytes.
void append_collapsed(std::string& out, std::string_view text, std::size_t limit) {
  for (std::size_t i = 0; i < text.size() && out.size() < limit; ++i) {
    const bool nbsp = text.compare(i, 2, "\xC2\xA0") == 0;
    if (is_space(text[i]) || nbsp) {
      if (nbsp) ++i;
      if (!out.empty() && out.back() != ' ') out.push_back(' ');
    } else {
      out.push_back(text[i]);
    }
  }
}

// s cut to at most limit bytes on a UTF-8 boundary, without trailing space.
std::string finish_text(std::string s, std::size_t limit) {
  if (s.size() > limit) {
    std::size_t cut = limit;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
    s.resize(cut);
  }
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

std::string clean_text(std::string_view raw) {
  std::string collapsed;
  append_collapsed(collapsed, decode_references(raw), kMaxLinkText + 8);
  return finish_text(std::move(collapsed), kMaxLinkText);
}

struct Attributes {
  std::string_view href, rel, title, aria_label, alt;
  bool has_href = false;
};

// Reads the attributes of a tag from at (just after its name) to its '>'; returns the
// position after the '>', or npos when the input ends inside the tag.
std::size_t read_attributes(std::string_view html, std::size_t at, Attributes& a) {
  const std::size_t n = html.size();
  std::size_t k = at;
  while (k < n) {
    while (k < n && (is_space(html[k]) || html[k] == '/')) ++k;
    if (k >= n) break;
    if (html[k] == '>') return k + 1;
    const std::size_t name_at = k;
    while (k < n && !is_space(html[k]) && html[k] != '=' && html[k] != '>' && html[k] != '/') ++k;
    const std::string_view name = html.substr(name_at, k - name_at);
    while (k < n && is_space(html[k])) ++k;
    std::string_view value;
    bool has_value = false;
    if (k < n && html[k] == '=') {
      ++k;
      while (k < n && is_space(html[k])) ++k;
      if (k < n && (html[k] == '"' || html[k] == '\'')) {
        const std::size_t close = html.find(html[k], k + 1);
        const std::size_t end = close == std::string_view::npos ? n : close;
        value = html.substr(k + 1, end - k - 1);
        k = end == n ? n : end + 1;
      } else {
        const std::size_t begin = k;
        while (k < n && !is_space(html[k]) && html[k] != '>') ++k;
        value = html.substr(begin, k - begin);
      }
      has_value = true;
    }
    if (name.size() > 10) continue;
    const std::string lname = lower_ascii(name);
    if (lname == "href" && has_value && !a.has_href) {
      a.href = value;
      a.has_href = true;
    } else if (lname == "rel") {
      a.rel = value;
    } else if (lname == "title") {
      a.title = value;
    } else if (lname == "aria-label") {
      a.aria_label = value;
    } else if (lname == "alt") {
      a.alt = value;
    }
  }
  return std::string_view::npos;
}

bool is_inline(std::string_view tag) {
  static constexpr std::string_view kInline[] = {"span", "b",    "i",    "em",  "strong",
                                                 "u",    "abbr", "sup",  "sub", "small",
                                                 "font", "mark", "code", "bdi", "time"};
  for (const std::string_view t : kInline) {
    if (t == tag) return true;
  }
  return false;
}

bool is_raw_text(std::string_view tag) {
  return tag == "script" || tag == "style" || tag == "textarea" || tag == "template" ||
         tag == "title" || tag == "xmp";
}

std::string label_of(const Attributes& a) {
  std::string label;
  if (!a.title.empty()) label = clean_text(a.title);
  if (!a.aria_label.empty()) {
    const std::string aria = clean_text(a.aria_label);
    if (!aria.empty() && aria != label) label += label.empty() ? aria : " " + aria;
  }
  return finish_text(std::move(label), kMaxLinkText);
}

class Scanner {
 public:
  Scanner(std::string_view html, std::size_t max_links) : html_(html), max_links_(max_links) {}

  HtmlLinks run() {
    const std::size_t n = html_.size();
    std::size_t i = 0;
    while (i < n && !full_) {
      const std::size_t lt = html_.find('<', i);
      const std::size_t text_end = lt == std::string_view::npos ? n : lt;
      if (in_anchor_) add_text(html_.substr(i, text_end - i));
      if (lt == std::string_view::npos) break;
      i = tag(lt);
    }
    if (in_anchor_) close_anchor();
    return std::move(out_);
  }

 private:
  // Reads the markup that begins at lt; returns where the text after it begins.
  std::size_t tag(std::size_t lt) {
    const std::size_t n = html_.size();
    if (html_.compare(lt, 4, "<!--") == 0) {
      const std::size_t end = html_.find("-->", lt + 4);
      return end == std::string_view::npos ? n : end + 3;
    }
    if (lt + 1 < n && (html_[lt + 1] == '!' || html_[lt + 1] == '?')) {
      const std::size_t end = html_.find('>', lt);
      return end == std::string_view::npos ? n : end + 1;
    }
    const bool closing = lt + 1 < n && html_[lt + 1] == '/';
    const std::size_t name_at = lt + (closing ? 2 : 1);
    std::size_t j = name_at;
    while (j < n && is_alnum(html_[j])) ++j;
    if (j == name_at || !std::isalpha(static_cast<unsigned char>(html_[name_at]))) {
      if (in_anchor_) add_text("<");  // a lone '<' is text
      return lt + 1;
    }
    const std::string name =
        lower_ascii(html_.substr(name_at, std::min<std::size_t>(j - name_at, 16)));
    if (closing) {
      if (name == "a" && in_anchor_)
        close_anchor();
      else if (in_anchor_ && !is_inline(name))
        add_text(" ");
      const std::size_t end = html_.find('>', j);
      return end == std::string_view::npos ? n : end + 1;
    }
    Attributes a;
    std::size_t after = read_attributes(html_, j, a);
    if (after == std::string_view::npos) return n;  // a tag cut by the end of the input
    if (name == "a") {
      if (in_anchor_) close_anchor();
      in_anchor_ = true;
      anchor_has_href_ = a.has_href;
      anchor_ = HtmlLink{};
      if (a.has_href) anchor_.href = decode_references(a.href);
      anchor_.rel = lower_ascii(clean_text(a.rel));
      anchor_.label = label_of(a);
      raw_text_.clear();
    } else if (name == "link" && a.has_href) {
      HtmlLink link;
      link.href = decode_references(a.href);
      link.rel = lower_ascii(clean_text(a.rel));
      link.label = label_of(a);
      link.anchor = false;
      add(std::move(link));
    } else if (name == "base" && a.has_href && !base_seen_) {
      out_.base = decode_references(a.href);
      base_seen_ = true;
    } else if (in_anchor_) {
      if (name == "img" && !a.alt.empty()) {
        add_text(" ");
        add_text(a.alt);
        add_text(" ");
      } else if (!is_inline(name)) {
        add_text(" ");
      }
    }
    if (is_raw_text(name)) after = skip_raw_text(after, name);
    return after;
  }

  // The position after the end tag of a raw text element (script, style...).
  std::size_t skip_raw_text(std::size_t from, std::string_view name) const {
    const std::size_t n = html_.size();
    for (std::size_t at = html_.find("</", from); at != std::string_view::npos;
         at = html_.find("</", at + 2)) {
      if (equals_ci_at(html_, at + 2, name)) {
        const std::size_t end = html_.find('>', at);
        return end == std::string_view::npos ? n : end + 1;
      }
    }
    return n;
  }

  void add_text(std::string_view text) {
    const std::size_t room = kMaxLinkText * 4;
    if (raw_text_.size() < room) raw_text_.append(text.substr(0, room - raw_text_.size()));
  }

  void close_anchor() {
    in_anchor_ = false;
    if (!anchor_has_href_) return;
    anchor_.text = clean_text(raw_text_);
    add(std::move(anchor_));
  }

  void add(HtmlLink link) {
    if (out_.links.size() >= max_links_) {
      out_.truncated = true;
      full_ = true;
      return;
    }
    out_.links.push_back(std::move(link));
  }

  std::string_view html_;
  std::size_t max_links_;
  HtmlLinks out_;
  HtmlLink anchor_;
  std::string raw_text_;
  bool in_anchor_ = false;
  bool anchor_has_href_ = false;
  bool base_seen_ = false;
  bool full_ = false;
};

}  // namespace

std::string to_utf8(std::string_view bytes) {
  if (valid_utf8(bytes)) return std::string(bytes);
  std::string out;
  out.reserve(bytes.size() + bytes.size() / 8);
  for (const char c : bytes) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x80) {
      out.push_back(c);
    } else {
      append_utf8(out, windows1252(u));
    }
  }
  return out;
}

std::string decode_references(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    const std::size_t amp = s.find('&', i);
    out.append(s.substr(i, amp == std::string_view::npos ? std::string_view::npos : amp - i));
    if (amp == std::string_view::npos) break;
    i = amp + 1;
    if (i < s.size() && s[i] == '#') {
      const bool hex = i + 1 < s.size() && (s[i + 1] == 'x' || s[i + 1] == 'X');
      std::size_t k = i + (hex ? 2 : 1);
      std::uint32_t cp = 0;
      std::size_t digits = 0;
      while (k < s.size() && digits < 8 &&
             (hex ? std::isxdigit(static_cast<unsigned char>(s[k])) != 0
                  : std::isdigit(static_cast<unsigned char>(s[k])) != 0)) {
        const char d = lower(s[k]);
        cp = cp * (hex ? 16u : 10u) + static_cast<std::uint32_t>(d >= 'a' ? d - 'a' + 10 : d - '0');
        ++k;
        ++digits;
      }
      if (digits == 0) {
        out.push_back('&');
        continue;
      }
      if (k < s.size() && s[k] == ';') ++k;
      if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
      if (cp >= 0x80 && cp < 0xA0) cp = windows1252(static_cast<unsigned char>(cp));
      append_utf8(out, cp);
      i = k;
      continue;
    }
    std::size_t k = i;
    while (k < s.size() && k - i < 8 && is_alnum(s[k])) ++k;
    const std::string_view name = s.substr(i, k - i);
    const std::uint32_t cp = name.empty() ? 0 : named_reference(name);
    const bool semicolon = k < s.size() && s[k] == ';';
    // Without ';', only the legacy &amp; &lt; &gt; &quot; not followed by '=' ("?a=1&lt=2").
    const bool legacy = (name == "amp" || name == "lt" || name == "gt" || name == "quot") &&
                        (k >= s.size() || s[k] != '=');
    if (cp != 0 && (semicolon || legacy)) {
      append_utf8(out, cp);
      i = semicolon ? k + 1 : k;
    } else {
      out.push_back('&');
    }
  }
  return out;
}

bool looks_like_html(std::string_view bytes) {
  if (bytes.substr(0, 3) == "\xEF\xBB\xBF") bytes.remove_prefix(3);
  std::size_t i = 0;
  for (int guard = 0; guard < 64; ++guard) {
    while (i < bytes.size() && is_space(bytes[i])) ++i;
    if (bytes.compare(i, 4, "<!--") != 0) break;
    const std::size_t end = bytes.find("-->", i + 4);
    if (end == std::string_view::npos) return false;
    i = end + 3;
  }
  return equals_ci_at(bytes, i, "<!doctype html") || equals_ci_at(bytes, i, "<html") ||
         equals_ci_at(bytes, i, "<head") || equals_ci_at(bytes, i, "<body");
}

HtmlLinks find_html_links(std::string_view page, std::size_t max_links) {
  if (valid_utf8(page)) return Scanner(page, max_links).run();
  const std::string converted = to_utf8(page);
  return Scanner(converted, max_links).run();
}

}  // namespace conventiond::harvest
