#pragma once
// The convention model: the facts of one convention d'appui à la lutte contre la pauvreté
// et d'accès à l'emploi, and the merged record with provenance.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <conventiond/model/date.hpp>
#include <conventiond/model/source.hpp>
#include <conventiond/model/vocabulary.hpp>

namespace conventiond {

inline constexpr std::string_view kProgrammePauvrete = "pauvrete-2019";

// Where one value was read: the sentence (or table row) that states it, as it stands in the
// document's cleaned text (TextDocument::plain_text(): blocks joined by "\n"), with its
// offsets there, its page, and how much the rule that read it is trusted. A person checks a
// value by reading `quote`; a program finds it again as cleaned_text[begin, end).
struct Evidence {
  std::string quote;                 // the sentence or table row, as in the cleaned text
  std::optional<std::int64_t> begin;  // offsets in Unicode characters (code points) in the
  std::optional<std::int64_t> end;    // cleaned text; absent when the quote is the document's
                                      // title or site name and not in its text
  int page = 0;                      // 1-based page of a PDF, 0 otherwise
  double confidence = 0;             // in [0, 1], fixed per rule (docs/extraction.md)
  std::string rule;                  // the rule that read the value: "signing_sentence", ...
  bool operator==(const Evidence&) const = default;
};

struct Signatory {
  std::string name;
  Role role = Role::other;
  std::optional<Evidence> evidence{};
  // Values compare without their evidence: the same person read in two sentences is one.
  bool operator==(const Signatory& o) const { return name == o.name && role == o.role; }
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
  std::optional<Evidence> evidence{};
  bool operator==(const FundingLine& o) const {  // the value, without its evidence
    return funder == o.funder && year == o.year && amount_eur == o.amount_eur && qualifier == o.qualifier &&
           per_year == o.per_year;
  }
};

struct Action {
  std::string code;   // "1-1", "4-2"
  std::string title;
  std::vector<FundingLine> funding;
  std::optional<Evidence> evidence{};  // the row naming the action
  bool operator==(const Action& o) const {  // the value, without its evidence
    return code == o.code && title == o.title && funding == o.funding;
  }
};

// A yearly avenant (amendment) to a convention.
struct Amendment {
  std::optional<int> year;
  std::optional<Date> signed_on;
  std::vector<FundingLine> funding;
  std::vector<Action> actions;
  std::optional<Evidence> evidence{};  // the sentence of the avenant's signature
  bool operator==(const Amendment& o) const {  // the value, without its evidence
    return year == o.year && signed_on == o.signed_on && funding == o.funding && actions == o.actions;
  }
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
  // An operator's verdict that the document or record is not a convention of the programme
  // (a correction: docs/corrections.md); never set by the extraction. In JSON only when true.
  bool not_a_convention = false;
  // Evidence of the values that are not objects: "departement", "signed_on", "period",
  // "measures.<measure>" (list items carry their own `evidence`). Empty for old observations.
  std::map<std::string, Evidence> evidence;
  // The values, without their evidence (compare to_json() to include it).
  bool operator==(const ConventionFacts& o) const {
    return departement == o.departement && signed_on == o.signed_on && period == o.period &&
           signatories == o.signatories && funding == o.funding && measures == o.measures &&
           actions == o.actions && amendments == o.amendments &&
           not_a_convention == o.not_a_convention;
  }
};

// A value seen in a document other than the one chosen, kept visible in the merged record.
struct Alternative {
  std::string value_json;  // the value, serialised as JSON text (without its evidence)
  Source source;
  std::optional<Evidence> evidence{};  // where that source states it
  bool operator==(const Alternative&) const = default;
};

// For one field of a merged convention: where the chosen value came from, and the others.
struct FieldProvenance {
  std::string field;  // "signed_on", "period", "funding", ...
  Source chosen;
  std::optional<Evidence> evidence{};  // the chosen value's quote in the chosen source
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
