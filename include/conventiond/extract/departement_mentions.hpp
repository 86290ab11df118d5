#pragma once
// Départements named in French prose: "du Bas-Rhin", "de la Loire" (never inside
// "Haute-Loire", "Loire-Atlantique", "Maine-et-Loire"), "le Nord" (not inside
// "Nord-Pas-de-Calais"), and short names that are also words ("Lot", "Var", "Cher", "Orne")
// only when they are written as names (capital letter, after an article or "département").

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace conventiond {

struct DepartementMention {
  std::string code;       // INSEE code
  std::size_t begin = 0;  // byte offsets of the name in the text
  std::size_t end = 0;
  bool institutional = false;  // "département du X", "conseil départemental de X", "préfet du X"
};

std::vector<DepartementMention> find_departement_mentions(std::string_view text);

}  // namespace conventiond
