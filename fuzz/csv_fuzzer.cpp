// libFuzzer target for the strict CSV reader of the feed connectors
// (connectors/common/csv_reader.hpp) and the value readers applied to its cells.
// Input: the bytes of a CSV file (any encoding).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "../connectors/common/csv_reader.hpp"
#include "../connectors/common/feed_values.hpp"

namespace feeds = conventiond::feeds;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  for (const char separator : {'\0', ';', ','}) {
    auto table = feeds::read_csv(input, separator, "fuzz.csv");
    if (!table.ok()) {
      if (table.error().message.rfind("fuzz.csv: ", 0) != 0) std::abort();  // names the input
      continue;
    }
    // Invariants: every row has the header's width, and a line number that grows.
    if (table->header.empty() || table->rows.size() != table->row_lines.size()) std::abort();
    std::size_t last_line = 1;
    for (std::size_t r = 0; r < table->rows.size(); ++r) {
      if (table->rows[r].size() != table->header.size()) std::abort();
      if (table->row_lines[r] <= last_line) std::abort();
      last_line = table->row_lines[r];
      for (const auto& cell : table->rows[r]) {
        (void)feeds::parse_number(cell);
        (void)feeds::parse_period(cell, feeds::PeriodKind::automatic);
        const std::string code = feeds::departement_code(cell);
        if (!code.empty() && feeds::departement_code(code) != code) std::abort();
      }
    }
  }
  return 0;
}
