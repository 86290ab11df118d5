#pragma once
// The CSV exports (docs/console.md, "CSV exports"): the bytes of GET /v1/conventions.csv and
// GET /v1/funding.csv, and of the same two files in the data package of GET /v1/export
// (routes_export.cpp). Each column is described once, here: its name makes the header row, and
// its type, format, description and allowed values make the package's Table Schema field.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <conventiond/daemon/convention_query.hpp>
#include <conventiond/model/convention.hpp>
#include <conventiond/result.hpp>

namespace conventiond {

enum class CsvTable { conventions, funding };

// One column of a CSV export, with its Table Schema field (Frictionless Table Schema v1).
struct CsvColumn {
  std::string_view name;
  std::string_view type;         // string, integer, year, date, datetime or boolean
  std::string_view format;       // "" for the type's default, or "uri"
  std::string_view description;  // in French, as the published package is
  std::vector<std::string_view> allowed;  // the "enum" constraint (empty: none)
};

// The columns of a table, in their order in the file.
const std::vector<CsvColumn>& csv_columns(CsvTable table);

// "conventions.csv" or "funding.csv".
std::string_view csv_file_name(CsvTable table);

// What a CSV request asks for: the /v1/conventions filters and sort, and a byte order mark.
struct CsvRequest {
  ConventionQuery query;
  bool bom = false;
};

// Reads a CSV route's query parameters: those of /v1/conventions except cursor and limit (a CSV
// holds every matching record), and `bom` (0 or 1) when `allow_bom`. An unknown region is an
// error too. Errors ("bad_request") name the parameter and the problem.
Result<CsvRequest> parse_csv_request(const std::vector<std::pair<std::string, std::string>>& params,
                                     bool allow_bom);

// The records of `all` matching `query`, every page, in the query's order. Error "bad_request"
// for a cursor the query did not make.
Result<std::vector<const Convention*>> matching_conventions(const std::vector<Convention>& all,
                                                            ConventionQuery query);

// The CSV (RFC 4180: CRLF line ends, fields quoted when they hold , " CR or LF; UTF-8) of
// `records`, header row first (funding: one row per funding line of each record); `bom` starts
// it with a UTF-8 byte order mark.
std::string render_csv(const std::vector<const Convention*>& records, CsvTable table,
                       bool bom = false);

}  // namespace conventiond
