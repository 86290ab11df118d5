// HTML pages to a TextDocument holding the main content only.
//
// 1. Encoding: BOM, HTTP header, <meta> pre-scan, UTF-8 check, windows-1252 (WHATWG order,
//    "iso-8859-1" decoded as windows-1252); the page is converted to UTF-8 before gumbo.
// 2. A linear pre-scan bounds what gumbo will face: element count and nesting depth (gumbo's
//    tree construction is quadratic in the depth of open elements, so tags nested deeper
//    than limits.max_html_depth are dropped, keeping their text).
// 3. gumbo parses with an arena allocator (no recursive tree destruction, fast allocation).
// 4. The tree is copied into a flat array without page chrome (nav, header, footer, aside,
//    forms, scripts and elements whose role/id/class name navigation, breadcrumbs, sidebars,
//    agendas, share buttons ...), with text statistics per element.
// 5. The main content is <article>/<main>/[role=main] when the page has one, else the element
//    with the best text-density score (paragraph-weighted, link text discounted).
// 6. Blocks are emitted from the main content: headings, paragraphs, list items, table rows;
//    "Publié le ..."/"Mis à jour le ..." lines become metadata, not blocks.

#include <conventiond/extract/html_document.hpp>

#include <gumbo.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <conventiond/extract/encoding.hpp>

#include "document/text_util.hpp"
#include "document/utf8_util.hpp"

namespace conventiond {
namespace {

using Clock = std::chrono::steady_clock;

// ---------------------------------------------------------------------------------------
// Arena allocator for gumbo: allocation is a pointer bump, nothing is freed before the end.

class Arena {
 public:
  static void* allocate(void* self, size_t n) { return static_cast<Arena*>(self)->alloc(n); }
  static void deallocate(void*, void*) {}

 private:
  void* alloc(std::size_t n) {
    n = (n + 15u) & ~std::size_t{15};
    if (n == 0) n = 16;
    if (n > left_) {
      std::size_t size = std::max(next_chunk_, n);
      next_chunk_ = std::min<std::size_t>(next_chunk_ * 2, kMaxChunk);
      chunks_.push_back(
          std::make_unique_for_overwrite<std::max_align_t[]>(size / sizeof(std::max_align_t) + 1));
      cur_ = reinterpret_cast<char*>(chunks_.back().get());
      left_ = size;
    }
    void* p = cur_;
    cur_ += n;
    left_ -= n;
    return p;
  }
  static constexpr std::size_t kMaxChunk = 4u * 1024u * 1024u;
  std::size_t next_chunk_ = 64u * 1024u;
  std::vector<std::unique_ptr<std::max_align_t[]>> chunks_;
  char* cur_ = nullptr;
  std::size_t left_ = 0;
};

// ---------------------------------------------------------------------------------------
// Small string helpers

char lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::size_t ifind(std::string_view hay, std::string_view needle, std::size_t from = 0) {
  if (needle.empty() || hay.size() < needle.size()) return std::string_view::npos;
  for (std::size_t i = from; i + needle.size() <= hay.size(); ++i) {
    if (lower(hay[i]) == lower(needle[0]) && iequals(hay.substr(i, needle.size()), needle))
      return i;
  }
  return std::string_view::npos;
}

bool is_html_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

bool is_alpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// charset=... inside a Content-Type value ("" if absent).
std::string charset_param(std::string_view content) {
  std::size_t p = 0;
  while ((p = ifind(content, "charset", p)) != std::string_view::npos) {
    std::size_t i = p + 7;
    while (i < content.size() && is_html_space(content[i])) ++i;
    if (i >= content.size() || content[i] != '=') {
      p = i;
      continue;
    }
    ++i;
    while (i < content.size() && is_html_space(content[i])) ++i;
    char quote = 0;
    if (i < content.size() && (content[i] == '"' || content[i] == '\'')) quote = content[i++];
    std::size_t j = i;
    while (j < content.size() && content[j] != quote && content[j] != ';' &&
           (quote != 0 || !is_html_space(content[j]))) {
      ++j;
    }
    return std::string(content.substr(i, j - i));
  }
  return {};
}

// ---------------------------------------------------------------------------------------
// Encoding sniffing

struct Attr {
  std::string name;
  std::string value;
};

// Parses the attributes of a tag starting at s[i] (just after the tag name) up to '>'.
// Returns the index just past '>' (or s.size()).
std::size_t parse_attributes(std::string_view s, std::size_t i, std::vector<Attr>* out) {
  while (i < s.size()) {
    while (i < s.size() && (is_html_space(s[i]) || s[i] == '/')) ++i;
    if (i >= s.size()) break;
    if (s[i] == '>') return i + 1;
    std::size_t ns = i;
    while (i < s.size() && !is_html_space(s[i]) && s[i] != '=' && s[i] != '>' &&
           !(s[i] == '/' && i > ns)) {
      ++i;
    }
    std::string_view name = s.substr(ns, i - ns);
    while (i < s.size() && is_html_space(s[i])) ++i;
    std::string_view value;
    if (i < s.size() && s[i] == '=') {
      ++i;
      while (i < s.size() && is_html_space(s[i])) ++i;
      if (i < s.size() && (s[i] == '"' || s[i] == '\'')) {
        char q = s[i++];
        std::size_t vs = i;
        while (i < s.size() && s[i] != q) ++i;
        value = s.substr(vs, i - vs);
        if (i < s.size()) ++i;
      } else {
        std::size_t vs = i;
        while (i < s.size() && !is_html_space(s[i]) && s[i] != '>') ++i;
        value = s.substr(vs, i - vs);
      }
    }
    if (out != nullptr && !name.empty()) {
      Attr a;
      a.name.reserve(name.size());
      for (char c : name) a.name.push_back(lower(c));
      a.value = std::string(value);
      out->push_back(std::move(a));
    }
  }
  return i;
}

// WHATWG "prescan a byte stream to determine its encoding" (simplified), over `head`.
std::string prescan_meta_charset(std::string_view head) {
  std::size_t i = 0;
  std::vector<Attr> attrs;
  while (i < head.size()) {
    std::size_t lt = head.find('<', i);
    if (lt == std::string_view::npos) break;
    i = lt;
    if (head.substr(i).starts_with("<!--")) {
      std::size_t e = head.find("-->", i + 4);
      if (e == std::string_view::npos) break;
      i = e + 3;
      continue;
    }
    if (i + 5 < head.size() && iequals(head.substr(i, 5), "<meta") &&
        (is_html_space(head[i + 5]) || head[i + 5] == '/')) {
      attrs.clear();
      i = parse_attributes(head, i + 5, &attrs);
      std::string charset;
      bool http_equiv_ct = false;
      std::string content;
      for (const auto& a : attrs) {
        if (a.name == "charset" && charset.empty()) charset = a.value;
        if (a.name == "http-equiv" && iequals(a.value, "content-type")) http_equiv_ct = true;
        if (a.name == "content") content = a.value;
      }
      if (charset.empty() && http_equiv_ct) charset = charset_param(content);
      if (!charset.empty()) {
        std::string c = canonical_charset(charset);
        if (c == "utf-16le" || c == "utf-16be") c = "utf-8";  // WHATWG: a meta cannot say UTF-16
        if (!c.empty()) return c;
      }
      continue;
    }
    if (i + 1 < head.size() && (is_alpha(head[i + 1]) || head[i + 1] == '/')) {
      // skip any other tag, attributes included (quotes may hide '>')
      std::size_t j = i + 1;
      if (head[j] == '/') ++j;
      while (j < head.size() && !is_html_space(head[j]) && head[j] != '>') ++j;
      i = parse_attributes(head, j, nullptr);
      continue;
    }
    ++i;
  }
  return {};
}

bool has_valid_multibyte(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0xC2 && document_detail::valid_utf8_sequence(s, i) > 1) return true;
  }
  return false;
}

