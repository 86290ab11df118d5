// GET /v1/export (docs/console.md, "CSV exports"): the ZIP data package. Read back with libzip
// (and Python's zipfile when there is a python3): exactly its four files, the CSVs byte for byte
// those of /v1/conventions.csv and /v1/funding.csv, and a Frictionless Data Package descriptor
// whose Table Schemas match the CSVs' header rows (checked here, field by field: there is no
// frictionless module to run).
#include <catch2/catch.hpp>

#include <zip.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>

#include <boost/json.hpp>

#include <conventiond/store/sqlite_store.hpp>
#include "../support/http_call.hpp"
#include "../support/running_daemon.hpp"

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace conventiond;
using conventiond::test::call;

namespace {

Convention record(const std::string& dep) {
  Convention c;
  c.facts.departement = dep;
  c.facts.signed_on = Date{2019, 6, 27};
  c.facts.period = Period{2019, 2021};
  c.facts.measures = {Measure::maraudes};
  c.facts.signatories.push_back(Signatory{"Jeanne \"la\" Préfète, adjointe", Role::prefet});
  FundingLine e;
  e.funder = Funder::etat;
  e.year = 2019;
  e.amount_eur = 1200000;
  c.facts.funding.push_back(e);
  Action a;
  a.code = "1-1";
  a.title = "Maraudes mixtes";
  e.amount_eur = 30000;
  e.qualifier = Qualifier::about;
  a.funding.push_back(e);
  c.facts.actions.push_back(a);
  for (const char* field : {"funding", "signed_on"}) {
    FieldProvenance p;
    p.field = field;
    p.chosen.url = "https://pref.example/" + dep + ".pdf";
    p.chosen.title = "Convention " + dep;
    p.chosen.rank = SourceRank::convention_text;
    c.provenance.push_back(p);
  }
  FieldProvenance p;
  p.field = "actions";
  p.chosen.url = "https://dep.example/" + dep + "/actions.html";
  c.provenance.push_back(p);
  return c;
}

// The members of a ZIP archive held in memory, by name (the test fails when it does not open).
std::map<std::string, std::string> unzip(const std::string& bytes) {
  zip_error_t err;
  zip_error_init(&err);
  zip_source_t* src = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &err);
  REQUIRE(src != nullptr);
  zip_t* z = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &err);
  INFO(zip_error_strerror(&err));
  REQUIRE(z != nullptr);
  std::map<std::string, std::string> out;
  const zip_int64_t n = zip_get_num_entries(z, 0);
  for (zip_int64_t i = 0; i < n; ++i) {
    zip_stat_t st;
    REQUIRE(zip_stat_index(z, static_cast<zip_uint64_t>(i), 0, &st) == 0);
    CHECK(st.comp_method == ZIP_CM_DEFLATE);
    zip_file_t* f = zip_fopen_index(z, static_cast<zip_uint64_t>(i), 0);
    REQUIRE(f != nullptr);
    std::string data(static_cast<std::size_t>(st.size), '\0');
    CHECK(zip_fread(f, data.data(), st.size) == static_cast<zip_int64_t>(st.size));
    zip_fclose(f);
    CHECK(out.emplace(st.name, std::move(data)).second);  // no name twice
  }
  zip_close(z);
  return out;
}

std::vector<std::string> header_columns(const std::string& csv) {
  const std::string head = csv.substr(0, csv.find("\r\n"));
  std::vector<std::string> out;
  std::size_t at = 0;
  for (;;) {
    const auto comma = head.find(',', at);
    out.push_back(head.substr(at, comma - at));
    if (comma == std::string::npos) break;
    at = comma + 1;
  }
  return out;
}

std::string str(const json::value& v) { return std::string(v.as_string()); }

