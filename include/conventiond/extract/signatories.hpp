#pragma once
// People named with their role: "Sophie Elizéon, préfète du Territoire de Belfort",
// "le président du conseil départemental, Jean Dupont", "représenté par Jean-Luc MARX, Préfet
// de la Région Grand Est", signature blocks ("Le Préfet du Bas-Rhin Jean-Luc MARX"), in either
// order, feminine or masculine, honorifics removed.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <conventiond/model/vocabulary.hpp>

namespace conventiond {

struct PersonMention {
  std::string name;  // "Jean-Luc MARX" (as written, honorific removed)
  Role role = Role::other;
  std::size_t begin = 0;  // byte offsets of the whole mention (name and role)
  std::size_t end = 0;
};

std::vector<PersonMention> find_people(std::string_view text);

}  // namespace conventiond
