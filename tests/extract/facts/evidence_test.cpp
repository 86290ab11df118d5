// Evidence of extracted values: every value carries the sentence (or table row) it was read
// from, and its offsets point at that quote in the cleaned text.

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include <conventiond/extract/extractor.hpp>
#include <conventiond/extract/plain_text_document.hpp>
#include <conventiond/model/model_json.hpp>

using namespace conventiond;

namespace {

std::string read_document(const std::string& rel) {
  std::ifstream f(std::string(CONVENTIOND_SOURCE_DIR) + "/tests/fixtures/documents/" + rel, std::ios::binary);
  REQUIRE(f);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// The cleaned text as code points, to cut at character offsets.
std::u32string code_points(std::string_view s) {
  std::u32string out;
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    char32_t cp = len == 1 ? c : len == 2 ? (c & 0x1FU) : len == 3 ? (c & 0x0FU) : (c & 0x07U);
    for (std::size_t k = 1; k < len && i + k < s.size(); ++k)
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3FU);
    out.push_back(cp);
    i += len;
  }
  return out;
}

struct Checked {
  std::size_t values = 0;    // values that have evidence
  std::size_t located = 0;   // ... with offsets
  std::vector<std::string> missing;
};

// Every value of every convention has evidence; located quotes are cleaned_text[begin, end).
void check_evidence(const Extraction& ex, Checked& out) {
  const std::u32string text = code_points(ex.document.plain_text());
  const auto check = [&](const std::optional<Evidence>& e, const std::string& what) {
    if (!e) {
      out.missing.push_back(what);
      return;
    }
    ++out.values;
    INFO(what << ": " << e->quote);
    CHECK(!e->quote.empty());
    CHECK(!e->rule.empty());
    CHECK(e->confidence > 0);
    CHECK(e->confidence <= 1);
    if (!e->begin) return;
    ++out.located;
    REQUIRE(e->end);
    REQUIRE(*e->begin <= *e->end);
    REQUIRE(static_cast<std::size_t>(*e->end) <= text.size());
    CHECK(text.substr(static_cast<std::size_t>(*e->begin), static_cast<std::size_t>(*e->end - *e->begin)) ==
          code_points(e->quote));
    if (ex.document.media_type == "application/pdf") CHECK(e->page >= 1);
  };
  const auto keyed = [](const ConventionFacts& c, const std::string& key) -> std::optional<Evidence> {
    const auto it = c.evidence.find(key);
    return it == c.evidence.end() ? std::nullopt : std::optional<Evidence>(it->second);
  };
  for (const ConventionFacts& c : ex.conventions) {
    const std::string at = c.departement + ": ";
    check(keyed(c, "departement"), at + "departement");
    if (c.signed_on) check(keyed(c, "signed_on"), at + "signed_on");
    if (c.period) check(keyed(c, "period"), at + "period");
    for (Measure m : c.measures) check(keyed(c, "measures." + std::string(to_string(m))), at + "measure");
    for (const Signatory& s : c.signatories) check(s.evidence, at + "signatory " + s.name);
    for (const FundingLine& f : c.funding) check(f.evidence, at + "funding " + std::to_string(f.amount_eur));
    for (const Action& a : c.actions) {
      check(a.evidence, at + "action " + a.code);
      for (const FundingLine& f : a.funding) check(f.evidence, at + "action " + a.code + " funding");
    }
    for (const Amendment& a : c.amendments) check(a.evidence, at + "amendment");
  }
}

}  // namespace

TEST_CASE("every value of the shared corpus documents has evidence that points at its quote",
          "[extract][evidence]") {
  for (const char* name : {"belfort-communique.html", "loire-actualite.html", "hauts-de-france-actualite.html",
                           "pas-de-calais-communique.pdf", "bas-rhin-convention.pdf"}) {
    INFO(name);
    const std::string bytes = read_document(std::string("corpus/") + name);
    auto ex = extract_document(bytes, "", name);
    REQUIRE(ex.ok());
    REQUIRE(!ex->conventions.empty());
    Checked c;
    check_evidence(*ex, c);
    INFO("values without evidence: " << c.missing.size() << (c.missing.empty() ? "" : " first: " + c.missing[0]));
    CHECK(c.missing.empty());
    CHECK(c.values > 3);
    CHECK(c.located > 0);
  }
}

