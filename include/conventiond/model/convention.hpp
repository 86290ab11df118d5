#pragma once
// The convention model: the facts of one convention d'appui à la lutte contre la pauvreté
// et d'accès à l'emploi, and the merged record with provenance.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <conventiond/model/date.hpp>
#include <conventiond/model/source.hpp>
#include <conventiond/model/vocabulary.hpp>

namespace conventiond {

inline constexpr std::string_view kProgrammePauvrete = "pauvrete-2019";

struct Signatory {
  std::string name;
  Role role = Role::other;
  bool operator==(const Signatory&) const = default;
};

struct Period {
  int start = 0;
  int end = 0;
  bool operator==(const Period&) const = default;
};

struct FundingLine {
  Funder funder = Funder::other;
  std::optional<int> year;  // nullopt = the whole period
  std::int64_t amount_eur = 0;
  Qualifier qualifier = Qualifier::exact;
  bool per_year = false;  // "par an": the amount repeats each year of the period
  bool operator==(const FundingLine&) const = default;
};

struct Action {
  std::string code;   // "1-1", "4-2"
  std::string title;
  std::vector<FundingLine> funding;
  bool operator==(const Action&) const = default;
};

// A yearly avenant (amendment) to a convention.
struct Amendment {
  std::optional<int> year;
  std::optional<Date> signed_on;
  std::vector<FundingLine> funding;
  std::vector<Action> actions;
  bool operator==(const Amendment&) const = default;
};

// The facts of a convention as one document states them (all optional but the département).
struct ConventionFacts {
  std::string departement;  // INSEE code: "01", "2A", "974"
  std::optional<Date> signed_on;
  std::optional<Period> period;
  std::vector<Signatory> signatories;
  std::vector<FundingLine> funding;
  std::vector<Measure> measures;
  std::vector<Action> actions;
  std::vector<Amendment> amendments;
  bool operator==(const ConventionFacts&) const = default;
};

// A value seen in a document other than the one chosen, kept visible in the merged record.
struct Alternative {
  std::string value_json;  // the value, serialised as JSON text
  Source source;
  bool operator==(const Alternative&) const = default;
};

// For one field of a merged convention: where the chosen value came from, and the others.
struct FieldProvenance {
  std::string field;  // "signed_on", "period", "funding", ...
  Source chosen;
  std::vector<Alternative> alternatives;
  bool operator==(const FieldProvenance&) const = default;
};

// One record per convention: key = programme + département (+ period).
struct Convention {
  std::string id;  // "pauvrete-2019:67"
  std::string programme{kProgrammePauvrete};
  ConventionFacts facts;
  std::vector<FieldProvenance> provenance;
  std::int64_t revision = 0;
  std::string updated_at;  // RFC 3339
  bool operator==(const Convention&) const = default;

  static std::string make_id(std::string_view programme, std::string_view departement);
};

}  // namespace conventiond
