#pragma once
// Model objects shared by the JSON and schema tests: one with every field set (and every
// optional member present, in both its forms where it has two), one with only defaults.

#include <cstdint>
#include <limits>

#include <conventiond/model/convention.hpp>
#include <conventiond/model/indicator.hpp>
#include <conventiond/model/observation.hpp>

namespace conventiond::test {

inline Source full_source(std::string_view tag = "a") {
  Source s;
  s.url = "https://www.bas-rhin.gouv.fr/Actualites/convention-" + std::string(tag) + ".pdf";
  s.title = "Convention d’appui à la lutte contre la pauvreté — Bas-Rhin « 2019 »";
  s.media_type = "application/pdf";
  s.fetched_at = "2024-03-01T08:15:30Z";
  s.content_hash = "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
  s.connector = "prefectures";
  s.connector_version = "1.2.3";
  s.extractor_version = "0.1.0";
  s.rank = SourceRank::convention_text;
  return s;
}

inline FundingLine line(Funder f, std::optional<int> y, std::int64_t amount,
                        Qualifier q = Qualifier::exact, bool per_year = false) {
  FundingLine l;
  l.funder = f;
  l.year = y;
  l.amount_eur = amount;
  l.qualifier = q;
  l.per_year = per_year;
  return l;
}

inline Evidence evidence(std::string quote, std::int64_t begin, int page = 0, double confidence = 0.9,
                         std::string rule = "date_in_signing_sentence") {
  Evidence e;
  e.begin = begin;
  e.end = begin + static_cast<std::int64_t>(quote.size());  // ASCII quotes in the samples
  e.quote = std::move(quote);
  e.page = page;
  e.confidence = confidence;
  e.rule = std::move(rule);
  return e;
}

inline ConventionFacts full_facts() {
  ConventionFacts f;
  f.departement = "2A";
  f.signed_on = Date{2019, 6, 27};
  f.period = Period{2019, 2021};
  f.signatories = {{"Frédéric BIERRY", Role::president_departement},
                   {"Jean-Luc MARX", Role::prefet},
                   {"Christelle DUBOS", Role::secretaire_etat},
                   {"Olivier NOBLECOURT", Role::delegue_interministeriel},
                   {"Ève Œuvray-Ñúñez 李", Role::vice_president_departement},
                   {"Agnès BUZYN", Role::ministre},
                   {"", Role::other}};
  f.funding = {line(Funder::etat, 2019, 1125000),
               line(Funder::departement, std::nullopt, 3200000, Qualifier::about),
               line(Funder::fse, 2020, 800000, Qualifier::more_than, true),
               line(Funder::total, std::nullopt, std::numeric_limits<std::int64_t>::max(),
                    Qualifier::less_than),
               line(Funder::other, -2147483647 - 1, std::numeric_limits<std::int64_t>::min()),
               line(Funder::etat, 2147483647, 0)};
  f.measures = {Measure::sorties_ase,
                Measure::premier_accueil,
                Measure::referent_parcours,
                Measure::insertion_rsa,
                Measure::garantie_activite,
                Measure::maraudes,
                Measure::formation_travailleurs_sociaux,
                Measure::petite_enfance};
  f.signatories[1].evidence = evidence("Le prefet du Bas-Rhin Jean-Luc MARX", 4200, 13, 0.95);
  f.funding[0].evidence = evidence("En 2019, l'Etat apporte 1 125 000 euros.", 310, 2, 0.85, "amount_in_sentence");
  Evidence title;  // a quote that is not in the text: no offsets
  title.quote = "Convention de la Corse-du-Sud";
  title.confidence = 0.9;
  title.rule = "departement_in_title";
  f.evidence = {{"departement", title},
                {"signed_on", evidence("Fait a Ajaccio, le 27 juin 2019", 4100, 13, 1.0)},
                {"period", evidence("pour la periode 2019-2021", 12, 1, 0.0)}};
  // (keys "measures.<measure>" are left out: the mutation test's paths cannot name a key with a dot)
  f.actions = {
      {"1-1", "Prévenir toute « sortie sèche » de l'ASE", {line(Funder::etat, 2019, 155000)}},
      {"5-8", "", {}}};
  Amendment a1;
  a1.year = 2021;
  a1.signed_on = Date{2021, 7, 5};
  a1.funding = {line(Funder::etat, 2021, 1400000)};
  a1.actions = {{"3-2", "Garantie d’activité", {line(Funder::etat, 2021, 1137000)}}};
  f.actions[0].evidence = evidence("1-1 | Sorties ASE | 155 000", 5000, 14, 0.9, "action_row_of_annex_table");
  f.actions[0].funding[0].evidence = f.actions[0].evidence;
  a1.evidence = evidence("L'avenant a ete signe le 5 juillet 2021.", 0, 0, 0.85, "avenant_date_in_signing_sentence");
  f.amendments = {a1, Amendment{}};
  return f;
}

inline Observation full_observation() {
  Observation o;
  o.facts = full_facts();
  o.source = full_source();
  o.warnings = {"annex total 3 200 000 differs from the sum of its rows (3 190 000)",
                "\"quoted\"\n\ttab"};
  return o;
}

inline Convention full_convention() {
  Convention c;
  c.id = Convention::make_id(kProgrammePauvrete, "2A");
  c.facts = full_facts();
  c.revision = std::numeric_limits<std::int64_t>::max();
  c.updated_at = "2024-03-01T08:15:31.123Z";
  FieldProvenance p;
  p.field = "signed_on";
  p.chosen = full_source("chosen");
  p.alternatives = {{"\"2019-06-28\"", full_source("b")},                 // canonical: "value"
                    {"{\"start\":2019,\"end\":2021}", full_source("c")},  // canonical object
                    {"null", full_source("d")},                           // canonical null
                    {"{ \"start\": 2019 }", full_source("e")},            // not canonical: text
                    {"not json", full_source("f")},                       // not JSON: text
                    {"", Source{}}};
  p.evidence = evidence("signee le 27 juin 2019", 77);
  p.alternatives[0].evidence = evidence("signee le 28 juin 2019", 1234, 2, 0.8);
  FieldProvenance q;
  q.field = "period";
  q.chosen = Source{};
  c.provenance = {p, q};
  return c;
}

inline Indicator full_indicator() {
  Indicator i;
  i.departement = "974";
  i.name = "caf.foyers_rsa";
  i.period = "2024-12";
  i.value = 71235;
  i.unit = "foyers";
  i.note = "counts rounded to 5";
  i.source = full_source("caf");
  i.source.media_type = "text/csv";
  i.source.rank = SourceRank::official_release;
  return i;
}

}  // namespace conventiond::test