TEST_CASE("evidence of a plain text: the sentence, its offsets, the rule's confidence", "[extract][evidence]") {
  const std::string text =
      "Convention d'appui à la lutte contre la pauvreté dans le Gers\n"
      "Le préfet du Gers, Xavier Brunetière, et le président du conseil départemental du Gers, Philippe "
      "Martin, ont signé le 4 juillet 2019 la convention d'appui à la lutte contre la pauvreté et d'accès à "
      "l'emploi pour la période 2019-2021. L'État apporte 412 000 € en 2019 pour les maraudes mixtes.\n";
  auto doc = parse_plain_text(text, "gers.txt");
  REQUIRE(doc.ok());
  const Extraction ex = extract_conventions(std::move(doc).value());
  REQUIRE(ex.conventions.size() == 1);
  const ConventionFacts& c = ex.conventions[0];
  Checked checked;
  check_evidence(ex, checked);
  CHECK(checked.missing.empty());
  REQUIRE(c.signed_on);
  const Evidence& date = c.evidence.at("signed_on");
  CHECK(date.rule == "date_in_signing_sentence");
  CHECK(date.confidence == Approx(0.9));
  CHECK(date.page == 0);
  CHECK(date.quote.find("ont signé le 4 juillet 2019") != std::string::npos);
  // the quote is the sentence, not the paragraph
  CHECK(date.quote.find("412 000") == std::string::npos);
  REQUIRE(c.funding.size() == 1);
  REQUIRE(c.funding[0].evidence);
  CHECK(c.funding[0].evidence->quote == "L'État apporte 412 000 € en 2019 pour les maraudes mixtes.");
  CHECK(c.funding[0].evidence->rule == "amount_in_sentence");
  REQUIRE(c.signatories.size() == 2);
  for (const Signatory& s : c.signatories) CHECK(s.evidence->quote == date.quote);
}

TEST_CASE("evidence of a PDF table row names its page", "[extract][evidence]") {
  const std::string bytes = read_document("corpus/bas-rhin-convention.pdf");
  auto ex = extract_document(bytes, "application/pdf", "bas-rhin-convention.pdf");
  REQUIRE(ex.ok());
  REQUIRE(!ex->conventions.empty());
  const ConventionFacts& c = ex->conventions[0];
  REQUIRE(!c.actions.empty());
  for (const Action& a : c.actions) {
    REQUIRE(a.evidence);
    CHECK(a.evidence->rule == "action_row_of_annex_table");
    CHECK(a.evidence->page > 1);
    for (const FundingLine& f : a.funding) {
      REQUIRE(f.evidence);
      CHECK(f.evidence->page > 1);
      CHECK(f.evidence->quote.find(" | ") != std::string::npos);  // a table row's cells
    }
  }
}

TEST_CASE("evidence is printed next to each value and reads back", "[extract][evidence]") {
  const std::string bytes = read_document("corpus/belfort-communique.html");
  auto ex = extract_document(bytes, "text/html", "belfort-communique.html");
  REQUIRE(ex.ok());
  const boost::json::value v = to_json(*ex);
  const boost::json::array& convs = v.at("conventions").as_array();
  REQUIRE(!convs.empty());
  const boost::json::object& c = convs[0].as_object();
  CHECK(c.at("evidence").as_object().contains("departement"));
  CHECK(c.at("evidence").as_object().contains("signed_on"));
  for (const auto& f : c.at("funding").as_array()) CHECK(f.as_object().contains("evidence"));
  // the corpus shape is kept: the scorer reads the same members as before
  CHECK(c.at("signed_on").is_string());
  auto back = convention_facts_from_json(convs[0]);
  REQUIRE(back.ok());
  CHECK(*back == ex->conventions[0]);
  CHECK(boost::json::serialize(to_json(*back)) == boost::json::serialize(convs[0]));  // evidence too
}
