// Calendar dates: ISO 8601 text (YYYY-MM-DD), validity, day of the week.

#include <conventiond/model/date.hpp>

#include <array>

namespace conventiond {
namespace {

constexpr bool is_leap(int y) noexcept { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

constexpr int days_in_month(int y, int m) noexcept {
  constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m == 2 && is_leap(y)) return 29;
  return kDays[static_cast<std::size_t>(m - 1)];
}

// Days since 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's days_from_civil).
constexpr long long days_from_civil(int y, int m, int d) noexcept {
  const long long yy = static_cast<long long>(y) - (m <= 2 ? 1 : 0);
  const long long era = (yy >= 0 ? yy : yy - 399) / 400;
  const long long yoe = yy - era * 400;                         // [0, 399]
  const long long mp = (m + 9) % 12;                            // March = 0
  const long long doy = (153 * mp + 2) / 5 + d - 1;             // [0, 365]
  const long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;  // [0, 146096]
  return era * 146097 + doe - 719468;
}

void put_digits(std::string& out, int value, int width) {
  std::array<char, 12> buf{};
  int n = 0;
  unsigned v = value < 0 ? 0U - static_cast<unsigned>(value) : static_cast<unsigned>(value);
  do {
    buf[static_cast<std::size_t>(n++)] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0 && n < 11);
  if (value < 0) out.push_back('-');
  for (int i = n; i < width; ++i) out.push_back('0');
  while (n > 0) out.push_back(buf[static_cast<std::size_t>(--n)]);
}

}  // namespace

bool Date::valid(int y, int m, int d) noexcept {
  if (y < 1 || y > 9999) return false;
  if (m < 1 || m > 12) return false;
  return d >= 1 && d <= days_in_month(y, m);
}

std::string Date::to_iso() const {
  std::string out;
  out.reserve(10);
  put_digits(out, year, 4);
  out.push_back('-');
  put_digits(out, month, 2);
  out.push_back('-');
  put_digits(out, day, 2);
  return out;
}

std::optional<Date> Date::from_iso(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  auto number = [&](std::size_t pos, std::size_t len, int& out) {
    out = 0;
    for (std::size_t i = pos; i < pos + len; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      out = out * 10 + (s[i] - '0');
    }
    return true;
  };
  Date d;
  if (!number(0, 4, d.year) || !number(5, 2, d.month) || !number(8, 2, d.day)) return std::nullopt;
  if (!valid(d.year, d.month, d.day)) return std::nullopt;
  return d;
}

int Date::weekday() const noexcept {
  // 1970-01-01 was a Thursday (3 when Monday is 0).
  const long long days = days_from_civil(year, month, day);
  const long long wd = (days % 7 + 7 + 3) % 7;
  return static_cast<int>(wd);
}

}  // namespace conventiond
