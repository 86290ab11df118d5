#pragma once
// Regular expressions of connector configs (link_pattern, next_page_pattern), with
// Boost.Regex: a bad pattern is a config problem naming the key and the position, never an
// abort, and a match that grows too complex (catastrophic backtracking on a pathological
// pattern) is reported for that one URL instead of hanging or crashing the run.
//
// Not std::regex: its compiler aborts on some patterns, and poppler-cpp, loaded in the same
// process, exports std::regex symbols of its own (a one-definition clash). The plugins are
// built with hidden symbols, so each keeps its own copy of Boost.Regex's templates.

#include <cstddef>
#include <exception>
#include <optional>
#include <string>
#include <string_view>

#include <boost/regex.hpp>

namespace conventiond::connectors {

// Longest pattern accepted: a link pattern is a few dozen characters.
inline constexpr std::size_t kMaxPatternLength = 2000;

struct CompiledPattern {
  std::optional<boost::regex> regex;  // set when the pattern compiled
  std::string problem;                // otherwise why, e.g. "... at offset 2: Unmatched [ ..."
};

// Compiles pattern (ECMAScript/Perl syntax, as std::regex::ECMAScript was).
inline CompiledPattern compile_pattern(std::string_view pattern) {
  CompiledPattern out;
  if (pattern.size() > kMaxPatternLength) {
    out.problem = "is too long for a regular expression (" + std::to_string(pattern.size()) +
                  " characters, at most " + std::to_string(kMaxPatternLength) + ")";
    return out;
  }
  try {
    out.regex.emplace(pattern.begin(), pattern.end(), boost::regex::ECMAScript);
  } catch (const boost::regex_error& e) {
    std::string why = e.what();
    // Boost appends the whole pattern with a marker; the position is given separately.
    if (const std::size_t cut = why.find("  The error occurred"); cut != std::string::npos) {
      why.erase(cut);
    }
    while (!why.empty() && (why.back() == '.' || why.back() == ' ')) why.pop_back();
    out.problem = "is not a valid regular expression: error at offset " +
                  std::to_string(e.position()) + " of '" + std::string(pattern.substr(0, 200)) +
                  "': " + why;
  } catch (const std::exception& e) {
    out.problem = std::string("is not a valid regular expression: ") + e.what();
  }
  return out;
}

enum class Match { no, yes, too_complex };

// Whether text contains a match of regex. Boost.Regex bounds the work of one search and
// throws when a pattern backtracks past it (or runs out of its stack): that is too_complex,
// for the caller to report on this item, never an exception out of here.
inline Match search(const boost::regex& regex, std::string_view text) noexcept {
  try {
    return boost::regex_search(text.begin(), text.end(), regex, boost::match_default)
               ? Match::yes
               : Match::no;
  } catch (...) {
    return Match::too_complex;
  }
}

}  // namespace conventiond::connectors
