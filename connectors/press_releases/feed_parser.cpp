#include "feed_parser.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include <pugixml.hpp>

namespace conventiond::harvest {

namespace {

bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && lower_ascii(s.substr(0, prefix.size())) == prefix;
}

// The name of an element without its namespace prefix ("dc:date" -> "date").
std::string_view local_name(const pugi::xml_node& node) {
  const std::string_view name = node.name();
  const std::size_t colon = name.rfind(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

std::string text_of(const pugi::xml_node& node) { return std::string(trim(node.child_value())); }

// The skipped part of a document before its first markup: BOM, white space.
std::string_view after_prolog(std::string_view bytes) {
  if (bytes.substr(0, 3) == "\xEF\xBB\xBF") bytes.remove_prefix(3);
  return trim(bytes);
}

int two_digits(std::string_view s, std::size_t at) {
  return (s[at] - '0') * 10 + (s[at + 1] - '0');
}

std::string format_date(int year, int month, int day) {
  if (year < 1000 || year > 9999 || month < 1 || month > 12 || day < 1 || day > 31) return {};
  std::array<char, 16> buffer{};
  std::snprintf(buffer.data(), buffer.size(), "%04d-%02d-%02d", year, month, day);
  return std::string(buffer.data());
}

std::string iso_date(std::string_view s) {
  if (s.size() < 10 || !is_digit(s[0]) || !is_digit(s[1]) || !is_digit(s[2]) || !is_digit(s[3]) ||
      s[4] != '-' || !is_digit(s[5]) || !is_digit(s[6]) || s[7] != '-' || !is_digit(s[8]) ||
      !is_digit(s[9])) {
    return {};
  }
  if (s.size() > 10 && is_digit(s[10])) return {};
  return format_date(two_digits(s, 0) * 100 + two_digits(s, 2), two_digits(s, 5), two_digits(s, 8));
}

// 1..12 for an English or French month name or abbreviation, 0 otherwise.
int month_number(std::string_view token) {
  std::string t = lower_ascii(token);
  // Accented French abbreviations: "févr.", "août", "déc.".
  for (const auto& [accented, plain] :
       {std::pair<std::string_view, std::string_view>{"\xC3\xA9", "e"}, {"\xC3\xBB", "u"}}) {
    for (std::size_t at = t.find(accented); at != std::string::npos; at = t.find(accented, at)) {
      t.replace(at, accented.size(), plain);
    }
  }
  while (!t.empty() && t.back() == '.') t.pop_back();
  if (t.size() < 3) return 0;
  static constexpr std::pair<std::string_view, int> kPrefixes[] = {
      {"juin", 6}, {"juil", 7}, {"janv", 1}, {"jan", 1},  {"feb", 2},  {"fev", 2}, {"mar", 3},
      {"apr", 4},  {"avr", 4},  {"may", 5},  {"mai", 5},  {"jun", 6},  {"jul", 7}, {"aug", 8},
      {"aou", 8},  {"sep", 9},  {"oct", 10}, {"nov", 11}, {"dec", 12},
  };
  for (const auto& [prefix, number] : kPrefixes) {
    if (t.compare(0, prefix.size(), prefix) == 0) return number;
  }
  return 0;
}

std::string rfc822_date(std::string_view s) {
  std::vector<std::string_view> tokens;
  std::size_t i = 0;
  while (i < s.size() && tokens.size() < 8) {
    while (i < s.size() && (is_space(s[i]) || s[i] == ',')) ++i;
    const std::size_t begin = i;
    while (i < s.size() && !is_space(s[i]) && s[i] != ',') ++i;
    if (i > begin) tokens.push_back(s.substr(begin, i - begin));
  }
  for (std::size_t k = 0; k + 2 < tokens.size(); ++k) {
    const std::string_view day = tokens[k];
    const std::string_view year = tokens[k + 2];
    if (day.empty() || day.size() > 2 || !std::all_of(day.begin(), day.end(), is_digit)) continue;
    const int month = month_number(tokens[k + 1]);
    if (month == 0 || (year.size() != 2 && year.size() != 4) ||
        !std::all_of(year.begin(), year.end(), is_digit)) {
      continue;
    }
    int y = std::stoi(std::string(year));
    if (year.size() == 2) y += y < 70 ? 2000 : 1900;
    return format_date(y, month, std::stoi(std::string(day)));
  }
  return {};
}

// The latest readable date among the children of entry with one of the given local names.
std::string entry_date(const pugi::xml_node& entry, std::initializer_list<std::string_view> names) {
  std::string latest;
  for (const pugi::xml_node& child : entry.children()) {
    if (std::find(names.begin(), names.end(), local_name(child)) == names.end()) continue;
    const std::string date = feed_date(child.child_value());
    if (date > latest) latest = date;
  }
  return latest;
}

bool is_http(std::string_view s) {
  return starts_with_ci(s, "http://") || starts_with_ci(s, "https://");
}

// The article link of an RSS 2.0 / RSS 1.0 item.
std::string rss_link(const pugi::xml_node& item) {
  std::string atom_link;
  std::string guid;
  for (const pugi::xml_node& child : item.children()) {
    const std::string_view name = local_name(child);
    if (name == "link") {
      if (child.attribute("href")) {  // <atom:link href="..."/>
        const std::string_view rel = child.attribute("rel").value();
        if (atom_link.empty() && (rel.empty() || rel == "alternate")) {
          atom_link = trim(child.attribute("href").value());
        }
      } else if (const std::string text = text_of(child); !text.empty()) {
        return text;
      }
    } else if (name == "guid" && guid.empty() &&
               std::string_view(child.attribute("isPermaLink").value()) != "false") {
      if (const std::string text = text_of(child); is_http(text)) guid = text;
    }
  }
  if (!atom_link.empty()) return atom_link;
  if (!guid.empty()) return guid;
  return std::string(trim(item.attribute("rdf:about").value()));
}

// The link of an Atom entry: rel="alternate" (or no rel), HTML preferred.
std::string atom_link(const pugi::xml_node& entry) {
  std::string any;
  for (const pugi::xml_node& child : entry.children()) {
    if (local_name(child) != "link") continue;
    const std::string_view rel = child.attribute("rel").value();
    const std::string href(trim(child.attribute("href").value()));
    if (href.empty() || (!rel.empty() && rel != "alternate")) continue;
    const std::string type = lower_ascii(child.attribute("type").value());
    if (type.empty() || type.find("html") != std::string::npos) return href;
    if (any.empty()) any = href;
  }
  if (!any.empty()) return any;
  if (const std::string id = text_of(entry.child("id")); is_http(id)) return id;
  return {};
}

struct Vocabulary {
  FeedKind kind;
  std::string_view entry;  // local name of the entry elements
};

void collect(const pugi::xml_node& parent, const Vocabulary& v, std::size_t max_entries,
             Feed& feed) {
  for (const pugi::xml_node& node : parent.children()) {
    if (node.type() != pugi::node_element || local_name(node) != v.entry) continue;
    ++feed.total_entries;
    if (feed.entries.size() >= max_entries) continue;
    FeedEntry e;
    switch (v.kind) {
      case FeedKind::rss:
      case FeedKind::rdf:
        e.link = rss_link(node);
        e.date = entry_date(node, {"pubDate", "date", "updated", "published", "modified"});
        break;
      case FeedKind::atom:
        e.link = atom_link(node);
        e.date = entry_date(node, {"updated", "published"});
        break;
      case FeedKind::urlset:
      case FeedKind::sitemap_index:
        e.link = text_of(node.child("loc"));
        if (e.link.empty()) {  // a prefixed sitemap ("sm:loc")
          for (const pugi::xml_node& child : node.children()) {
            if (local_name(child) == "loc") e.link = text_of(child);
          }
        }
        e.date = entry_date(node, {"lastmod"});
        break;
    }
    if (!e.link.empty()) feed.entries.push_back(std::move(e));
  }
}

Error parse_error(std::string_view name, const std::string& problem) {
  return Error::make("parse", std::string(name) + ": " + problem);
}

}  // namespace

std::string_view feed_kind_name(FeedKind kind) {
  switch (kind) {
    case FeedKind::rss:
      return "RSS 2.0 feed";
    case FeedKind::rdf:
      return "RSS 1.0 (RDF) feed";
    case FeedKind::atom:
      return "Atom feed";
    case FeedKind::urlset:
      return "sitemap";
    case FeedKind::sitemap_index:
      return "sitemap index";
  }
  return "feed";
}

std::string feed_date(std::string_view text) {
  text = trim(text);
  if (std::string iso = iso_date(text); !iso.empty()) return iso;
  return rfc822_date(text);
}

Result<Feed> parse_feed(std::string_view bytes, std::string_view name, std::size_t max_entries) {
  const std::string_view start = after_prolog(bytes);
  if (start.empty()) return parse_error(name, "empty document, not a feed or sitemap");
  if (bytes.substr(0, 2) == "\x1F\x8B") {
    return parse_error(name, "gzip-compressed content is not supported (give the plain .xml)");
  }
  if (starts_with_ci(start, "<!doctype html") || starts_with_ci(start, "<html")) {
    return parse_error(name, "an HTML page, not a feed or sitemap");
  }

  pugi::xml_document doc;
  // pugixml expands only the predefined entities and character references, and never loads
  // anything external; the DOCTYPE is kept to refuse entity declarations below.
  const pugi::xml_parse_result parsed = doc.load_buffer(
      bytes.data(), bytes.size(), pugi::parse_default | pugi::parse_doctype, pugi::encoding_auto);
  if (!parsed) {
    return parse_error(name, std::string("not well-formed XML: ") + parsed.description() +
                                 " at offset " + std::to_string(parsed.offset));
  }
  for (const pugi::xml_node& node : doc.children()) {
    // A feed that declares entities (a "billion laughs", an external entity) means harm or a
    // DTD this reader would not honour: its text would be wrong either way.
    if (node.type() == pugi::node_doctype &&
        std::string_view(node.value()).find("<!ENTITY") != std::string_view::npos) {
      return parse_error(name, "DTD entity declarations are not supported");
    }
  }
  const pugi::xml_node root = doc.document_element();
  const std::string_view root_name = local_name(root);
  Feed feed;
  if (root_name == "rss") {
    feed.kind = FeedKind::rss;
    collect(root, {FeedKind::rss, "item"}, max_entries, feed);  // RSS 0.9x strays
    for (const pugi::xml_node& channel : root.children()) {
      if (local_name(channel) == "channel")
        collect(channel, {FeedKind::rss, "item"}, max_entries, feed);
    }
  } else if (root_name == "RDF") {
    feed.kind = FeedKind::rdf;
    collect(root, {FeedKind::rdf, "item"}, max_entries, feed);
  } else if (root_name == "feed") {
    feed.kind = FeedKind::atom;
    collect(root, {FeedKind::atom, "entry"}, max_entries, feed);
  } else if (root_name == "urlset") {
    feed.kind = FeedKind::urlset;
    collect(root, {FeedKind::urlset, "url"}, max_entries, feed);
  } else if (root_name == "sitemapindex") {
    feed.kind = FeedKind::sitemap_index;
    collect(root, {FeedKind::sitemap_index, "sitemap"}, max_entries, feed);
  } else if (lower_ascii(root_name) == "html") {
    return parse_error(name, "an HTML page, not a feed or sitemap");
  } else {
    std::string shown(root_name.substr(0, 64));
    return parse_error(name, "not a feed or sitemap (root element <" + shown + ">)");
  }
  return feed;
}

}  // namespace conventiond::harvest
