#pragma once
// Where a value came from: one fetched (or read) document, and what processed it.

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace conventiond {

enum class SourceRank {
  operator_ = 4,         // a correction by an operator ("operator"): above every document;
                         // never a connector's (the runner ignores it from a plugin)
  convention_text = 3,   // the convention or avenant itself
  official_release = 2,  // préfecture or département press release / page
  news = 1,              // any other publication
  unknown = 0,
};

inline constexpr std::array kAllSourceRanks = {SourceRank::operator_, SourceRank::convention_text,
                                               SourceRank::official_release, SourceRank::news,
                                               SourceRank::unknown};

// "operator", "convention_text", "official_release", "news", "unknown" (the enumerators'
// names, operator_ without its underscore).
std::string_view to_string(SourceRank r) noexcept;
std::optional<SourceRank> source_rank_from_string(std::string_view s) noexcept;

struct Source {
  std::string url;                // http(s):// or file:// address of the document
  std::string title;              // document title when known
  std::string media_type;         // "text/html", "application/pdf", "text/csv", ...
  std::string fetched_at;         // RFC 3339 UTC timestamp
  std::string content_hash;       // "sha256:<hex>" of the raw bytes
  std::string connector;          // plugin name that produced it ("" for the CLI)
  std::string connector_version;  // plugin version
  std::string extractor_version;  // core extraction version
  SourceRank rank = SourceRank::unknown;

  bool operator==(const Source&) const = default;
};

}  // namespace conventiond