struct Sniffed {
  std::string charset;
  std::string source;  // "bom", "header", "meta", "utf8-check", "default"
};

Sniffed sniff_encoding(std::string_view bytes, std::string_view content_type) {
  if (bytes.starts_with("\xEF\xBB\xBF")) return {"utf-8", "bom"};
  if (bytes.starts_with("\xFF\xFE")) return {"utf-16le", "bom"};
  if (bytes.starts_with("\xFE\xFF")) return {"utf-16be", "bom"};
  std::string c = canonical_charset(charset_param(content_type));
  if (!c.empty()) return {c, "header"};
  c = prescan_meta_charset(bytes.substr(0, std::min<std::size_t>(bytes.size(), 4096)));
  if (!c.empty()) return {c, "meta"};
  if (is_valid_utf8(bytes)) return {"utf-8", "utf8-check"};
  return {"windows-1252", "default"};
}

// ---------------------------------------------------------------------------------------
// Pre-scan: element count and nesting depth, flattening what is nested too deep.

// Elements that do not nest (void) or that the parser closes implicitly: not counted as depth.
bool is_void_or_implied(GumboTag t) {
  switch (t) {
    case GUMBO_TAG_AREA:
    case GUMBO_TAG_BASE:
    case GUMBO_TAG_BR:
    case GUMBO_TAG_COL:
    case GUMBO_TAG_EMBED:
    case GUMBO_TAG_HR:
    case GUMBO_TAG_IMG:
    case GUMBO_TAG_INPUT:
    case GUMBO_TAG_LINK:
    case GUMBO_TAG_META:
    case GUMBO_TAG_PARAM:
    case GUMBO_TAG_SOURCE:
    case GUMBO_TAG_TRACK:
    case GUMBO_TAG_WBR:
    case GUMBO_TAG_KEYGEN:
    case GUMBO_TAG_BASEFONT:
    case GUMBO_TAG_BGSOUND:
    case GUMBO_TAG_FRAME:
    case GUMBO_TAG_IMAGE:
    case GUMBO_TAG_ISINDEX:
    case GUMBO_TAG_P:
    case GUMBO_TAG_LI:
    case GUMBO_TAG_DT:
    case GUMBO_TAG_DD:
    case GUMBO_TAG_TR:
    case GUMBO_TAG_TD:
    case GUMBO_TAG_TH:
    case GUMBO_TAG_TBODY:
    case GUMBO_TAG_THEAD:
    case GUMBO_TAG_TFOOT:
    case GUMBO_TAG_OPTION:
    case GUMBO_TAG_OPTGROUP:
    case GUMBO_TAG_COLGROUP:
    case GUMBO_TAG_CAPTION:
    case GUMBO_TAG_RB:
    case GUMBO_TAG_RT:
    case GUMBO_TAG_RTC:
    case GUMBO_TAG_RP:
    case GUMBO_TAG_HTML:
    case GUMBO_TAG_HEAD:
    case GUMBO_TAG_BODY:
    case GUMBO_TAG_A:
    case GUMBO_TAG_NOBR:
    case GUMBO_TAG_MENUITEM:
      return true;
    default:
      return false;
  }
}

bool is_raw_text(GumboTag t) {
  switch (t) {
    case GUMBO_TAG_SCRIPT:
    case GUMBO_TAG_STYLE:
    case GUMBO_TAG_TEXTAREA:
    case GUMBO_TAG_TITLE:
    case GUMBO_TAG_XMP:
    case GUMBO_TAG_IFRAME:
    case GUMBO_TAG_NOEMBED:
    case GUMBO_TAG_NOFRAMES:
    case GUMBO_TAG_NOSCRIPT:
      return true;
    default:
      return false;
  }
}

struct Prescan {
  std::size_t elements = 0;
  std::size_t max_depth = 0;
};

// Walks the tags of `html`. When `limit` > 0 and `out` is set, start tags that would nest
// deeper than `limit` (and their matching end tags) are left out of *out.
Prescan prescan_tags(std::string_view html, std::size_t limit, std::string* out) {
  Prescan r;
  std::size_t depth = 0;
  std::size_t i = 0;
  std::size_t copied = 0;  // html[copied, i) still to copy to *out
  std::unordered_map<std::string, std::size_t> dropped;
  std::size_t dropped_total = 0;
  std::string name;
  auto cut = [&](std::size_t from, std::size_t to) {
    if (out == nullptr) return;
    out->append(html.data() + copied, from - copied);
    copied = to;
  };
  while (i < html.size()) {
    std::size_t lt = html.find('<', i);
    if (lt == std::string_view::npos) break;
    i = lt;
    std::string_view rest = html.substr(i);
    if (rest.starts_with("<!-->") || rest.starts_with("<!--->")) {  // empty comments
      i += rest.starts_with("<!-->") ? std::size_t{5} : std::size_t{6};
      continue;
    }
    if (rest.starts_with("<!--")) {
      std::size_t e = html.find("-->", i + 4);
      i = (e == std::string_view::npos) ? html.size() : e + 3;
      continue;
    }
    if (rest.size() >= 2 && (rest[1] == '!' || rest[1] == '?')) {
      std::size_t e = html.find('>', i);
      i = (e == std::string_view::npos) ? html.size() : e + 1;
      continue;
    }
    bool end_tag = rest.size() >= 2 && rest[1] == '/';
    std::size_t ns = i + (end_tag ? 2 : 1);
    if (ns >= html.size() || !is_alpha(html[ns])) {
      ++i;
      continue;
    }
    std::size_t ne = ns;
    name.clear();
    while (ne < html.size() && !is_html_space(html[ne]) && html[ne] != '>' && html[ne] != '/') {
      name.push_back(lower(html[ne]));
      ++ne;
    }
    std::size_t tag_start = i;
    i = parse_attributes(html, ne, nullptr);
    GumboTag tag = gumbo_tagn_enum(name.data(), static_cast<unsigned>(name.size()));
    if (end_tag) {
      if (!is_void_or_implied(tag)) {
        auto it = dropped_total > 0 ? dropped.find(name) : dropped.end();
        if (it != dropped.end() && it->second > 0) {
          --it->second;
          --dropped_total;
          cut(tag_start, i);
        } else if (depth > 0) {
          --depth;
        }
      }
      continue;
    }
    ++r.elements;
    if (!is_void_or_implied(tag)) {
      if (limit > 0 && depth >= limit) {
        ++dropped[name];
        ++dropped_total;
        cut(tag_start, i);
      } else {
        ++depth;
        r.max_depth = std::max(r.max_depth, depth);
      }
    }
    if (is_raw_text(tag)) {
      // skip to the matching end tag
      std::string close = "</" + name;
      std::size_t e = ifind(html, close, i);
      i = (e == std::string_view::npos) ? html.size() : e;  // its end tag is read next
    }
  }
  if (out != nullptr) out->append(html.data() + copied, html.size() - copied);
  return r;
}

