#pragma once
// A correction by an operator (docs/corrections.md): a value confirmed or corrected, or the
// verdict that a record is not a convention of the programme, with a note, who and when. The
// store keeps it beside the documents' observations and adds it to every merge of its
// convention as one more observation, from the source `operator`, ranked above every document:
// it wins its field, shows in the provenance with its note as the quote, survives re-harvests,
// and deleting it gives the documents' merge back.
//
//   kind               field                                   value
//   set | confirm      signed_on                               "2019-06-27"
//                      period                                  {"start": 2019, "end": 2021}
//                      signatories.<role>                      {"name": "Jean Dupont"}
//                      funding.<funder>                        {"amount_eur": 1200000}  (whole period)
//                      funding.<funder>.<year>                 {"amount_eur": 400000, "qualifier": "exact"}
//                      funding.<funder>.per_year               {"amount_eur": 400000}
//                      measures.<measure>                      true
//   not_a_convention   "" (or "not_a_convention")              true (or absent)
//
// `confirm` is `set` with the value the record holds now (the API copies it).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/value.hpp>

#include <conventiond/model/convention.hpp>
#include <conventiond/model/observation.hpp>
#include <conventiond/result.hpp>

namespace conventiond {

struct Correction {
  std::int64_t id = 0;  // given by the store (the n of DELETE .../corrections/{n})
  std::string programme{kProgrammePauvrete};
  std::string departement;
  std::string kind;        // "set", "confirm", "not_a_convention"
  std::string field;       // a provenance path (table above); "not_a_convention" for that kind
  std::string value_json;  // the value as JSON text ("true" for not_a_convention)
  std::string note;        // why, in the operator's words (may be empty)
  std::string author;      // who (1-100 characters)
  std::string created_at;  // RFC 3339 UTC, given by the store
  bool operator==(const Correction&) const = default;
};

// A correction as the operator sends it: kind, field, value, note, author checked (the kind
// is known, the field is one an operator may correct, the value is of the field's type, the
// author is given); value_json and field in canonical form. Errors are "invalid" and name
// the member.
Result<Correction> make_correction(std::string_view programme, std::string_view departement,
                                   std::string_view kind, std::string_view field,
                                   const boost::json::value& value, std::string_view note,
                                   std::string_view author);

// The value a record's facts hold now for a correctable field (what `confirm` copies), as
// JSON; nullopt when the record has no value there (or the field is not correctable).
std::optional<boost::json::value> current_value(const ConventionFacts& facts, std::string_view field);

// The observation a stored correction adds to its convention's merge: the one value it states
// (or the verdict), its evidence the note ("rule": "operator_correction", confidence 1), from
// the source {url "urn:conventiond:correction:<programme>:<departement>:<id>", title
// "Correction <id> by <author>", connector "operator", fetched_at created_at, rank operator}.
Result<Observation> correction_observation(const Correction& c);

boost::json::value to_json(const Correction& c);  // {"id","kind","field","value","note","author","created_at","convention_id"}

}  // namespace conventiond
