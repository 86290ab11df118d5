#pragma once
// Generated documents for benchmarks: varied press-release pages (HTML with page chrome) and
// multi-page convention PDFs with annex tables, written by a minimal PDF writer.

#include <cstdint>
#include <string>

namespace conventiond::bench {

// A press-release page for département index `i` (0..100), with navigation, sidebar, footer.
std::string make_press_release_html(std::uint32_t seed);

// A convention PDF of `pages` pages (text pages then annex table pages).
std::string make_convention_pdf(std::uint32_t seed, int pages);

}  // namespace conventiond::bench