// The structure the Data Package v1 and Table Schema v1 specifications require of the
// descriptor (what frictionless validate would check of it), for the files in `files`.
void check_descriptor(const json::object& pkg, const std::map<std::string, std::string>& files) {
  const std::regex name_re("^[a-z0-9._-]+$");
  CHECK(str(pkg.at("profile")) == "tabular-data-package");
  CHECK(std::regex_match(str(pkg.at("name")), name_re));
  CHECK_FALSE(str(pkg.at("title")).empty());
  CHECK_FALSE(str(pkg.at("description")).empty());
  CHECK(std::regex_match(str(pkg.at("version")), std::regex(R"(\d+\.\d+\.\d+)")));
  CHECK(std::regex_match(str(pkg.at("created")), std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")));
  const auto& licenses = pkg.at("licenses").as_array();
  REQUIRE(licenses.size() == 1);
  CHECK(str(licenses[0].at("name")) == "etalab-2.0");
  CHECK(str(licenses[0].at("path")) == "https://www.etalab.gouv.fr/licence-ouverte-open-licence/");
  CHECK(str(licenses[0].at("title")) == "Licence Ouverte / Open Licence version 2.0");
  for (const auto& s : pkg.at("sources").as_array()) CHECK_FALSE(str(s.at("title")).empty());

  const auto& resources = pkg.at("resources").as_array();
  REQUIRE(resources.size() == 2);
  std::map<std::string, std::set<std::string>> fields_of;  // resource name -> field names
  for (const auto& rv : resources) {
    const auto& r = rv.as_object();
    const std::string path = str(r.at("path"));
    INFO(path);
    CHECK(std::regex_match(str(r.at("name")), name_re));
    CHECK(str(r.at("profile")) == "tabular-data-resource");
    CHECK(str(r.at("format")) == "csv");
    CHECK(str(r.at("mediatype")) == "text/csv");
    CHECK(str(r.at("encoding")) == "utf-8");
    CHECK(r.at("dialect").at("delimiter") == ",");
    CHECK(r.at("dialect").at("header") == true);
    REQUIRE(files.count(path) == 1);
    CHECK(r.at("bytes").to_number<std::size_t>() == files.at(path).size());
    // The schema's fields are the CSV's columns, in order, each of a Table Schema type.
    const auto& schema = r.at("schema").as_object();
    std::vector<std::string> names;
    for (const auto& f : schema.at("fields").as_array()) {
      names.push_back(str(f.at("name")));
      const std::string type = str(f.at("type"));
      INFO(names.back() << ": " << type);
      CHECK(std::set<std::string>{"string", "integer", "number", "boolean", "date", "datetime", "year"}.count(type) == 1);
      CHECK_FALSE(str(f.at("description")).empty());
      if (f.as_object().contains("constraints")) CHECK_FALSE(f.at("constraints").at("enum").as_array().empty());
    }
    CHECK(names == header_columns(files.at(path)));
    fields_of[str(r.at("name"))] = {names.begin(), names.end()};
    if (schema.contains("primaryKey")) {
      for (const auto& k : schema.at("primaryKey").as_array()) CHECK(fields_of[str(r.at("name"))].count(str(k)) == 1);
    }
  }
  CHECK(resources[0].at("schema").at("primaryKey") == json::array{"id"});
  // funding.csv's convention_id refers to conventions.csv's id.
  const auto& fk = resources[1].at("schema").at("foreignKeys").as_array().at(0);
  CHECK(fk.at("fields") == json::array{"convention_id"});
  const std::string target = str(fk.at("reference").at("resource"));
  REQUIRE(fields_of.count(target) == 1);
  for (const auto& f : fk.at("reference").at("fields").as_array()) CHECK(fields_of[target].count(str(f)) == 1);
}

}  // namespace

TEST_CASE("GET /v1/export: a ZIP data package, its CSVs those of the CSV routes, a Frictionless descriptor", "[console][export]") {
  const fs::path dir = test::fresh_temp_dir("cvd-export", "package");
  {
    auto store = SqliteStore::open((dir / "state.db").string());
    REQUIRE(store);
    REQUIRE((*store)->save_convention(record("67")));
    REQUIRE((*store)->save_convention(record("974")));
  }
  std::ofstream(dir / "c.toml") << "[store]\nurl = \"sqlite:state.db\"\n[http]\nlisten = \"127.0.0.1:0\"\n";
  test::RunningDaemon d(dir / "c.toml");

  auto r = call("GET", d.url("/v1/export"));
  REQUIRE(r.status == 200);
  CHECK(r.content_type == "application/zip");
  std::smatch m;
  REQUIRE(std::regex_search(r.headers, m, std::regex("content-disposition: attachment; filename=\"conventions-pauvrete-(\\d{4}-\\d\\d-\\d\\d)\\.zip\"")));
  const std::string date = m[1];

  const auto files = unzip(r.body);
  std::set<std::string> names;
  for (const auto& [name, bytes] : files) names.insert(name);
  CHECK(names == std::set<std::string>{"datapackage.json", "README.md", "conventions.csv", "funding.csv"});
  CHECK(files.at("conventions.csv") == call("GET", d.url("/v1/conventions.csv")).body);
  CHECK(files.at("funding.csv") == call("GET", d.url("/v1/funding.csv")).body);
  CHECK(std::count(files.at("funding.csv").begin(), files.at("funding.csv").end(), '\n') == 5);

  boost::system::error_code ec;
  const json::value pkg = json::parse(files.at("datapackage.json"), ec);
  INFO(files.at("datapackage.json"));
  REQUIRE_FALSE(ec);
  check_descriptor(pkg.as_object(), files);
  CHECK(files.at("datapackage.json").rfind("{\n  \"profile\": \"tabular-data-package\",\n", 0) == 0);  // indented
  CHECK(str(pkg.at("created")).substr(0, 10) == date);
  // The sources: the distinct documents of the chosen values, with their titles when known.
  CHECK(pkg.at("sources") == json::parse(R"([
    {"title": "https://dep.example/67/actions.html", "path": "https://dep.example/67/actions.html"},
    {"title": "https://dep.example/974/actions.html", "path": "https://dep.example/974/actions.html"},
    {"title": "Convention 67", "path": "https://pref.example/67.pdf"},
    {"title": "Convention 974", "path": "https://pref.example/974.pdf"}])"));

  const std::string& readme = files.at("README.md");
  CHECK(readme.find("Licence Ouverte / Open Licence version 2.0 (etalab-2.0)") != std::string::npos);
  CHECK(readme.find(date) != std::string::npos);
  CHECK(readme.find("`conventions.csv` : 2 enregistrement(s)") != std::string::npos);
  CHECK(readme.find("`funding.csv` : 4 ligne(s)") != std::string::npos);

  // A reader other than libzip takes it too.
  if (std::system("python3 -c '' 2>/dev/null") == 0) {
    std::ofstream(dir / "export.zip", std::ios::binary) << r.body;
    CHECK(std::system(("python3 -m zipfile -t " + (dir / "export.zip").string() + " >/dev/null").c_str()) == 0);
  }

  // The /v1/conventions.csv filters apply to the package, and are said in its description.
  r = call("GET", d.url("/v1/export?departement=974"));
  REQUIRE(r.status == 200);
  const auto only = unzip(r.body);
  CHECK(only.at("conventions.csv") == call("GET", d.url("/v1/conventions.csv?departement=974")).body);
  CHECK(only.at("funding.csv") == call("GET", d.url("/v1/funding.csv?departement=974")).body);
  const json::value one = json::parse(only.at("datapackage.json"));
  check_descriptor(one.as_object(), only);
  CHECK(one.at("sources").as_array().size() == 2);
  CHECK(str(one.at("description")).find("departement=974") != std::string::npos);
  CHECK(only.at("README.md").find("`departement=974`") != std::string::npos);

  CHECK(call("GET", d.url("/v1/openapi.json")).json().at("paths").as_object().contains("/v1/export"));

  // A filter error is a 400, as on the CSV routes; no byte order mark, no page.
  for (const char* q : {"?region=Atlantide", "?year=deux-mille", "?bom=1", "?limit=2", "?cursor=x", "?sort=nope"}) {
    INFO(q);
    r = call("GET", d.url(std::string("/v1/export") + q));
    CHECK(r.status == 400);
    CHECK(r.content_type == "application/json");
  }
}
