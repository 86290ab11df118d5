#pragma once
// Multi-year periods: "2019-2021", "2019/2020/2021", "de 2019 à 2021", "pour la période
// 2019 – 2021", "pour trois ans (2019/2020/2021)".

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include <conventiond/model/convention.hpp>

namespace conventiond {

struct PeriodMention {
  Period period;
  std::size_t begin = 0;
  std::size_t end = 0;
};

// Years between 2000 and 2100, end after start, at most 10 years long.
std::vector<PeriodMention> find_periods(std::string_view text);

}  // namespace conventiond
