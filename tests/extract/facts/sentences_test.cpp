#include <catch2/catch.hpp>

#include "facts/sentences.hpp"

using conventiond::extract_detail::split_sentences;
using V = std::vector<std::string>;

TEST_CASE("sentences", "[sentences]") {
  CHECK(split_sentences("Une phrase. Une autre.") == V{"Une phrase.", "Une autre."});
  CHECK(split_sentences("M. Dupont a signé. Mme Durand aussi.") == V{"M. Dupont a signé.", "Mme Durand aussi."});
  CHECK(split_sentences("Voir l'article 2.3.1. La suite.") == V{"Voir l'article 2.3.1.", "La suite."});
  CHECK(split_sentences("J. Dupont est venu.") == V{"J. Dupont est venu."});
  CHECK(split_sentences("un montant de 1.5 million. Fin") == V{"un montant de 1.5 million.", "Fin"});
  CHECK(split_sentences("ligne un\nligne deux") == V{"ligne un", "ligne deux"});
  CHECK(split_sentences("pas de fin ici. et minuscule") == V{"pas de fin ici. et minuscule"});
  CHECK(split_sentences("").empty());
  CHECK(split_sentences("Quoi ? Oui ! Bien.") == V{"Quoi ?", "Oui !", "Bien."});
}
