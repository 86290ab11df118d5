// Convention identity.

#include <conventiond/model/convention.hpp>

#include <conventiond/departements.hpp>

namespace conventiond {

std::string Convention::make_id(std::string_view programme, std::string_view departement) {
  // A département code written loosely ("1", "2a") gives the same id as its canonical form.
  std::string code = normalize_departement_code(departement);
  if (code.empty()) code.assign(departement);
  std::string id;
  id.reserve(programme.size() + 1 + code.size());
  id.append(programme);
  id.push_back(':');
  id.append(code);
  return id;
}

}  // namespace conventiond
