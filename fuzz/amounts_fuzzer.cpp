// libFuzzer target: French amount scanner (find_amounts, parse_amount_cell). Checks the
// invariants callers rely on: mentions in order, inside the text, amounts in range.

#include <conventiond/extract/amounts.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace {

void check(std::string_view text, const conventiond::AmountMention& m) {
  if (m.begin >= m.end || m.end > text.size()) std::abort();
  if (m.amount_eur < 0 || m.amount_eur > 1'000'000'000'000'000LL) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::size_t prev_end = 0;
  for (const auto& m : conventiond::find_amounts(text)) {
    check(text, m);
    if (m.begin < prev_end || !m.has_currency) std::abort();
    prev_end = m.end;
  }
  if (const auto cell = conventiond::parse_amount_cell(text)) check(text, *cell);
  return 0;
}
