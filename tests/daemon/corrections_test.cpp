// Corrections by operators through the API (docs/corrections.md): a correction wins its field
// at once, shows in the provenance with its note, goes out on the change feed, survives a
// re-harvest, and taking it back gives the documents' merge back. On SQLite and PostgreSQL.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include <boost/json.hpp>

#include "../harvest/test_site.hpp"
#include "../support/http_call.hpp"
#include "../support/running_daemon.hpp"
#include "pg_server.hpp"

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace conventiond;
using namespace std::chrono_literals;
using conventiond::test::call;

namespace {

json::object finished_run(const test::RunningDaemon& d, const test::Reply& started) {
  REQUIRE(started.status == 202);
  const auto id = started.json().at("run_id").as_int64();
  for (int i = 0; i < 600; ++i) {
    auto r = call("GET", d.url("/v1/runs/" + std::to_string(id)));
    if (r.status == 200 && r.json().at("status").as_string() != "running") return r.json().as_object();
    std::this_thread::sleep_for(50ms);
  }
  FAIL("run " << id << " did not finish within 30 s");
  return {};
}

const json::object* provenance_of(const json::value& record, std::string_view field) {
  for (const auto& p : record.at("provenance").as_array()) {
    if (p.at("field").as_string() == field) return &p.as_object();
  }
  return nullptr;
}

std::int64_t funding_amount(const json::value& record, std::string_view funder, std::int64_t year) {
  for (const auto& f : record.at("facts").at("funding").as_array()) {
    if (f.at("funder").as_string() == funder && f.at("year").is_int64() && f.at("year").as_int64() == year) {
      return f.at("amount_eur").as_int64();
    }
  }
  return -1;
}

void corrections_scenario(const std::string& store_url, const std::string& name) {
  test::TestSite site;
  const fs::path dir = test::fresh_temp_dir("cvd-corrections", name);
  ::setenv("CVD_CORRECTIONS_TOKENS", "s3cret", 1);
  std::ofstream(dir / "c.toml")
      << "[store]\nurl = \"" << store_url << "\"\n[http]\nlisten = \"127.0.0.1:0\"\n"
      << "tokens_env = \"CVD_CORRECTIONS_TOKENS\"\nreads_public = true\n"
      << "[jobs.site]\nconnector = \"press_releases\"\nmax_in_flight = 4\n"
      << "[jobs.site.fetch]\nper_host_delay = \"0ms\"\nmax_concurrent_per_host = 4\ntimeout = \"1s\"\n"
      << "max_attempts = 1\n[jobs.site.config]\nfeeds = [\"" << site.server.url("/rss.xml") << "\"]\n"
      << "listing_pages = [\"" << site.server.url("/actualites") << "\"]\ninclude_linked_documents = true\n";
  test::RunningDaemon d(dir / "c.toml");
  finished_run(d, call("POST", d.url("/v1/jobs/site/run"), "s3cret"));

  const std::string id = "pauvrete-2019:31";
  const std::string base = "/v1/conventions/" + id + "/corrections";
  auto before = call("GET", d.url("/v1/conventions/" + id));
  REQUIRE(before.status == 200);
  const json::value original = before.json();
  const std::int64_t revision0 = original.at("revision").as_int64();
  const std::int64_t seq0 = call("GET", d.url("/v1/changes?since=0&limit=1000")).json().at("next_cursor").as_int64();

  // Writing needs the admin token; bad requests name what is wrong; an unknown record is a 404.
  const std::string body =
      R"({"kind":"set","field":"funding.etat.2020","value":{"amount_eur":777000},)"
      R"("note":"annexe financiere signee, p. 4","author":"alice"})";
  CHECK(call("POST", d.url(base), "", body).status == 401);
  CHECK(call("POST", d.url("/v1/conventions/pauvrete-2019:99/corrections"), "s3cret", body).status == 404);
  auto bad_field = call("POST", d.url(base), "s3cret",
                        R"({"kind":"set","field":"funding.nobody","value":{"amount_eur":1},"author":"a"})");
  CHECK(bad_field.status == 400);
  CHECK_THAT(std::string(bad_field.json().at("error").at("message").as_string()), Catch::Contains("funding.nobody"));
  CHECK(call("POST", d.url(base), "s3cret", R"({"kind":"set","field":"signed_on","value":"2019-02-30","author":"a"})").status == 400);
  CHECK(call("POST", d.url(base), "s3cret", R"({"kind":"set","field":"signed_on","value":"2019-02-03"})").status == 400);
  CHECK(call("POST", d.url(base), "s3cret", R"({"kind":"set","extra":1,"author":"a"})").status == 400);
  CHECK(call("POST", d.url(base), "s3cret", "{not json").status == 400);
  CHECK(call("POST", d.url(base), "s3cret", R"({"kind":"confirm","field":"funding.etat.1999","author":"a"})").status == 409);

  // A correction: stored, merged at once, the record shows it with its note and source.
  auto made = call("POST", d.url(base), "s3cret", body);
  REQUIRE(made.status == 201);
  const auto n = made.json().at("correction").at("id").as_int64();
  CHECK(made.json().at("correction").at("author").as_string() == "alice");
  CHECK(made.json().at("convention").at("revision").as_int64() == revision0 + 1);
  auto corrected = call("GET", d.url("/v1/conventions/" + id)).json();
  CHECK(corrected.at("revision").as_int64() == revision0 + 1);
  CHECK(funding_amount(corrected, "etat", 2020) == 777000);
  const json::object* p = provenance_of(corrected, "funding.etat.2020");
  REQUIRE(p != nullptr);
  CHECK(p->at("chosen").at("rank").as_string() == "operator");
  CHECK(p->at("chosen").at("title").as_string() == "Correction " + std::to_string(n) + " by alice");
  CHECK(p->at("evidence").at("quote").as_string() == "annexe financiere signee, p. 4");
  auto listed = call("GET", d.url(base));
  REQUIRE(listed.status == 200);
  REQUIRE(listed.json().at("items").as_array().size() == 1);
  CHECK(listed.json().at("items").at(0).at("field").as_string() == "funding.etat.2020");

  // On the change feed, like any change.
  auto feed = call("GET", d.url("/v1/changes?since=" + std::to_string(seq0)));
  REQUIRE(feed.status == 200);
  const json::value events = feed.json().at("events");
  REQUIRE_FALSE(events.as_array().empty());
  const json::value& event = events.as_array().back();
  CHECK(event.at("kind").as_string() == "updated");
  CHECK(event.at("convention_id").as_string() == id);
  CHECK(funding_amount(event.at("record"), "etat", 2020) == 777000);

  // Confirming a value the record holds: its source becomes the operator, its value stays.
  const json::value signed_on = corrected.at("facts").at("signed_on");
  if (signed_on.is_string()) {
    auto confirmed = call("POST", d.url(base), "s3cret", R"({"kind":"confirm","field":"signed_on","author":"bob"})");
    REQUIRE(confirmed.status == 201);
    auto rec = call("GET", d.url("/v1/conventions/" + id)).json();
    CHECK(rec.at("facts").at("signed_on") == signed_on);
    const json::object* sp = provenance_of(rec, "signed_on");
    REQUIRE(sp != nullptr);
    CHECK(sp->at("chosen").at("rank").as_string() == "operator");
  }

  // A re-harvest keeps the correction.
  finished_run(d, call("POST", d.url("/v1/jobs/site/run"), "s3cret"));
  CHECK(funding_amount(call("GET", d.url("/v1/conventions/" + id)).json(), "etat", 2020) == 777000);

  // Not a convention: flagged, with the note.
  auto verdict = call("POST", d.url(base), "s3cret", R"({"kind":"not_a_convention","note":"un contrat de ville","author":"carol"})");
  REQUIRE(verdict.status == 201);
  auto flagged = call("GET", d.url("/v1/conventions/" + id)).json();
  CHECK(flagged.at("facts").at("not_a_convention") == json::value(true));
  const auto v = verdict.json().at("correction").at("id").as_int64();

  // Taking them back gives the documents' merge back.
  CHECK(call("DELETE", d.url(base + "/" + std::to_string(n))).status == 401);
  CHECK(call("DELETE", d.url(base + "/abc"), "s3cret").status == 400);
  CHECK(call("DELETE", d.url(base + "/999999"), "s3cret").status == 404);
  const json::value all = call("GET", d.url(base)).json();
  for (const auto& k : all.at("items").as_array()) {
    auto removed = call("DELETE", d.url(base + "/" + std::to_string(k.at("id").as_int64())), "s3cret");
    CHECK(removed.status == 200);
  }
  CHECK(call("DELETE", d.url(base + "/" + std::to_string(v)), "s3cret").status == 404);
  auto restored = call("GET", d.url("/v1/conventions/" + id)).json();
  CHECK(restored.at("facts") == original.at("facts"));
  CHECK(restored.at("provenance") == original.at("provenance"));
  CHECK(restored.at("revision").as_int64() > revision0);
  CHECK(call("GET", d.url(base)).json().at("items").as_array().empty());
}

}  // namespace

TEST_CASE("operators correct a convention through the API (SQLite)", "[daemon][corrections]") {
  corrections_scenario("sqlite:state.db", "sqlite");
}

TEST_CASE("operators correct a convention through the API (PostgreSQL)", "[daemon][corrections][postgres]") {
  test::PgServer pg;
  if (pg.url.empty()) {
    std::cout << "SKIPPED: corrections PostgreSQL test: " << pg.reason << std::endl;
    WARN("SKIPPED: corrections PostgreSQL test: " << pg.reason);
    return;
  }
  corrections_scenario(pg.url, "pg");
}
