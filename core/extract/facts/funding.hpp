#pragma once
// Funding lines in running text: each amount with its funder (État, Département, FSE, total),
// its year (or the whole period) and its qualifier.

#include <cstddef>
#include <optional>
#include <vector>

#include <conventiond/model/convention.hpp>

#include "facts/sentences.hpp"

namespace conventiond::extract_detail {

struct FundingContext {
  std::optional<Period> document_period;  // spreads "par an" amounts over the years
  std::optional<int> fallback_year;       // an avenant document's year
  std::optional<int> previous_year;       // the funding year of the previous sentence
  std::optional<int> first_year;          // "la première année": the period's start, or estimated
  std::optional<int> current_year;        // "cette année": the publication year
};

struct LocatedFunding {
  FundingLine line;
  std::size_t stretch_begin = 0;  // original offsets of the text that follows the amount up to
  std::size_t stretch_end = 0;    // the next amount ("1,3 M€ aux Yvelines")
  std::size_t lead_begin = 0;     // original offsets of the text between the previous amount (or
  std::size_t lead_end = 0;       // the sentence's start) and this one ("l'Aude recevra 1,9 M€")
};

struct SentenceFunding {
  std::vector<LocatedFunding> lines;
  std::optional<int> year;  // the sentence's funding year, for the next sentence
};

// The funding lines of sentence `i` (the previous sentences resolve "ce soutien").
SentenceFunding funding_in_sentence(const std::vector<Sentence>& all, std::size_t i, const FundingContext& ctx);

}  // namespace conventiond::extract_detail