// ---------------------------------------------------------------------------------------
// Flat tree

struct Node {
  const GumboNode* g = nullptr;
  int parent = -1;
  int first_child = -1;
  int last_child = -1;
  int next = -1;
  int end = 0;  // one past the last node of the subtree (pre-order)
  GumboTag tag = GUMBO_TAG_UNKNOWN;
  bool text = false;
  bool boiler = false;         // decided after statistics (forms)
  std::size_t chars = 0;       // non-space text bytes in the subtree
  std::size_t link_chars = 0;  // of which inside <a>
  std::size_t commas = 0;
  double score = 0;
};

std::string_view attr(const GumboNode* n, const char* name) {
  if (n->type != GUMBO_NODE_ELEMENT && n->type != GUMBO_NODE_TEMPLATE) return {};
  const GumboAttribute* a = gumbo_get_attribute(&n->v.element.attributes, name);
  return a == nullptr ? std::string_view{} : std::string_view(a->value);
}

// Splits a class/id value into lower-case tokens at non-alphanumerics and camelCase humps.
template <class F>
void for_each_token(std::string_view v, F&& f) {
  std::string tok;
  auto flush = [&] {
    if (!tok.empty()) f(std::string_view(tok));
    tok.clear();
  };
  for (std::size_t i = 0; i < v.size(); ++i) {
    char c = v[i];
    bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    bool upper = c >= 'A' && c <= 'Z';
    if (upper) {
      if (!tok.empty() && i > 0 && v[i - 1] >= 'a' && v[i - 1] <= 'z') flush();
      tok.push_back(lower(c));
    } else if (alnum) {
      tok.push_back(c);
    } else {
      flush();
    }
  }
  flush();
}

bool is_chrome_token(std::string_view t, bool in_content) {
  static constexpr std::array<std::string_view, 66> kAlways{
      "nav",       "navbar",     "navigation",    "menu",       "menus",         "submenu",
      "megamenu",  "breadcrumb", "breadcrumbs",   "ariane",     "filariane",     "fil",
      "chemin",    "sidebar",    "aside",         "share",      "sharing",       "partage",
      "partager",  "social",     "socials",       "reseaux",    "agenda",        "related",
      "cookie",    "cookies",    "consent",       "skip",       "skiplink",      "skiplinks",
      "evitement", "pagination", "pager",         "newsletter", "banner",        "toolbar",
      "outils",    "widget",     "widgets",       "advert",     "advertisement", "ads",
      "publicite", "popup",      "modal",         "login",      "connexion",     "search",
      "recherche", "rgpd",       "tarteaucitron", "addthis",    "sharethis",     "print",
      "imprimer",  "tags",       "similar",       "similaires", "aussi",         "rubriques",
      "comments",  "comment",    "commentaires",  "respond",    "follow",        "suivez"};
  static constexpr std::array<std::string_view, 10> kChrome{
      "header",   "footer", "entete",   "pied",      "piedpage",
      "masthead", "topbar", "colophon", "copyright", "contentinfo"};
  for (auto k : kAlways) {
    if (k == t) return true;
  }
  if (t.starts_with("nav") && t.size() <= 12 && t != "navette") return true;
  if (t.starts_with("menu") || t.starts_with("breadcrumb") || t.starts_with("sidebar") ||
      t.starts_with("cookie") || t.starts_with("share") || t.starts_with("social") ||
      t.starts_with("newsletter")) {
    return true;
  }
  if (!in_content) {
    for (auto k : kChrome) {
      if (k == t) return true;
    }
    if (t.starts_with("footer") || t.starts_with("header")) return true;
  }
  return false;
}

bool is_chrome_role(std::string_view r) {
  static constexpr std::array<std::string_view, 11> kRoles{
      "navigation", "banner",  "contentinfo", "complementary", "search", "menu",
      "menubar",    "toolbar", "dialog",      "alertdialog",   "tablist"};
  for (auto k : kRoles) {
    if (iequals(k, r)) return true;
  }
  return false;
}

bool is_dropped_tag(GumboTag t, bool in_content) {
  switch (t) {
    case GUMBO_TAG_SCRIPT:
    case GUMBO_TAG_STYLE:
    case GUMBO_TAG_NOSCRIPT:
    case GUMBO_TAG_TEMPLATE:
    case GUMBO_TAG_SVG:
    case GUMBO_TAG_MATH:
    case GUMBO_TAG_BUTTON:
    case GUMBO_TAG_IFRAME:
    case GUMBO_TAG_NAV:
    case GUMBO_TAG_ASIDE:
    case GUMBO_TAG_SELECT:
    case GUMBO_TAG_TEXTAREA:
    case GUMBO_TAG_INPUT:
    case GUMBO_TAG_OBJECT:
    case GUMBO_TAG_EMBED:
    case GUMBO_TAG_CANVAS:
    case GUMBO_TAG_VIDEO:
    case GUMBO_TAG_AUDIO:
    case GUMBO_TAG_MAP:
    case GUMBO_TAG_MENU:
    case GUMBO_TAG_HEAD:
    case GUMBO_TAG_TITLE:
    case GUMBO_TAG_META:
    case GUMBO_TAG_LINK:
    case GUMBO_TAG_BASE:
    case GUMBO_TAG_FRAMESET:
    case GUMBO_TAG_NOFRAMES:
    case GUMBO_TAG_DATALIST:
    case GUMBO_TAG_OPTION:
    case GUMBO_TAG_OPTGROUP:
    case GUMBO_TAG_APPLET:
    case GUMBO_TAG_IMG:
    case GUMBO_TAG_IMAGE:
      return true;
    case GUMBO_TAG_HEADER:
    case GUMBO_TAG_FOOTER:
      return !in_content;
    default:
      return false;
  }
}

bool is_chrome_element(const GumboNode* n, bool in_content) {
  const GumboElement& e = n->v.element;
  if (is_dropped_tag(e.tag, in_content)) return true;
  if (e.attributes.length == 0) return false;
  if (gumbo_get_attribute(&e.attributes, "hidden") != nullptr) return true;
  if (iequals(attr(n, "aria-hidden"), "true")) return true;
  std::string_view style = attr(n, "style");
  if (!style.empty() && (ifind(style, "display:none") != std::string_view::npos ||
                         ifind(style, "display: none") != std::string_view::npos)) {
    return true;
  }
  std::string_view role = attr(n, "role");
  if (!role.empty() && is_chrome_role(role)) return true;
  bool chrome = false;
  auto check = [&](std::string_view tok) {
    if (!chrome && is_chrome_token(tok, in_content)) chrome = true;
  };
  for_each_token(attr(n, "id"), check);
  if (!chrome) for_each_token(attr(n, "class"), check);
  return chrome;
}

