#pragma once
// A calendar date (no time zone): the unit of signature and publication dates.

#include <compare>
#include <optional>
#include <string>
#include <string_view>

namespace conventiond {

struct Date {
  int year = 0;
  int month = 0;  // 1..12
  int day = 0;    // 1..31

  auto operator<=>(const Date&) const = default;

  std::string to_iso() const;                                   // "2019-06-27"
  static std::optional<Date> from_iso(std::string_view s);      // strict YYYY-MM-DD, valid day
  static bool valid(int y, int m, int d) noexcept;
  int weekday() const noexcept;  // 0 = Monday .. 6 = Sunday
};

}  // namespace conventiond
