#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <conventiond/sdk/json.hpp>

#include "feeds_test_support.hpp"

using namespace conventiond::feeds_test;
namespace json = conventiond::sdk::json;

namespace {

constexpr const char* kBase = "http://127.0.0.1:9/";

std::string config(const std::string& dataset_json, const std::string& extra = "") {
  return std::string(R"({"base_url":")") + kBase + R"(","datasets":{"rsa":)" + dataset_json +
         "}" + extra + "}";
}

sdk::Request only_request(const std::vector<sdk::Message>& messages) {
  const auto requests = only<sdk::Request>(messages);
  REQUIRE(requests.size() == 1);
  return requests[0];
}

std::int64_t meta_integer(const sdk::Request& r, const char* key) {
  return json::parse(r.meta).find(key)->as_integer();
}

}  // namespace

TEST_CASE("caf_opendata: start asks for the first page of the Explore API v2.1") {
  auto c = instance("caf_opendata",
                    config(R"({"dataset":"rsa-departements","where":"dtreffre >= date'2024-01-01'"})",
                           R"(,"page_size":2)"));
  const auto r = only_request(call_ok(c.start()));
  CHECK(r.method == "GET");
  CHECK(r.url ==
        "http://127.0.0.1:9/api/explore/v2.1/catalog/datasets/rsa-departements/records?"
        "where=dtreffre%20%3E%3D%20date%272024-01-01%27&order_by=dtreffre%2Cnumdep&limit=2&"
        "offset=0");
  CHECK(r.meta == R"({"feed":"ods","dataset":"rsa","api":"v2.1","offset":0,"limit":2,"total":-1})");
}

TEST_CASE("caf_opendata: pages to the end and maps the RSA fields with their defaults") {
  auto c = instance("caf_opendata", config(R"({"dataset":"rsa-departements"})", R"(,"page_size":2)"));
  const auto first = only_request(call_ok(c.start()));
  const auto m0 = call_ok(c.parse(response(first, 200, fixture("caf_rsa_records_p0.json"))));
  CHECK(errors(m0).empty());
  // The first page tells the total (5): the two other pages are asked for at once.
  const auto next = only<sdk::Request>(m0);
  REQUIRE(next.size() == 2);
  CHECK(meta_integer(next[0], "offset") == 2);
  CHECK(meta_integer(next[1], "offset") == 4);
  CHECK(meta_integer(next[1], "total") == 5);
  CHECK_THAT(next[1].url, Catch::EndsWith("&limit=2&offset=4"));

  auto all = indicators(m0);
  CHECK(all.size() == 6);  // two records, three values each
  const auto m1 = call_ok(c.parse(response(next[0], 200, fixture("caf_rsa_records_p1.json"))));
  const auto m2 = call_ok(c.parse(response(next[1], 200, fixture("caf_rsa_records_p2.json"))));
  CHECK(only<sdk::Request>(m1).empty());
  CHECK(errors(m1).empty());
  CHECK(errors(m2).empty());
  for (const auto& i : indicators(m1)) all.push_back(i);
  for (const auto& i : indicators(m2)) all.push_back(i);
  CHECK(all.size() == 15);

  const auto* nord = find(all, "59", "caf.foyers_rsa", "2024-11");
  REQUIRE(nord != nullptr);
  CHECK(nord->value == 91235);
  CHECK(nord->unit == "foyers");
  CHECK(nord->note == "counts rounded to 5");
  CHECK(nord->source.connector == "caf_opendata");
  CHECK(nord->source.url == first.url);
  CHECK(nord->source.title == "rsa-departements");
  const auto* ain = find(all, "01", "caf.personnes_couvertes_rsa", "2024-12");  // numdep "1"
  REQUIRE(ain != nullptr);
  CHECK(ain->value == 17330);
  const auto* corse = find(all, "2A", "caf.montant_rsa", "2024-12");
  REQUIRE(corse != nullptr);
  CHECK(corse->value == Approx(1932260.8));
  CHECK(corse->unit == "euros");
  CHECK(corse->note.empty());
  CHECK(find(all, "971", "caf.foyers_rsa", "2024-12") != nullptr);
}

TEST_CASE("caf_opendata: past 10,000 records the first page asks for the CSV export instead") {
  auto c = instance("caf_opendata",
                    config(R"({"dataset":"rsa-communes","where":"numdep = \"59\""})"));
  const auto first = only_request(call_ok(c.start()));
  CHECK(meta_integer(first, "limit") == 100);
  std::string body = fixture("caf_rsa_records_p0.json");
  body.replace(body.find("\"total_count\": 5"), 16, "\"total_count\": 12345");
  const auto m = call_ok(c.parse(response(first, 200, body)));
  CHECK(indicators(m).empty());  // the export holds these records too
  const auto r = only_request(m);
  CHECK(r.url ==
        "http://127.0.0.1:9/api/explore/v2.1/catalog/datasets/rsa-communes/exports/csv?"
        "where=numdep%20%3D%20%2259%22&order_by=dtreffre%2Cnumdep&delimiter=%3B");
  CHECK(r.meta == R"({"feed":"ods","dataset":"rsa","api":"export"})");

  const auto csv = call_ok(c.parse(response(r, 200, fixture("caf_rsa_export_bom.csv"), "text/csv")));
  CHECK(errors(csv).empty());
  const auto all = indicators(csv);
  CHECK(all.size() == 9);  // three départements; the "Total France" row is no département
  CHECK(all[0].source.media_type == "text/csv");
}

TEST_CASE("caf_opendata: offset plus limit never passes max_records") {
  auto c = instance("caf_opendata",
                    config(R"({"dataset":"rsa-departements"})", R"(,"page_size":2,"max_records":4)"));
  const auto first = only_request(call_ok(c.start()));
  const auto m = call_ok(c.parse(response(first, 200, fixture("caf_rsa_records_p0.json"))));
  CHECK_THAT(only_request(m).url, Catch::Contains("/exports/csv"));

  auto paged = instance("caf_opendata",
                        config(R"({"dataset":"rsa-departements"})", R"(,"page_size":2,"max_records":5)"));
  const auto first2 = only_request(call_ok(paged.start()));
  const auto pages = only<sdk::Request>(call_ok(paged.parse(
      response(first2, 200, fixture("caf_rsa_records_p0.json")))));
  REQUIRE(pages.size() == 2);
  CHECK(meta_integer(pages[1], "offset") + meta_integer(pages[1], "limit") <= 5);
}

TEST_CASE("caf_opendata: the v1 search API, paged, and its CSV download past the limit") {
  auto c = instance("caf_opendata",
                    config(R"({"dataset":"rsa-departements","api":"v1","refine":{"dtreffre":"2024"}})",
                           R"(,"page_size":10)"));
  const auto first = only_request(call_ok(c.start()));
  CHECK(first.url ==
        "http://127.0.0.1:9/api/records/1.0/search/?dataset=rsa-departements&sort=dtreffre%2Cnumdep"
        "&refine.dtreffre=2024&rows=10&start=0");
  const auto m = call_ok(c.parse(response(first, 200, fixture("caf_rsa_v1_search.json"))));
  CHECK(errors(m).empty());
  CHECK(only<sdk::Request>(m).empty());  // 3 hits, one page
  const auto all = indicators(m);
  CHECK(all.size() == 9);
  REQUIRE(find(all, "971", "caf.foyers_rsa", "2024-12") != nullptr);
  CHECK(find(all, "971", "caf.foyers_rsa", "2024-12")->value == 30580);

  std::string big = fixture("caf_rsa_v1_search.json");
  big.replace(big.find("\"nhits\": 3"), 10, "\"nhits\": 250000");
  auto c2 = instance("caf_opendata", config(R"({"dataset":"rsa-departements","api":"v1"})"));
  const auto first2 = only_request(call_ok(c2.start()));
  const auto download = only_request(call_ok(c2.parse(response(first2, 200, big))));
  CHECK(download.url ==
        "http://127.0.0.1:9/api/records/1.0/download/?dataset=rsa-departements&sort=dtreffre%2Cnumdep"
        "&format=csv&csv_separator=%3B");
}

TEST_CASE("caf_opendata: CSV files with BOM, decimal commas, quoted separators, or in Latin-1") {
  auto c = instance("caf_opendata",
                    config(R"({"api":"csv","url":"file:///srv/caf/rsa-2024-12.csv","title":"RSA décembre 2024"})"));
  const auto r = only_request(call_ok(c.start()));
  CHECK(r.url == "file:///srv/caf/rsa-2024-12.csv");

  const auto utf8 = call_ok(c.parse(response(r, 200, fixture("caf_rsa_export_bom.csv"), "")));
  CHECK(errors(utf8).empty());
  const auto a = indicators(utf8);
  REQUIRE(find(a, "62", "caf.montant_rsa", "2024-12") != nullptr);
  CHECK(find(a, "62", "caf.montant_rsa", "2024-12")->value == Approx(33671250.65));
  CHECK(find(a, "13", "caf.foyers_rsa", "2024-12")->value == 77215);  // quoted "…; Marseille"
  CHECK(find(a, "2B", "caf.personnes_couvertes_rsa", "2024-12")->value == 6725);
  CHECK(a[0].source.title == "RSA décembre 2024");

  const auto latin1 = call_ok(c.parse(response(r, 200, fixture("caf_rsa_export_latin1.csv"), "")));
  CHECK(errors(latin1).empty());
  const auto b = indicators(latin1);
  CHECK(b.size() == 9);
  CHECK(find(b, "07", "caf.foyers_rsa", "2024-12")->value == 4215);  // 31/12/2024, ',' separator
  CHECK(find(b, "974", "caf.montant_rsa", "2024-12")->value == Approx(45187634.75));
}

TEST_CASE("caf_opendata: a configured field mapping replaces the RSA defaults") {
  auto c = instance(
      "caf_opendata",
      config(R"({"api":"csv","url":"file:///srv/caf/aah.csv","departement_field":"code_dep",)"
             R"("period_field":"mois","period":"quarter","filters":{"prestation":["AAH"]},)"
             R"("values":{"nb_alloc":{"indicator":"caf.foyers_{prestation}","unit":"foyers"}}})",
             R"(,"departements":["59","2a"])"));
  const auto r = only_request(call_ok(c.start()));
  const std::string csv =
      "mois;code_dep;prestation;nb_alloc\n"
      "2024-11;59;AAH;61 205\n"
      "2024-11;59;RSA;91 235\n"
      "2024-11;62;AAH;38 770\n"
      "2024-11;2A;AAH;4 110\n";
  const auto m = call_ok(c.parse(response(r, 200, csv, "text/csv")));
  CHECK(errors(m).empty());
  const auto all = indicators(m);
  REQUIRE(all.size() == 2);  // the RSA row is filtered, 62 is not kept
  CHECK(all[0].name == "caf.foyers_aah");
  CHECK(all[0].period == "2024-T4");
  CHECK(all[0].value == 61205);
  CHECK(all[0].note.empty());
  CHECK(all[1].departement == "2A");
}

TEST_CASE("caf_opendata: a configuration error names the dataset and the key") {
  auto bad = registry().create_instance(
      "caf_opendata", config(R"({"dataset":"rsa","fields":{"numdep":"dep"}})"));
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(bad.error().message, Catch::Contains("datasets.rsa: unknown key 'fields'"));
  auto bad_api = registry().create_instance("caf_opendata", config(R"({"dataset":"rsa","api":"v3"})"));
  REQUIRE_FALSE(bad_api.ok());
  CHECK_THAT(bad_api.error().message, Catch::Contains("datasets.rsa.api"));
  auto bad_dep = registry().create_instance("caf_opendata",
                                            config(R"({"dataset":"rsa"})", R"(,"departements":["20"])"));
  REQUIRE_FALSE(bad_dep.ok());
  CHECK_THAT(bad_dep.error().message, Catch::Contains("unknown département code '20'"));
}

// ---------------------------------------------------------------------------------------------
// Bad input: every case is an error naming the page and the problem, and no indicator of that
// page is emitted (the ledger records the page as failed and writes nothing for it).
// ---------------------------------------------------------------------------------------------

TEST_CASE("caf_opendata: a truncated page is an error and the other pages are still asked for") {
  auto c = instance("caf_opendata", config(R"({"dataset":"rsa-departements"})", R"(,"page_size":2)"));
  const auto first = only_request(call_ok(c.start()));
  const auto pages = only<sdk::Request>(call_ok(c.parse(response(first, 200, fixture("caf_rsa_records_p0.json")))));
  REQUIRE(pages.size() == 2);
  const std::string body = fixture("caf_rsa_records_p1.json");
  const auto m = call_ok(c.parse(response(pages[0], 200, body.substr(0, body.size() / 2))));
  CHECK(indicators(m).empty());
  REQUIRE(errors(m).size() == 1);
  CHECK_THAT(errors(m)[0], Catch::Contains("dataset 'rsa' (v2.1 page at offset 2)") &&
                               Catch::Contains("invalid JSON at offset"));
  CHECK(only<sdk::ErrorMessage>(m)[0].url == pages[0].url);
  // A truncated first page: nothing is known of the dataset, nothing more is asked.
  auto c2 = instance("caf_opendata", config(R"({"dataset":"rsa-departements"})"));
  const auto first2 = only_request(call_ok(c2.start()));
  const auto m2 = call_ok(c2.parse(response(first2, 200, R"({"total_count": 5, "results": [{"dtr)")));
  CHECK(only<sdk::Request>(m2).empty());
  CHECK(errors(m2).size() == 1);
}

TEST_CASE("caf_opendata: a total_count that changes during the pull fails that page") {
  auto c = instance("caf_opendata", config(R"({"dataset":"rsa-departements"})", R"(,"page_size":2)"));
  const auto first = only_request(call_ok(c.start()));
  const auto pages = only<sdk::Request>(call_ok(c.parse(response(first, 200, fixture("caf_rsa_records_p0.json")))));
  std::string body = fixture("caf_rsa_records_p1.json");
  body.replace(body.find("\"total_count\": 5"), 16, "\"total_count\": 6");
  const auto m = call_ok(c.parse(response(pages[0], 200, body)));
  CHECK(indicators(m).empty());
  REQUIRE(errors(m).size() == 1);
  CHECK_THAT(errors(m)[0], Catch::Contains("record count changed during the pull (5 when it "
                                           "began, 6 now)"));
}

TEST_CASE("caf_opendata: a page with fewer records than announced is an error") {
  auto c = instance("caf_opendata", config(R"({"dataset":"rsa-departements"})", R"(,"page_size":2)"));
  const auto first = only_request(call_ok(c.start()));
  const auto pages = only<sdk::Request>(call_ok(c.parse(response(first, 200, fixture("caf_rsa_records_p0.json")))));
  const auto m = call_ok(c.parse(response(pages[0], 200, R"({"total_count": 5, "results": []})")));
  CHECK(indicators(m).empty());
  REQUIRE(errors(m).size() == 1);
  CHECK_THAT(errors(m)[0], Catch::Contains("0 records where 2 were expected"));
}

TEST_CASE("caf_opendata: an unknown département code fails the whole page, naming it") {
  auto c = instance("caf_opendata", config(R"({"api":"csv","url":"file:///srv/caf/rsa.csv"})"));
  const auto r = only_request(call_ok(c.start()));
  const std::string csv =
      "dtreffre;numdep;nomdep;indfoy_rsa;indnbp_rsa;indmtt_rsa\n"
      "2024-12-31;59;Nord;91 235;192 870;59 013 422,1\n"
      "2024-12-31;975;Saint-Pierre-et-Miquelon;20;35;13 120\n"
      "2024-12-31;99;Étranger;5;5;3 100\n";
  const auto m = call_ok(c.parse(response(r, 200, csv, "text/csv")));
  CHECK(indicators(m).empty());  // not even the Nord's: the page is one item
  REQUIRE(errors(m).size() == 1);
  CHECK_THAT(errors(m)[0], Catch::Contains("line 3: unknown département code '975'") &&
                               Catch::Contains("line 4: unknown département code '99'") &&
                               Catch::Contains("no indicator of this answer was kept"));
}

TEST_CASE("caf_opendata: a non-numeric value fails the page, an empty cell is no value") {
  auto c = instance("caf_opendata", config(R"({"dataset":"rsa-departements"})", R"(,"page_size":2)"));
  const auto first = only_request(call_ok(c.start()));
  const auto bad = call_ok(c.parse(response(first, 200, R"({"total_count": 2, "results": [
    {"dtreffre": "2024-12-31", "numdep": "59", "indfoy_rsa": 91235, "indnbp_rsa": "n.d.", "indmtt_rsa": null},
    {"dtreffre": "2024-12-31", "numdep": "62", "indfoy_rsa": "52 140", "indnbp_rsa": 108755, "indmtt_rsa": ""}]})")));
  CHECK(indicators(bad).empty());
  REQUIRE(errors(bad).size() == 1);
  CHECK_THAT(errors(bad)[0],
             Catch::Contains("record 1: non-numeric value 'n.d.' in field 'indnbp_rsa'"));

  auto c2 = instance("caf_opendata", config(R"({"dataset":"rsa-departements"})", R"(,"page_size":2)"));
  const auto first2 = only_request(call_ok(c2.start()));
  const auto good = call_ok(c2.parse(response(first2, 200, R"({"total_count": 1, "results": [
    {"dtreffre": "2024-12-31", "numdep": "62", "indfoy_rsa": "52 140", "indnbp_rsa": 108755, "indmtt_rsa": ""}]})")));
  CHECK(errors(good).empty());
  CHECK(indicators(good).size() == 2);  // no amount: nothing said about it
}

TEST_CASE("caf_opendata: a CSV without a mapped column, or malformed, is an error") {
  auto c = instance("caf_opendata", config(R"({"api":"csv","url":"file:///srv/caf/rsa.csv"})"));
  const auto r = only_request(call_ok(c.start()));
  const auto missing = call_ok(c.parse(response(
      r, 200, "dtreffre;numdep;indfoy_rsa;indmtt_rsa\n2024-12-31;59;91 235;59 013 422,1\n", "")));
  CHECK(indicators(missing).empty());
  REQUIRE(errors(missing).size() == 1);
  CHECK_THAT(errors(missing)[0], Catch::Contains("line 2: no field 'indnbp_rsa'"));

  const auto broken = call_ok(c.parse(response(
      r, 200, "dtreffre;numdep;indfoy_rsa\n2024-12-31;59;\"91 235\n", "")));
  REQUIRE(errors(broken).size() == 1);
  CHECK_THAT(errors(broken)[0],
             Catch::Contains("file:///srv/caf/rsa.csv: line 2, column 3: quoted field not closed"));
}

TEST_CASE("caf_opendata: an HTTP error or a portal error body is an error for that item") {
  auto c = instance("caf_opendata", config(R"({"dataset":"rsa-departements"})"));
  const auto first = only_request(call_ok(c.start()));
  const auto m = call_ok(c.parse(response(first, 401, "")));
  REQUIRE(errors(m).size() == 1);
  CHECK_THAT(errors(m)[0], Catch::Contains("HTTP status 401"));
  const auto portal = call_ok(c.parse(response(
      first, 200, R"({"error_code": "ODSQLError", "message": "Unknown field: dtref"})")));
  REQUIRE(errors(portal).size() == 1);
  CHECK_THAT(errors(portal)[0], Catch::Contains("Unknown field: dtref"));
}
