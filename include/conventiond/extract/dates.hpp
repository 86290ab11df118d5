#pragma once
// French dates in running text: "27 juin 2019", "1er juillet", "Ce mardi 18 décembre",
// "03/06/2020", "le 13 décembre", "ce vendredi", "le 12 mars dernier" ...

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include <conventiond/model/date.hpp>

namespace conventiond {

struct DateMention {
  Date date;
  std::size_t begin = 0;  // byte offsets in the text
  std::size_t end = 0;
  bool year_stated = true;  // false when the year came from the reference date
  bool relative = false;    // "ce vendredi", "mardi dernier": resolved against the reference
  bool month_only = false;  // "juin 2019": day set to 1
};

// Finds every date in UTF-8 text. `reference` (publication or dateline date) completes dates
// written without a year (the closest such date not after reference + 1 month) and resolves
// relative ones; without it, such dates are not returned.
std::vector<DateMention> find_dates(std::string_view text,
                                    std::optional<Date> reference = std::nullopt);

// Parses a text that is one date ("27 juin 2019", "27/06/2019", "2019-06-27").
std::optional<Date> parse_date(std::string_view text);

}  // namespace conventiond
