#include <catch2/catch.hpp>

#include <conventiond/extract/measures.hpp>

using conventiond::find_measures;
using conventiond::Measure;
using V = std::vector<Measure>;

TEST_CASE("measures in their wordings", "[measures]") {
  CHECK(find_measures("prévenir toute « sortie sèche » pour les jeunes sortant de l'aide sociale à l'enfance") ==
        V{Measure::sorties_ase});
  CHECK(find_measures("La prévention des sorties sans solution des jeunes de l'Aide Sociale à l'Enfance.") ==
        V{Measure::sorties_ase});
  CHECK(find_measures("Prévenir les sorties sèches de l'ASE") == V{Measure::sorties_ase});
  CHECK(find_measures("la sortie des jeunes majeurs de l'ASE") == V{Measure::sorties_ase});
  CHECK(find_measures("garantir à tous un premier accueil social inconditionnel") == V{Measure::premier_accueil});
  CHECK(find_measures("Premier accueil social inconditionnel et humain de proximité") == V{Measure::premier_accueil});
  CHECK(find_measures("développer les démarches de référent de parcours") == V{Measure::referent_parcours});
  CHECK(find_measures("- de référents de parcours ;") == V{Measure::referent_parcours});
  CHECK(find_measures("mettre l’accent sur l’insertion des bénéficiaires du Revenu de Solidarité Active (RSA)") ==
        V{Measure::insertion_rsa});
  CHECK(find_measures("Le renforcement de l'accompagnement des allocataires de minima sociaux") ==
        V{Measure::insertion_rsa});
  CHECK(find_measures("notamment sur l’insertion des allocataires du RSA") == V{Measure::insertion_rsa});
  CHECK(find_measures("Appel d'offres garantie d'activité") == V{Measure::garantie_activite});
  CHECK(find_measures("le renforcement des maraudes mixtes") == V{Measure::maraudes});
  CHECK(find_measures("la formation des travailleurs sociaux au développement social") ==
        V{Measure::formation_travailleurs_sociaux});
  CHECK(find_measures("des places d'accueil pour la petite enfance") == V{Measure::petite_enfance});
}

TEST_CASE("no measure where none is named", "[measures]") {
  CHECK(find_measures("refonder et revaloriser le travail social").empty());
  CHECK(find_measures("Renforcer les compétences des travailleurs sociaux").empty());
  CHECK(find_measures("la protection maternelle et infantile (PMI)").empty());
  CHECK(find_measures("25 000 personnes sont bénéficiaires du RSA").empty());
  CHECK(find_measures("").empty());
}

TEST_CASE("each measure once, in vocabulary order", "[measures]") {
  CHECK(find_measures("référent de parcours ; sorties sèches ; référents de parcours ; premier accueil") ==
        V{Measure::sorties_ase, Measure::premier_accueil, Measure::referent_parcours});
}

TEST_CASE("a long document: the same mentions and offsets as in a short one", "[measures]") {
  // Read in chunks cut at line ends: a wording far into the text, or just after a chunk's
  // end, is found at its place; a measure's first wording in vocabulary order still wins.
  std::string filler;
  while (filler.size() < 200 * 1024) filler += "Une ligne sans rien de particulier, avec des accents : é à ç.\n";
  const std::string late = "le renforcement des maraudes mixtes\n";
  const std::string text = filler + "de référents de parcours ;\n" + filler + late +
                           "la formation continue des travailleurs sociaux\n";
  const auto mentions = conventiond::find_measure_mentions(text);
  REQUIRE(mentions.size() == 3);
  CHECK(mentions[0].measure == Measure::referent_parcours);
  CHECK(text.substr(mentions[0].begin, mentions[0].end - mentions[0].begin) == "référents de parcours");
  CHECK(mentions[1].measure == Measure::maraudes);
  CHECK(text.substr(mentions[1].begin, mentions[1].end - mentions[1].begin) == "maraude");
  CHECK(mentions[2].measure == Measure::formation_travailleurs_sociaux);
  CHECK(text.substr(mentions[2].begin, mentions[2].end - mentions[2].begin) ==
        "formation continue des travailleurs sociaux");
}

TEST_CASE("a document's blocks: the same mentions as in its plain text, without the copy", "[measures]") {
  // find_measure_mentions(doc) builds plain_text()'s chunks block by block: same cuts (a line
  // end at or after 64 KiB), same offsets, with table rows as their joined cells, an empty
  // first block, a block holding line ends and a block longer than a chunk.
  using conventiond::BlockKind;
  using conventiond::TextBlock;
  conventiond::TextDocument doc;
  doc.blocks.push_back(TextBlock{BlockKind::paragraph, "", {}, 1});
  std::string line = "Une ligne sans rien de particulier, avec des accents : é à ç.";
  for (int i = 0; i < 3000; ++i) {
    doc.blocks.push_back(TextBlock{BlockKind::paragraph, line, {}, 1});
    if (i == 1500) {
      TextBlock row;
      row.kind = BlockKind::table_row;
      row.set_cells({"Action 2-1", "", "référents de parcours", "40 000"});
      row.text = conventiond::join_cells(row.cells());
      doc.blocks.push_back(row);
    }
    if (i == 2000) doc.blocks.push_back(TextBlock{BlockKind::paragraph, line + "\nle renforcement des maraudes", {}, 2});
  }
  std::string longest;
  while (longest.size() < 100 * 1024) longest += line + " ";
  doc.blocks.push_back(TextBlock{BlockKind::paragraph, longest + "la petite enfance", {}, 3});
  doc.blocks.push_back(TextBlock{BlockKind::paragraph, "la formation continue des travailleurs sociaux", {}, 3});
  const auto from_text = conventiond::find_measure_mentions(doc.plain_text());
  const auto from_blocks = conventiond::find_measure_mentions(doc);
  REQUIRE(from_text.size() == 4);
  REQUIRE(from_blocks.size() == from_text.size());
  for (std::size_t i = 0; i < from_text.size(); ++i) {
    CHECK(from_blocks[i].measure == from_text[i].measure);
    CHECK(from_blocks[i].begin == from_text[i].begin);
    CHECK(from_blocks[i].end == from_text[i].end);
  }
}