bool is_block_tag(GumboTag t) {
  switch (t) {
    case GUMBO_TAG_P:
    case GUMBO_TAG_DIV:
    case GUMBO_TAG_SECTION:
    case GUMBO_TAG_ARTICLE:
    case GUMBO_TAG_MAIN:
    case GUMBO_TAG_H1:
    case GUMBO_TAG_H2:
    case GUMBO_TAG_H3:
    case GUMBO_TAG_H4:
    case GUMBO_TAG_H5:
    case GUMBO_TAG_H6:
    case GUMBO_TAG_HGROUP:
    case GUMBO_TAG_LI:
    case GUMBO_TAG_UL:
    case GUMBO_TAG_OL:
    case GUMBO_TAG_DL:
    case GUMBO_TAG_DT:
    case GUMBO_TAG_DD:
    case GUMBO_TAG_TABLE:
    case GUMBO_TAG_TR:
    case GUMBO_TAG_TD:
    case GUMBO_TAG_TH:
    case GUMBO_TAG_THEAD:
    case GUMBO_TAG_TBODY:
    case GUMBO_TAG_TFOOT:
    case GUMBO_TAG_CAPTION:
    case GUMBO_TAG_BLOCKQUOTE:
    case GUMBO_TAG_PRE:
    case GUMBO_TAG_FIGURE:
    case GUMBO_TAG_FIGCAPTION:
    case GUMBO_TAG_ADDRESS:
    case GUMBO_TAG_HEADER:
    case GUMBO_TAG_FOOTER:
    case GUMBO_TAG_FORM:
    case GUMBO_TAG_FIELDSET:
    case GUMBO_TAG_LEGEND:
    case GUMBO_TAG_DETAILS:
    case GUMBO_TAG_SUMMARY:
    case GUMBO_TAG_HR:
    case GUMBO_TAG_CENTER:
    case GUMBO_TAG_BODY:
    case GUMBO_TAG_HTML:
    case GUMBO_TAG_DIR:
    case GUMBO_TAG_LISTING:
    case GUMBO_TAG_PLAINTEXT:
    case GUMBO_TAG_XMP:
      return true;
    default:
      return false;
  }
}

bool is_heading(GumboTag t) {
  return t == GUMBO_TAG_H1 || t == GUMBO_TAG_H2 || t == GUMBO_TAG_H3 || t == GUMBO_TAG_H4 ||
         t == GUMBO_TAG_H5 || t == GUMBO_TAG_H6;
}

std::size_t count_non_space(std::string_view s, std::size_t& commas) {
  std::size_t n = 0;
  for (char c : s) {
    if (!is_html_space(c)) ++n;
    if (c == ',') ++commas;
  }
  return n;
}

// ---------------------------------------------------------------------------------------

class HtmlExtractor {
 public:
  HtmlExtractor(std::string_view name, const ExtractLimits& limits, Clock::time_point start)
      : name_(name), limits_(limits), start_(start) {}

  Result<TextDocument> run(std::string_view raw, std::string_view content_type);

 private:
  void build_tree(const GumboNode* root);
  void compute_stats();
  std::vector<int> choose_roots();
  int best_density_candidate();
  bool inside_roots(int idx) const;
  void read_head_metadata(const GumboNode* doc_root);
  void emit(int idx, BlockKind kind);
  void emit_children(int idx, BlockKind kind);
  void emit_table(int idx);
  void on_text(std::string_view text, BlockKind kind);
  void flush(BlockKind kind);
  void push_block(BlockKind kind, std::string text);
  void collect_text(int idx, document_detail::TextBuilder& b) const;
  bool is_layout_table(int idx) const;
  std::string node_text(int idx) const;
  bool over_time() const { return Clock::now() - start_ > limits_.max_time; }

  std::string_view name_;
  const ExtractLimits& limits_;
  Clock::time_point start_;
  std::vector<Node> nodes_;
  TextDocument doc_;
  document_detail::TextBuilder cur_;
  bool cur_list_item_ = false;  // text after a "\n •" bullet
  std::size_t text_bytes_ = 0;
  bool stopped_ = false;
  bool depth_warned_ = false;
  bool title_emitted_ = false;
  std::size_t content_blocks_ = 0;
  std::vector<int> roots_;  // main content: one element, or a candidate and its siblings
  std::string og_title_;
  std::string og_site_;
  std::string head_title_;
  std::optional<Date> meta_published_;
  std::optional<Date> dateline_;
  std::optional<Date> meta_updated_;
};

std::optional<Date> iso_prefix_date(std::string_view v) {
  std::size_t used = 0;
  while (!v.empty() && is_html_space(v.front())) v.remove_prefix(1);
  if (v.size() < 10) return std::nullopt;
  auto d = document_detail::read_french_date(v.substr(0, 10), &used);
  if (!d || used != 10) return std::nullopt;
  return d;
}

void HtmlExtractor::read_head_metadata(const GumboNode* doc_root) {
  // <html lang>, <title>, <meta> anywhere in the document (bounded walk of head + body top).
  std::vector<std::pair<const GumboNode*, int>> stack;
  stack.emplace_back(doc_root, 0);
  std::size_t visited = 0;
  while (!stack.empty() && visited < 200000) {
    auto [n, depth] = stack.back();
    stack.pop_back();
    ++visited;
    if (n->type != GUMBO_NODE_ELEMENT && n->type != GUMBO_NODE_DOCUMENT) continue;
    if (n->type == GUMBO_NODE_ELEMENT) {
      GumboTag t = n->v.element.tag;
      if (t == GUMBO_TAG_HTML && doc_.language.empty()) {
        std::string_view lang = attr(n, "lang");
        if (lang.empty()) lang = attr(n, "xml:lang");
        std::string l;
        for (char c : lang) {
          if (!is_alpha(c)) break;
          l.push_back(lower(c));
        }
        if (l.size() >= 2 && l.size() <= 3) doc_.language = l;
      } else if (t == GUMBO_TAG_TITLE && head_title_.empty()) {
        document_detail::TextBuilder b;
        for (unsigned i = 0; i < n->v.element.children.length; ++i) {
          auto* c = static_cast<const GumboNode*>(n->v.element.children.data[i]);
          if (c->type == GUMBO_NODE_TEXT || c->type == GUMBO_NODE_WHITESPACE)
            b.append(c->v.text.text);
        }
        head_title_ = b.take();
        continue;
      } else if (t == GUMBO_TAG_META) {
        std::string_view key = attr(n, "property");
        if (key.empty()) key = attr(n, "name");
        if (key.empty()) key = attr(n, "itemprop");
        std::string_view content = attr(n, "content");
        if (iequals(key, "og:title") && og_title_.empty()) {
          og_title_ = document_detail::normalize_text(content);
        } else if (iequals(key, "og:site_name")) {
          og_site_ = document_detail::normalize_text(content);
        } else if (iequals(key, "article:published_time") || iequals(key, "datePublished") ||
                   iequals(key, "date") || iequals(key, "dc.date") ||
                   iequals(key, "dc.date.issued") || iequals(key, "dcterms.created") ||
                   iequals(key, "dcterms.issued") || iequals(key, "og:published_time")) {
          if (!meta_published_) meta_published_ = iso_prefix_date(content);
        } else if (iequals(key, "article:modified_time") || iequals(key, "dateModified") ||
                   iequals(key, "og:updated_time") || iequals(key, "dcterms.modified") ||
                   iequals(key, "dc.date.modified")) {
          if (!meta_updated_) meta_updated_ = iso_prefix_date(content);
        } else if (iequals(attr(n, "http-equiv"), "content-language") && doc_.language.empty()) {
          std::string l;
          for (char c : content) {
            if (!is_alpha(c)) break;
            l.push_back(lower(c));
          }
          if (l.size() == 2) doc_.language = l;
        } else if (iequals(key, "og:locale") && doc_.language.empty() && content.size() >= 2) {
          std::string l{lower(content[0]), lower(content[1])};
          if (is_alpha(l[0]) && is_alpha(l[1])) doc_.language = l;
        }
        continue;
      }
    }
    if (depth > 64) continue;
    const GumboVector& ch =
        n->type == GUMBO_NODE_DOCUMENT ? n->v.document.children : n->v.element.children;
    for (unsigned i = ch.length; i > 0; --i) {
      stack.emplace_back(static_cast<const GumboNode*>(ch.data[i - 1]), depth + 1);
    }
  }
}

