#pragma once
// JSON (Boost.JSON) both ways for the model, lossless round trip, with a schema_version.

#include <boost/json/value.hpp>

#include <conventiond/model/convention.hpp>
#include <conventiond/model/indicator.hpp>
#include <conventiond/model/observation.hpp>
#include <conventiond/result.hpp>

namespace conventiond {

inline constexpr int kModelSchemaVersion = 1;

boost::json::value to_json(const Source& s);
boost::json::value to_json(const FundingLine& f);
boost::json::value to_json(const Action& a);
boost::json::value to_json(const ConventionFacts& f);  // the corpus README's convention shape
boost::json::value to_json(const Observation& o);
boost::json::value to_json(const Convention& c);
boost::json::value to_json(const Indicator& i);

// Each parser names the path of the offending member in its error ("facts.funding[2].year").
Result<Source> source_from_json(const boost::json::value& v);
Result<FundingLine> funding_line_from_json(const boost::json::value& v);
Result<Action> action_from_json(const boost::json::value& v);
Result<ConventionFacts> convention_facts_from_json(const boost::json::value& v);
Result<Observation> observation_from_json(const boost::json::value& v);
Result<Convention> convention_from_json(const boost::json::value& v);
Result<Indicator> indicator_from_json(const boost::json::value& v);

}  // namespace conventiond
