#pragma once
// A partial convention seen in one document, with the document it was seen in.

#include <string>
#include <vector>

#include <conventiond/model/convention.hpp>
#include <conventiond/model/source.hpp>

namespace conventiond {

struct Observation {
  std::string programme{kProgrammePauvrete};
  ConventionFacts facts;
  Source source;
  std::vector<std::string> warnings;  // e.g. a table total that does not match its rows
  bool operator==(const Observation&) const = default;
};

}  // namespace conventiond