void HtmlExtractor::build_tree(const GumboNode* root) {
  struct Frame {
    const GumboNode* g;
    int parent;
    std::size_t depth;
    bool in_content;
  };
  std::vector<Frame> stack;
  stack.push_back({root, -1, 0, false});
  std::size_t max_depth = std::min<std::size_t>(limits_.max_html_depth, 2000);
  while (!stack.empty()) {
    Frame f = stack.back();
    stack.pop_back();
    const GumboNode* g = f.g;
    bool is_text = g->type == GUMBO_NODE_TEXT || g->type == GUMBO_NODE_WHITESPACE ||
                   g->type == GUMBO_NODE_CDATA;
    if (!is_text && g->type != GUMBO_NODE_ELEMENT) continue;
    bool in_content = f.in_content;
    if (!is_text) {
      if (is_chrome_element(g, in_content)) continue;
      GumboTag t = g->v.element.tag;
      if (t == GUMBO_TAG_ARTICLE || t == GUMBO_TAG_MAIN || iequals(attr(g, "role"), "main")) {
        in_content = true;
      }
    }
    int idx = static_cast<int>(nodes_.size());
    Node n;
    n.g = g;
    n.parent = f.parent;
    n.text = is_text;
    n.tag = is_text ? GUMBO_TAG_UNKNOWN : g->v.element.tag;
    if (is_text) n.chars = count_non_space(g->v.text.text, n.commas);
    nodes_.push_back(n);
    if (f.parent >= 0) {
      Node& p = nodes_[static_cast<std::size_t>(f.parent)];
      if (p.first_child < 0) {
        p.first_child = idx;
      } else {
        nodes_[static_cast<std::size_t>(p.last_child)].next = idx;
      }
      p.last_child = idx;
    }
    if (is_text) continue;
    const GumboVector& ch = g->v.element.children;
    if (ch.length == 0) continue;
    if (f.depth + 1 > max_depth) {
      if (!depth_warned_) {
        doc_.warnings.push_back(std::string(name_) + ": elements nested deeper than " +
                                std::to_string(max_depth) + " levels were not read");
        depth_warned_ = true;
      }
      continue;
    }
    for (unsigned i = ch.length; i > 0; --i) {
      stack.push_back(
          {static_cast<const GumboNode*>(ch.data[i - 1]), idx, f.depth + 1, in_content});
    }
  }
  // subtree ends (pre-order): a node's subtree ends where the next node not below it starts
  for (std::size_t i = nodes_.size(); i > 0; --i) {
    Node& n = nodes_[i - 1];
    n.end = n.last_child >= 0 ? nodes_[static_cast<std::size_t>(n.last_child)].end
                              : static_cast<int>(i);
  }
}

void HtmlExtractor::compute_stats() {
  for (std::size_t i = nodes_.size(); i > 0; --i) {
    Node& n = nodes_[i - 1];
    if (n.tag == GUMBO_TAG_A && !n.text) n.link_chars = n.chars;
    if (n.parent >= 0) {
      Node& p = nodes_[static_cast<std::size_t>(n.parent)];
      p.chars += n.chars;
      p.link_chars += n.link_chars;
      p.commas += n.commas;
    }
  }
  // forms: page chrome unless they hold the page (ASP.NET wraps the body in a <form>)
  for (auto& n : nodes_) {
    if (n.tag == GUMBO_TAG_FORM && !n.text && n.chars < 300) n.boiler = true;
  }
}

int HtmlExtractor::best_density_candidate() {
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    const Node& n = nodes_[i];
    if (n.text || n.boiler) continue;
    bool scored = false;
    switch (n.tag) {
      case GUMBO_TAG_P:
      case GUMBO_TAG_PRE:
      case GUMBO_TAG_TD:
      case GUMBO_TAG_BLOCKQUOTE:
      case GUMBO_TAG_LI:
      case GUMBO_TAG_DD:
        scored = true;
        break;
      case GUMBO_TAG_DIV:
      case GUMBO_TAG_SECTION:
      case GUMBO_TAG_FONT:
      case GUMBO_TAG_CENTER: {
        // a div holding text directly (not only through child blocks)
        std::size_t direct = 0;
        for (int c = n.first_child; c >= 0; c = nodes_[static_cast<std::size_t>(c)].next) {
          const Node& cn = nodes_[static_cast<std::size_t>(c)];
          if (cn.text || !is_block_tag(cn.tag)) direct += cn.chars;
        }
        scored = direct >= 25;
        break;
      }
      default:
        break;
    }
    if (!scored || n.chars < 25) continue;
    double link_share =
        n.chars > 0 ? static_cast<double>(n.link_chars) / static_cast<double>(n.chars) : 0;
    if (link_share > 0.5) continue;
    double s =
        1.0 + static_cast<double>(n.commas) + std::min(3.0, static_cast<double>(n.chars) / 100.0);
    int p = n.parent;
    double div = 1.0;
    for (int level = 0; level < 3 && p >= 0; ++level) {
      nodes_[static_cast<std::size_t>(p)].score += s / div;
      div = level == 0 ? 2.0 : div * 1.5;
      p = nodes_[static_cast<std::size_t>(p)].parent;
    }
  }
  int best = -1;
  double best_score = 0;
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    const Node& n = nodes_[i];
    if (n.text || n.score <= 0) continue;
    double ld = n.chars > 0 ? static_cast<double>(n.link_chars) / static_cast<double>(n.chars) : 0;
    double s = n.score * (1.0 - ld);
    if (s > best_score) {
      best_score = s;
      best = static_cast<int>(i);
    }
  }
  return best;
}

