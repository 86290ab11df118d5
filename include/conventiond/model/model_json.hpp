#pragma once
// JSON (Boost.JSON) both ways for the model, lossless round trip, with a schema_version.

#include <string_view>

#include <boost/json/value.hpp>

#include <conventiond/model/convention.hpp>
#include <conventiond/model/indicator.hpp>
#include <conventiond/model/observation.hpp>
#include <conventiond/result.hpp>

namespace conventiond {

inline constexpr int kModelSchemaVersion = 1;

// Shapes (docs/schema/convention.schema.json is the reference):
//  - ConventionFacts is exactly what the corpus scorer reads: {"departement", "signed_on"
//    ("YYYY-MM-DD" | null), "period" ({"start","end"} | null), "signatories", "funding",
//    "measures", "actions", "amendments"}; a funding line's "per_year" is written only when
//    true.
//  - Observation, Convention and Indicator carry "schema_version": kModelSchemaVersion.
//  - Evidence (docs/extraction.md) is optional everywhere: an "evidence" member in a signatory,
//    a funding line, an action, an amendment, an alternative and a field provenance, and an
//    "evidence" object in ConventionFacts keyed "departement", "signed_on", "period",
//    "measures.<measure>"; written only when present, so JSON written before it reads as is.
//  - Source's "rank" is the enumerator's name ("convention_text").
//  - An Alternative's value_json is embedded as JSON ("value") when it is canonical JSON text
//    (what boost::json::serialize writes), else kept as text ("value_json").
// Parsers ignore unknown members, default absent optional members (empty string, empty list,
// null), require a known département code (written loosely, "1" or "2a", it is stored
// canonical: "01", "2A"), and never throw: every problem is Error{"parse", "<path>: <problem>"},
// the path relative to the value parsed ("facts.funding[2].year", "$" for the value itself).
boost::json::value to_json(const Evidence& e);  // {"quote","begin","end","page","confidence","rule"}
boost::json::value to_json(const Source& s);
boost::json::value to_json(const Signatory& s);
boost::json::value to_json(const Period& p);
boost::json::value to_json(const Amendment& a);
boost::json::value to_json(const FieldProvenance& p);
boost::json::value to_json(const FundingLine& f);
boost::json::value to_json(const Action& a);
boost::json::value to_json(const ConventionFacts& f);  // the corpus README's convention shape
boost::json::value to_json(const Observation& o);
boost::json::value to_json(const Convention& c);
boost::json::value to_json(const Indicator& i);

// Each parser names the path of the offending member in its error ("facts.funding[2].year").
Result<Evidence> evidence_from_json(const boost::json::value& v);
Result<Source> source_from_json(const boost::json::value& v);
Result<Signatory> signatory_from_json(const boost::json::value& v);
Result<Period> period_from_json(const boost::json::value& v);
Result<Amendment> amendment_from_json(const boost::json::value& v);
Result<FieldProvenance> field_provenance_from_json(const boost::json::value& v);
Result<FundingLine> funding_line_from_json(const boost::json::value& v);
Result<Action> action_from_json(const boost::json::value& v);
Result<ConventionFacts> convention_facts_from_json(const boost::json::value& v);
Result<Observation> observation_from_json(const boost::json::value& v);
Result<Convention> convention_from_json(const boost::json::value& v);
Result<Indicator> indicator_from_json(const boost::json::value& v);

// Parses JSON text (RFC 8259, one value, nothing after it but white space). Unlike
// boost::json::parse in Boost 1.81, which can be off by one ulp, numbers with a fraction or an
// exponent are read exactly (std::from_chars), so model JSON text written with
// boost::json::serialize round-trips losslessly. Never throws but std::bad_alloc; errors are
// Error{"parse", "json: <problem> at byte <offset>"}.
Result<boost::json::value> parse_json(std::string_view text);

}  // namespace conventiond
