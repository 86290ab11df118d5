#pragma once
// The strategy's measures in their many wordings ("sorties sèches de l'ASE", "premier accueil
// social inconditionnel", "référents de parcours", "insertion des bénéficiaires du RSA",
// "garantie d'activité", "maraudes", "formation des travailleurs sociaux", "petite enfance").

#include <cstddef>
#include <string_view>
#include <vector>

#include <conventiond/extract/text_document.hpp>
#include <conventiond/model/vocabulary.hpp>

namespace conventiond {

// The measures a text speaks of, each once, in the order of the vocabulary.
std::vector<Measure> find_measures(std::string_view text);

struct MeasureMention {
  Measure measure = Measure::sorties_ase;
  std::size_t begin = 0;  // byte offsets of the first wording that names it
  std::size_t end = 0;
};

// The same, with where each measure is first named.
std::vector<MeasureMention> find_measure_mentions(std::string_view text);

// find_measure_mentions(doc.plain_text()), without the copy of the whole text.
std::vector<MeasureMention> find_measure_mentions(const TextDocument& doc);

}  // namespace conventiond