std::vector<int> HtmlExtractor::choose_roots() {
  int body = -1;
  std::vector<int> articles;
  std::vector<int> mains;
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    const Node& n = nodes_[i];
    if (n.text || n.boiler) continue;
    if (n.tag == GUMBO_TAG_BODY && body < 0) body = static_cast<int>(i);
    if (n.tag == GUMBO_TAG_ARTICLE || iequals(attr(n.g, "itemprop"), "articleBody")) {
      articles.push_back(static_cast<int>(i));
    }
    if (n.tag == GUMBO_TAG_MAIN || iequals(attr(n.g, "role"), "main"))
      mains.push_back(static_cast<int>(i));
  }
  auto content = [&](int i) {
    const Node& n = nodes_[static_cast<std::size_t>(i)];
    return n.chars - std::min(n.chars, n.link_chars);
  };
  std::size_t page_content = body >= 0 ? content(body) : 0;
  // a dominant article: most of the articles' text, and substantial
  int best_article = -1;
  std::size_t sum = 0;
  for (int a : articles) {
    // nested articles count once (the outer one)
    bool nested = false;
    for (int p = nodes_[static_cast<std::size_t>(a)].parent; p >= 0;
         p = nodes_[static_cast<std::size_t>(p)].parent) {
      if (nodes_[static_cast<std::size_t>(p)].tag == GUMBO_TAG_ARTICLE) nested = true;
    }
    if (nested) continue;
    sum += content(a);
    if (best_article < 0 || content(a) > content(best_article)) best_article = a;
  }
  if (best_article >= 0 && content(best_article) >= 200 && content(best_article) * 10 >= sum * 7) {
    return {best_article};
  }
  for (int m : mains) {
    if (content(m) >= 200 || content(m) * 2 >= page_content) return {m};
  }
  int best = best_density_candidate();
  if (best < 0) return {body >= 0 ? body : 0};
  // Readability's sibling rule: text blocks next to the best one belong to the article too
  // (a lead paragraph in its own div, the body split in several containers).
  const Node& c = nodes_[static_cast<std::size_t>(best)];
  if (c.parent < 0 || nodes_[static_cast<std::size_t>(c.parent)].tag == GUMBO_TAG_HTML)
    return {best};
  const Node& parent = nodes_[static_cast<std::size_t>(c.parent)];
  double threshold = std::max(10.0, c.score * 0.2);
  std::vector<int> roots;
  for (int k = parent.first_child; k >= 0; k = nodes_[static_cast<std::size_t>(k)].next) {
    const Node& sib = nodes_[static_cast<std::size_t>(k)];
    if (k == best) {
      roots.push_back(k);
      continue;
    }
    if (sib.text || sib.boiler || sib.chars == 0) continue;
    double ld = static_cast<double>(sib.link_chars) / static_cast<double>(sib.chars);
    bool keep = sib.score >= threshold && ld < 0.5;
    if (!keep && (sib.tag == GUMBO_TAG_P || is_heading(sib.tag))) {
      // a lone paragraph: long and not a link list, or a short sentence
      std::string t = sib.chars < 2000 ? node_text(k) : std::string();
      bool sentence = !t.empty() && (t.back() == '.' || t.back() == ':');
      keep = ld < 0.25 && (sib.chars >= 80 || (sib.chars >= 20 && ld == 0 && sentence));
      if (is_heading(sib.tag)) keep = k < best && ld < 0.5;
    }
    if (!keep && sib.tag == GUMBO_TAG_DIV && sib.chars >= 40 && sib.chars < 3000 && ld < 0.1) {
      // a lead ("chapô") in its own div: prose ending a sentence, not a list or a menu
      bool list = false;
      for (int i = k + 1; i < sib.end && !list; ++i) {
        GumboTag t = nodes_[static_cast<std::size_t>(i)].tag;
        list = t == GUMBO_TAG_LI || t == GUMBO_TAG_TABLE || t == GUMBO_TAG_UL;
      }
      std::string t = list ? std::string() : node_text(k);
      keep = !t.empty() && (t.back() == '.' || t.ends_with("\xE2\x80\xA6"));
    }
    if (keep) roots.push_back(k);
  }
  return roots;
}

bool HtmlExtractor::inside_roots(int idx) const {
  for (int r : roots_) {
    if (idx >= r && idx < nodes_[static_cast<std::size_t>(r)].end) return true;
  }
  return false;
}

std::string HtmlExtractor::node_text(int idx) const {
  document_detail::TextBuilder b;
  collect_text(idx, b);
  return b.take();
}

void HtmlExtractor::collect_text(int idx, document_detail::TextBuilder& b) const {
  const Node& n = nodes_[static_cast<std::size_t>(idx)];
  if (n.boiler) return;
  if (n.text) {
    b.append(n.g->v.text.text);
    return;
  }
  bool block = is_block_tag(n.tag) || n.tag == GUMBO_TAG_BR;
  if (block) b.space();
  for (int c = n.first_child; c >= 0; c = nodes_[static_cast<std::size_t>(c)].next)
    collect_text(c, b);
  if (block) b.space();
}

bool HtmlExtractor::is_layout_table(int idx) const {
  const Node& t = nodes_[static_cast<std::size_t>(idx)];
  bool two_cells = false;  // a data table has a row of at least two cells
  for (int i = idx + 1; i < t.end && !two_cells; ++i) {
    const Node& n = nodes_[static_cast<std::size_t>(i)];
    if (n.text || n.tag != GUMBO_TAG_TR) continue;
    int cells = 0;
    for (int c = n.first_child; c >= 0; c = nodes_[static_cast<std::size_t>(c)].next) {
      GumboTag ct = nodes_[static_cast<std::size_t>(c)].tag;
      cells += (ct == GUMBO_TAG_TD || ct == GUMBO_TAG_TH) ? 1 : 0;
    }
    two_cells = cells >= 2;
  }
  if (!two_cells) return true;
  for (int i = idx + 1; i < t.end; ++i) {
    const Node& n = nodes_[static_cast<std::size_t>(i)];
    if (n.text) continue;
    if (n.tag == GUMBO_TAG_TABLE) return true;
    if ((n.tag == GUMBO_TAG_TD || n.tag == GUMBO_TAG_TH) && n.chars > 800) return true;
    if ((n.tag == GUMBO_TAG_P || n.tag == GUMBO_TAG_UL || n.tag == GUMBO_TAG_OL ||
         is_heading(n.tag)) &&
        n.chars > 300) {
      return true;
    }
  }
  return false;
}

void HtmlExtractor::push_block(BlockKind kind, std::string text) {
  if (stopped_) return;
  if (text_bytes_ + text.size() > limits_.max_text_bytes) {
    doc_.warnings.push_back(std::string(name_) + ": text cut at " +
                            std::to_string(limits_.max_text_bytes) + " bytes");
    stopped_ = true;
    return;
  }
  text_bytes_ += text.size() + 1;
  TextBlock b;
  b.kind = kind;
  b.text = std::move(text);
  if (kind != BlockKind::title) ++content_blocks_;
  doc_.blocks.push_back(std::move(b));
}

bool starts_with_bullet(std::string_view s, std::size_t& len) {
  static constexpr std::array<std::string_view, 8> kBullets{
      "\xE2\x80\xA2", "\xE2\x97\xA6", "\xE2\x96\xAA", "\xE2\x96\xA0",
      "\xE2\x97\x8F", "\xE2\x80\xA3", "\xE2\x81\x83", "\xC2\xB7"};
  for (auto b : kBullets) {
    if (s.starts_with(b)) {
      len = b.size();
      return true;
    }
  }
  return false;
}

void HtmlExtractor::flush(BlockKind kind) {
  if (cur_.empty()) {
    cur_list_item_ = false;
    return;
  }
  std::string text = cur_.take();
  bool list_item = cur_list_item_;
  cur_list_item_ = false;
  std::size_t blen = 0;
  if (starts_with_bullet(text, blen)) {
    text = document_detail::normalize_text(std::string_view(text).substr(blen));
    list_item = true;
    if (text.empty()) return;
  }
  if (kind != BlockKind::title &&
      document_detail::read_date_line(text, doc_.published_on, doc_.updated_on)) {
    return;  // page chrome: the dates are kept as metadata
  }
  if (list_item && kind == BlockKind::paragraph) kind = BlockKind::list_item;
  if (kind == BlockKind::paragraph && content_blocks_ < 8) {
    if (auto d = document_detail::read_dateline(text)) {  // "Arras, le 18 décembre 2018"
      kind = BlockKind::dateline;
      if (!dateline_) dateline_ = d;
    }
  }
  push_block(kind, std::move(text));
}

