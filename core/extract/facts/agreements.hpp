#pragma once
// Which agreement a text speaks of, and where it is signed: the convention (or "contrat",
// "contractualisation") against poverty, its avenants, or another agreement (protocole, pacte,
// contrat de ville, convention de gestion du RSA ...).

#include <cstddef>
#include <string_view>
#include <vector>

#include "facts/sentences.hpp"

namespace conventiond::extract_detail {

enum class AgreementKind { ours, amendment, other, none };

// A signing word ("ont signé", "signature", "signataires") and the agreement it signs.
struct Signing {
  std::size_t pos = 0;  // folded offset of the signing word
  AgreementKind agreement = AgreementKind::none;
};

// The kind of agreement noun at folded[pos] (word `noun`), looking at what qualifies it:
// "contrat de ville", "convention de gestion", "contrats aidés" are other agreements.
AgreementKind agreement_noun_kind(std::string_view folded, std::size_t pos, std::string_view noun);

// The same, from the noun's complement only ("convention de gestion", "contrat de ville"),
// without looking at an avenant that governs it.
AgreementKind agreement_kind_of_complement(std::string_view folded, std::size_t pos, std::string_view noun);

// Every past or present signing in a sentence; none when it speaks of a future signing.
std::vector<Signing> signings(std::string_view folded);

// A sentence signing the convention or an avenant (not another agreement).
bool is_signing_sentence(const Sentence& s);

// A party clause of a convention text: "Le Département du Bas-Rhin, représenté par ...".
bool is_party_clause(const Sentence& s);

// Another programme named: pacte / contrat local des solidarités, France Relance, contrat de
// ville, convention territoriale globale, plan grand froid ...
bool names_other_programme(std::string_view folded);

// This programme's convention named in full ("convention d'appui", "... pauvreté et d'accès à
// l'emploi").
bool names_our_programme(std::string_view folded);

// The document speaks of poverty and of one of our agreements (not only of other ones).
bool is_relevant(const std::vector<Sentence>& sentences, std::string_view folded_title);

}  // namespace conventiond::extract_detail
