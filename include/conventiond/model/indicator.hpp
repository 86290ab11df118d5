#pragma once
// A territorial indicator (CAF, France Travail) for one département and one period.

#include <string>

#include <conventiond/model/source.hpp>

namespace conventiond {

struct Indicator {
  std::string departement;  // INSEE code
  std::string name;         // "caf.foyers_rsa", "france_travail.demandeurs_cat_a", ...
  std::string period;       // month "2024-12" or quarter "2024-T4"
  double value = 0;
  std::string unit;         // "foyers", "personnes", "euros", ...
  std::string note;         // e.g. "counts rounded to 5"
  Source source;
  bool operator==(const Indicator&) const = default;
};

}  // namespace conventiond