void HtmlExtractor::on_text(std::string_view t, BlockKind kind) {
  // "item,\n  • next item": a newline followed by a bullet starts a new list item
  std::size_t start = 0;
  std::size_t pos = 0;
  while ((pos = t.find('\n', pos)) != std::string_view::npos) {
    std::size_t k = pos + 1;
    while (k < t.size() && is_html_space(t[k])) ++k;
    std::size_t blen = 0;
    if (k < t.size() && starts_with_bullet(t.substr(k), blen)) {
      cur_.append(t.substr(start, pos - start));
      flush(kind);
      cur_list_item_ = true;
      start = k + blen;
      pos = start;
    } else {
      pos = k;
    }
  }
  cur_.append(t.substr(start));
}

void HtmlExtractor::emit_children(int idx, BlockKind kind) {
  const Node& n = nodes_[static_cast<std::size_t>(idx)];
  for (int c = n.first_child; c >= 0 && !stopped_; c = nodes_[static_cast<std::size_t>(c)].next) {
    emit(c, kind);
  }
}

void HtmlExtractor::emit_table(int idx) {
  const Node& t = nodes_[static_cast<std::size_t>(idx)];
  TextTable table;
  // rows: tr children of the table or of its thead/tbody/tfoot
  std::vector<int> rows;
  for (int c = t.first_child; c >= 0; c = nodes_[static_cast<std::size_t>(c)].next) {
    const Node& cn = nodes_[static_cast<std::size_t>(c)];
    if (cn.tag == GUMBO_TAG_TR) {
      rows.push_back(c);
    } else if (cn.tag == GUMBO_TAG_THEAD || cn.tag == GUMBO_TAG_TBODY ||
               cn.tag == GUMBO_TAG_TFOOT) {
      for (int r = cn.first_child; r >= 0; r = nodes_[static_cast<std::size_t>(r)].next) {
        if (nodes_[static_cast<std::size_t>(r)].tag == GUMBO_TAG_TR) rows.push_back(r);
      }
    } else if (cn.tag == GUMBO_TAG_CAPTION) {
      std::string cap = node_text(c);
      if (!cap.empty()) push_block(BlockKind::paragraph, std::move(cap));
    }
  }
  table.first_block = doc_.blocks.size();
  auto close_table = [&] {
    table.block_count = doc_.blocks.size() - table.first_block;
    if (table.block_count > 0) doc_.tables.push_back(std::move(table));
  };
  for (int r : rows) {
    if (stopped_) break;
    TextBlock b;
    b.kind = BlockKind::table_row;
    std::vector<std::string> cells;
    bool any = false;
    const Node& rn = nodes_[static_cast<std::size_t>(r)];
    for (int c = rn.first_child; c >= 0; c = nodes_[static_cast<std::size_t>(c)].next) {
      const Node& cn = nodes_[static_cast<std::size_t>(c)];
      if (cn.tag != GUMBO_TAG_TD && cn.tag != GUMBO_TAG_TH) continue;
      std::string cell = node_text(c);
      any = any || !cell.empty();
      cells.push_back(std::move(cell));
      long span = 1;
      std::string_view cs = attr(cn.g, "colspan");
      if (!cs.empty() && cs.size() <= 3) {
        span = 0;
        for (char ch : cs) {
          if (ch < '0' || ch > '9') break;
          span = span * 10 + (ch - '0');
        }
        span = std::clamp(span, 1L, 50L);
      }
      for (long k = 1; k < span; ++k) cells.emplace_back();
    }
    if (!any) continue;
    b.set_cells(cells);
    if (text_bytes_ + b.text.size() > limits_.max_text_bytes) {
      close_table();
      push_block(BlockKind::paragraph, std::move(b.text));  // records the cut
      return;
    }
    text_bytes_ += b.text.size() + 1;
    ++content_blocks_;
    doc_.blocks.push_back(std::move(b));
  }
  close_table();
}

void HtmlExtractor::emit(int idx, BlockKind kind) {
  const Node& n = nodes_[static_cast<std::size_t>(idx)];
  if (n.boiler || stopped_) return;
  if (n.text) {
    on_text(n.g->v.text.text, kind);
    return;
  }
  GumboTag t = n.tag;
  if (t == GUMBO_TAG_BR) {
    flush(kind);
    return;
  }
  if (t == GUMBO_TAG_TIME && !meta_published_ && content_blocks_ == 0) {
    if (auto d = iso_prefix_date(attr(n.g, "datetime"))) meta_published_ = d;
  }
  if (!is_block_tag(t)) {
    emit_children(idx, kind);
    return;
  }
  flush(kind);
  if ((idx & 63) == 0 && over_time()) {
    stopped_ = true;
    return;
  }
  if (t == GUMBO_TAG_TABLE && !is_layout_table(idx)) {
    emit_table(idx);
    return;
  }
  BlockKind inner = kind;
  if (is_heading(t)) {
    inner = (t == GUMBO_TAG_H1 && !title_emitted_) ? BlockKind::title : BlockKind::heading;
    std::string h = node_text(idx);
    if (!h.empty()) {
      if (inner == BlockKind::title) title_emitted_ = true;
      if (inner == BlockKind::title ||
          !document_detail::read_date_line(h, doc_.published_on, doc_.updated_on)) {
        push_block(inner, std::move(h));
      }
    }
    return;
  } else if (t == GUMBO_TAG_LI || t == GUMBO_TAG_DT) {
    inner = BlockKind::list_item;
  } else if (t == GUMBO_TAG_UL || t == GUMBO_TAG_OL || t == GUMBO_TAG_DL) {
    inner = BlockKind::paragraph;
  }
  emit_children(idx, inner);
  flush(inner);
}

