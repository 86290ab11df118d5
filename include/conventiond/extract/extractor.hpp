#pragma once
// The core extraction: a document (HTML, PDF, plain text) to the conventions it speaks of.
// Every connector uses it; `conventiond extract` exposes it.

#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include <conventiond/extract/limits.hpp>
#include <conventiond/extract/text_document.hpp>
#include <conventiond/model/convention.hpp>
#include <conventiond/model/observation.hpp>
#include <conventiond/result.hpp>

namespace conventiond {

inline constexpr std::string_view kExtractorVersion = "1.0.0";

struct Extraction {
  TextDocument document;
  bool relevant = false;                  // speaks of a convention against poverty
  std::vector<ConventionFacts> conventions;  // one per département convention it speaks of
  std::vector<std::string> warnings;      // e.g. a table total that does not match its rows
};

// Facts from an already parsed document.
Extraction extract_conventions(TextDocument document);

// Which document parser reads these bytes: "application/pdf", "text/html" or "text/plain",
// from the bytes (PDF magic, HTML tags) before the declared type, which may lie.
std::string document_media_type(std::string_view bytes, std::string_view declared);

// Parses bytes (HTML, PDF or plain text, sniffed) and extracts. `name` names the input in
// errors; `content_type` is the HTTP header value when known.
Result<Extraction> extract_document(std::string_view bytes, std::string_view content_type,
                                    std::string_view name, const ExtractLimits& limits = {});

// The observations of a document: one per convention `e` speaks of (its facts are moved out),
// each with the document's source (url, title, media type, content hash, extractor version)
// and the extraction's warnings. The harvest adds what it knows of the fetch.
std::vector<Observation> observations_of(Extraction& e, std::string_view url,
                                         std::string_view title, std::string_view content_hash);

// The JSON printed by `conventiond extract`: {"document": {...}, "relevant", "conventions",
// "warnings", "extractor_version"}.
boost::json::value to_json(const Extraction& e);

}  // namespace conventiond
