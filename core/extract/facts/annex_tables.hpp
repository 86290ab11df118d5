#pragma once
// Annex tables of a convention: numbered actions ("Action 1-1 ...") with their amounts per
// funder and year, read through the header rows that name the columns (years, "Part Etat",
// "Part CD", "Financements CD"); totals checked against the sum of their rows.

#include <string>
#include <vector>

#include <conventiond/extract/text_document.hpp>
#include <conventiond/model/convention.hpp>

namespace conventiond::extract_detail {

class EvidenceLocator;

// Actions found in the document's table rows, merged by code across tables (a detailed annex
// and its summary). Inconsistencies (a total that does not match, one action with two amounts)
// are appended to `warnings`, not silently fixed. Rows that are a funder alone ("État |
// 520 000 € | 610 000 €") are the document's own funding, appended to `table_funding`. With
// `where`, every action and funding line carries its table row as evidence.
std::vector<Action> read_annex_actions(const TextDocument& doc, std::vector<std::string>& warnings,
                                       std::vector<FundingLine>* table_funding = nullptr,
                                       const EvidenceLocator* where = nullptr);

}  // namespace conventiond::extract_detail