Result<TextDocument> HtmlExtractor::run(std::string_view raw, std::string_view content_type) {
  doc_.media_type = "text/html";
  doc_.content_hash = document_detail::sha256_hex(raw);

  Sniffed enc = sniff_encoding(raw, content_type);
  if (enc.charset == "utf-8" && (enc.source == "header" || enc.source == "meta") &&
      !is_valid_utf8(raw) && !has_valid_multibyte(raw)) {
    doc_.warnings.push_back(std::string(name_) +
                            ": declared UTF-8 but not UTF-8; read as windows-1252");
    enc.charset = "windows-1252";
  }
  doc_.source_encoding = enc.charset;
  std::size_t replaced = 0;
  auto decoded = to_utf8(raw, enc.charset, &replaced);
  if (!decoded) return Error{"parse", std::string(name_) + ": " + decoded.error().message};
  std::string html = std::move(decoded).value();
  if (replaced > 0) {
    doc_.warnings.push_back(std::string(name_) + ": " + std::to_string(replaced) +
                            " invalid byte sequence(s) replaced by U+FFFD");
  }

  // flatten below the walk limit: gumbo adds html/body and implied elements (tbody, tr, p)
  std::size_t walk_limit = std::min<std::size_t>(limits_.max_html_depth, 2000);
  std::size_t depth_limit =
      walk_limit > 24 ? walk_limit - 16 : std::max<std::size_t>(4, walk_limit / 2);
  Prescan pre = prescan_tags(html, 0, nullptr);
  if (pre.elements > limits_.max_html_elements) {
    return Error{"limit", std::string(name_) + ": HTML page has " + std::to_string(pre.elements) +
                              " elements, over the limit of " +
                              std::to_string(limits_.max_html_elements)};
  }
  if (pre.max_depth > depth_limit) {
    std::string flat;
    flat.reserve(html.size());
    prescan_tags(html, depth_limit, &flat);
    html = std::move(flat);
    doc_.warnings.push_back(std::string(name_) + ": elements nested deeper than " +
                            std::to_string(depth_limit) + " levels were flattened");
    depth_warned_ = true;
  }

  Arena arena;
  GumboOptions options = kGumboDefaultOptions;
  options.allocator = &Arena::allocate;
  options.deallocator = &Arena::deallocate;
  options.userdata = &arena;
  options.max_errors = 16;
  GumboOutput* out = gumbo_parse_with_options(&options, html.data(), html.size());
  if (out == nullptr || out->document == nullptr) {
    return Error{"parse", std::string(name_) + ": HTML parser failed"};
  }
  if (over_time()) {
    return Error{"limit", std::string(name_) + ": time limit of " +
                              std::to_string(limits_.max_time.count()) +
                              " ms exceeded while parsing HTML"};
  }
  read_head_metadata(out->document);
  build_tree(out->root);
  compute_stats();
  if (nodes_.empty()) {
    doc_.warnings.push_back(std::string(name_) + ": no text content found");
    doc_.title = og_title_.empty() ? head_title_ : og_title_;
    return std::move(doc_);
  }
  roots_ = choose_roots();

  // The page's h1 when it lies outside (before) the main content.
  bool h1_inside = false;
  int first_h1 = -1;
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    const Node& n = nodes_[i];
    if (n.boiler || n.text || n.tag != GUMBO_TAG_H1) continue;
    int ii = static_cast<int>(i);
    if (inside_roots(ii)) {
      h1_inside = true;
      break;
    }
    if (first_h1 < 0 && ii < roots_.front()) first_h1 = ii;
  }
  std::string h1_text;
  if (!h1_inside && first_h1 >= 0) {
    h1_text = node_text(first_h1);
    if (!h1_text.empty()) {
      push_block(BlockKind::title, h1_text);
      title_emitted_ = true;
    }
  }
  for (int r : roots_) {
    emit(r, BlockKind::paragraph);
    flush(BlockKind::paragraph);
  }
  if (stopped_ && over_time()) {
    return Error{"limit", std::string(name_) + ": time limit of " +
                              std::to_string(limits_.max_time.count()) +
                              " ms exceeded while reading HTML"};
  }

  // Dates: page statements ("Publié le") first, then <meta>/<time>.
  if (!doc_.published_on) doc_.published_on = meta_published_;
  if (!doc_.published_on) doc_.published_on = dateline_;
  if (!doc_.updated_on) doc_.updated_on = meta_updated_;
  if (!doc_.published_on && !doc_.updated_on) {
    // a "Publié le ..." line outside the main content (but not in page chrome)
    for (std::size_t i = 0; i < nodes_.size() && !doc_.published_on && !doc_.updated_on; ++i) {
      const Node& n = nodes_[i];
      if (n.text || n.boiler || n.chars < 10 || n.chars > 120) continue;
      if (n.tag != GUMBO_TAG_P && n.tag != GUMBO_TAG_DIV && n.tag != GUMBO_TAG_SPAN &&
          n.tag != GUMBO_TAG_TIME && n.tag != GUMBO_TAG_LI && n.tag != GUMBO_TAG_SMALL) {
        continue;
      }
      std::string s = node_text(static_cast<int>(i));
      document_detail::read_date_line(s, doc_.published_on, doc_.updated_on);
    }
  }

  // Title: og:title, else <title> without the site name, else the h1.
  std::string h1;
  for (const auto& b : doc_.blocks) {
    if (b.kind == BlockKind::title) {
      h1 = b.text;
      break;
    }
  }
  if (!og_site_.empty()) doc_.site_name = og_site_;
  if (!og_title_.empty()) {
    doc_.title = og_title_;
  } else if (!head_title_.empty()) {
    std::string t = head_title_;
    if (!h1.empty() && h1.size() >= 15 && t.find(h1) != std::string::npos) {
      // "Headline - Conseil départemental de la Mayenne": what follows the headline names the site
      std::string rest = t.substr(t.find(h1) + h1.size());
      while (!rest.empty() && (rest.front() == ' ' || rest.front() == '-' || rest.front() == '|')) rest.erase(0, 1);
      if (rest.starts_with("\xE2\x80\x93") || rest.starts_with("\xE2\x80\x94")) rest.erase(0, 3);
      while (!rest.empty() && rest.front() == ' ') rest.erase(0, 1);
      if (og_site_.empty()) doc_.site_name = rest;
      t = h1;
    } else if (og_site_.empty()) {
      // "Headline | Site name" (the last separator)
      for (std::string_view sep : {" | ", " - ", " \xE2\x80\x93 ", " \xE2\x80\x94 "}) {
        const std::size_t at = t.rfind(sep);
        if (at != std::string::npos && at > 10) {
          doc_.site_name = t.substr(at + sep.size());
          t.resize(at);
          break;
        }
      }
    } else if (!og_site_.empty() && t.size() > og_site_.size() + 3 && t.ends_with(og_site_)) {
      t.resize(t.size() - og_site_.size());
      while (!t.empty() && (t.back() == ' ' || t.back() == '-' || t.back() == '|')) t.pop_back();
      if (t.ends_with("\xE2\x80\x93") || t.ends_with("\xE2\x80\x94")) {
        t.resize(t.size() - 3);
        while (!t.empty() && t.back() == ' ') t.pop_back();
      }
    }
    doc_.title = t;
  } else {
    doc_.title = h1;
  }

  if (doc_.blocks.empty()) doc_.warnings.push_back(std::string(name_) + ": no text content found");
  if (doc_.language.empty()) {
    std::string sample;
    for (const auto& b : doc_.blocks) {
      if (sample.size() > 8000) break;
      sample.push_back(' ');
      sample.append(b.text);
      sample.push_back(' ');
    }
    doc_.language = document_detail::detect_language(sample);
  }
  return std::move(doc_);
}

}  // namespace

Result<TextDocument> parse_html(std::string_view bytes, std::string_view content_type,
                                std::string_view name, const ExtractLimits& limits) {
  auto start = Clock::now();
  if (bytes.size() > limits.max_input_bytes) {
    return Error{"limit", std::string(name) + ": HTML input of " + std::to_string(bytes.size()) +
                              " bytes exceeds the limit of " +
                              std::to_string(limits.max_input_bytes) + " bytes"};
  }
  try {
    HtmlExtractor ex(name, limits, start);
    return ex.run(bytes, content_type);
  } catch (const std::bad_alloc&) {
    return Error{"limit", std::string(name) + ": out of memory while parsing HTML"};
  } catch (const std::exception& e) {
    return Error{"parse", std::string(name) + ": " + e.what()};
  }
}

}  // namespace conventiond
