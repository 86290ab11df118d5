// Fuzzes the French text parsers of conventiond::extract/facts and the whole extraction of a
// plain-text document: mentions must lie inside the text, nothing may crash or hang.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <conventiond/extract/departement_mentions.hpp>
#include <conventiond/extract/extractor.hpp>
#include <conventiond/extract/measures.hpp>
#include <conventiond/extract/periods.hpp>
#include <conventiond/extract/signatories.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const auto& m : conventiond::find_departement_mentions(text))
    if (m.begin > m.end || m.end > text.size()) __builtin_trap();
  for (const auto& p : conventiond::find_people(text))
    if (p.begin > p.end || p.end > text.size() || p.name.empty()) __builtin_trap();
  for (const auto& p : conventiond::find_periods(text))
    if (p.begin > p.end || p.end > text.size() || p.period.end <= p.period.start) __builtin_trap();
  (void)conventiond::find_measures(text);
  conventiond::ExtractLimits limits;
  limits.max_input_bytes = 1u << 20;
  (void)conventiond::extract_document(text, "text/plain", "fuzz", limits);
  return 0;
}
