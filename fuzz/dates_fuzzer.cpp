// libFuzzer target: French date scanner (find_dates with and without a reference, parse_date).
// Checks the invariants callers rely on: mentions in order, inside the text, valid dates.

#include <conventiond/extract/dates.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace {

bool valid(const conventiond::Date& d) {
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return d.year >= 1990 && d.year <= 2100 && d.month >= 1 && d.month <= 12 && d.day >= 1 &&
         d.day <= kDays[d.month - 1] &&
         !(d.month == 2 && d.day == 29 &&
           !((d.year % 4 == 0 && d.year % 100 != 0) || d.year % 400 == 0));
}

void check(std::string_view text, const std::vector<conventiond::DateMention>& found) {
  std::size_t prev_end = 0;
  for (const auto& m : found) {
    if (m.begin >= m.end || m.end > text.size() || m.begin < prev_end) std::abort();
    if (!valid(m.date)) std::abort();
    if (m.month_only && m.date.day != 1) std::abort();
    prev_end = m.end;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // The first two bytes pick a reference date; the rest is the text.
  std::optional<conventiond::Date> ref;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (size >= 2) {
    const int days = (data[0] << 8) | data[1];  // 0..65535 days from 1990-01-01, ~179 years
    int y = 1990;
    int m = 1;
    int d = 1 + days;
    static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    for (;;) {
      const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
      const int dim = kDays[m - 1] + (m == 2 && leap ? 1 : 0);
      if (d <= dim) break;
      d -= dim;
      if (++m > 12) {
        m = 1;
        ++y;
      }
    }
    ref = conventiond::Date{y, m, d};
    text.remove_prefix(2);
  }
  check(text, conventiond::find_dates(text, ref));
  check(text, conventiond::find_dates(text));
  if (const auto one = conventiond::parse_date(text); one && !valid(*one)) std::abort();
  return 0;
}
