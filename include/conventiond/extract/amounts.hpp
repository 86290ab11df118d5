#pragma once
// Amounts of money in French text: "1 125 000 €", "3,2 millions d'euros", "110k€", "190 K€",
// "1 137 K€", "40 K Euros", "100 KE", "1.125.000 €", "12 345,67 €", "2,5 M€", with their
// qualifier ("près de", "environ", "plus de", "un peu plus de", "moins de") and "par an".

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include <conventiond/model/vocabulary.hpp>

namespace conventiond {

struct AmountMention {
  std::int64_t amount_eur = 0;  // rounded to the euro
  Qualifier qualifier = Qualifier::exact;
  bool per_year = false;    // followed by "par an", "/an", "annuels", "chaque année"
  std::size_t begin = 0;    // byte offsets of the whole mention (qualifier included)
  std::size_t end = 0;
  bool has_currency = true;  // false for bare numbers accepted in table cells
};

// Amounts with a currency marker (€, euros, EUR, k€, M€, KE, "millions d'euros").
std::vector<AmountMention> find_amounts(std::string_view text);

// A table cell or short text that is one amount; bare numbers ("155 000") accepted. nullopt
// for anything else ("Contribution identique", "Idem Part Etat", "").
std::optional<AmountMention> parse_amount_cell(std::string_view text);

}  // namespace conventiond
