#include <string>

#include <catch2/catch.hpp>

#include <conventiond/extract/content_hash.hpp>
#include <conventiond/testkit/replay.hpp>

#include "test_support.hpp"

namespace fs = std::filesystem;
using conventiond::test::read_file;
using conventiond::test::TempDir;
using conventiond::testkit::ReplayRecorder;
using conventiond::testkit::ReplaySet;
using conventiond::testkit::SavedResponse;

namespace {

const fs::path kFolder = fs::path(CONVENTIOND_REPLAY_FIXTURES) / "press_releases";
const std::string kSite = "https://prefecture.example";

ReplaySet loaded(const fs::path& p) {
  auto set = ReplaySet::load(p);
  if (!set) FAIL(set.error().message);
  return std::move(*set);
}

std::string load_error(const fs::path& p) {
  auto set = ReplaySet::load(p);
  REQUIRE_FALSE(set.ok());
  CHECK(set.error().code == "replay");
  return set.error().message;
}

}  // namespace

TEST_CASE("replay folder: a saved response answers its method and URL, with its headers") {
  const ReplaySet set = loaded(kFolder);
  auto rss = set.answer("get", kSite + "/rss.xml");  // the method in any case
  REQUIRE(rss.ok());
  CHECK(rss->url == kSite + "/rss.xml");
  CHECK(rss->status == 200);
  CHECK(rss->media_type() == "application/rss+xml");
  CHECK(rss->body == read_file(kFolder / "site" / "rss.xml"));
  CHECK(rss->meta.empty());

  // A saved 404 is an answer too (the connector test reports it as a failed fetch).
  auto gone = set.answer("GET", kSite + "/communiques/retire.html");
  REQUIRE(gone.ok());
  CHECK(gone->status == 404);
  CHECK(gone->body.empty());
}

TEST_CASE("replay folder: a 3xx with a Location is followed to the saved target") {
  const ReplaySet set = loaded(kFolder);
  auto moved = set.answer("GET", kSite + "/communiques/ancien-lien-gironde.html");
  REQUIRE(moved.ok());
  CHECK(moved->url == kSite + "/communiques/gironde-convention.html");
  CHECK(moved->status == 200);
  CHECK(moved->body == read_file(kFolder / "site" / "gironde-convention.html"));
  // find() gives the entry itself.
  const SavedResponse* entry = set.find("GET", kSite + "/communiques/ancien-lien-gironde.html");
  REQUIRE(entry != nullptr);
  CHECK(entry->status == 301);
  CHECK(entry->origin == "index.json entry 3");
}

TEST_CASE("replay folder: a request without a saved response is an error naming it") {
  const ReplaySet set = loaded(kFolder);
  auto missing = set.answer("GET", kSite + "/autre-flux.xml");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == "missing");
  CHECK(missing.error().message ==
        "no saved response for GET " + kSite + "/autre-flux.xml in " + kFolder.string());
  // Another method is another request.
  CHECK_FALSE(set.answer("POST", kSite + "/rss.xml").ok());
}

TEST_CASE("replay HAR: the same responses as the folder they were saved from") {
  const ReplaySet folder = loaded(kFolder);
  const ReplaySet har = loaded(kFolder / "press_releases.har");
  REQUIRE(har.responses().size() == folder.responses().size());
  for (const SavedResponse& s : folder.responses()) {
    auto a = folder.answer(s.method, s.url);
    auto b = har.answer(s.method, s.url);
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    CHECK(a->url == b->url);
    CHECK(a->status == b->status);
    CHECK(a->body == b->body);
    CHECK(a->media_type() == b->media_type());
  }
}

TEST_CASE("replay HAR: base64 bodies, mimeType, POST bodies told apart") {
  TempDir dir;
  const fs::path har = dir.write("post.har", R"({"log": {"version": "1.2", "entries": [
    {"request": {"method": "POST", "url": "https://api.example/q", "postData": {"text": "a=1"}},
     "response": {"status": 200, "headers": [],
                  "content": {"mimeType": "application/json", "text": "eyJhIjoxfQ==", "encoding": "base64"}}},
    {"request": {"method": "POST", "url": "https://api.example/q", "postData": {"text": "a=2"}},
     "response": {"status": 200, "headers": [{"name": "Content-Type", "value": "application/json"}],
                  "content": {"mimeType": "application/json", "text": "{\"a\":2}"}}}]}})");
  const ReplaySet set = loaded(har);
  auto one = set.answer("POST", "https://api.example/q", "a=1");
  auto two = set.answer("POST", "https://api.example/q", "a=2");
  REQUIRE(one.ok());
  REQUIRE(two.ok());
  CHECK(one->body == R"({"a":1})");
  CHECK(one->media_type() == "application/json");
  CHECK(two->body == R"({"a":2})");
  CHECK(two->header("content-type") == "application/json");
  CHECK_FALSE(set.answer("POST", "https://api.example/q", "a=3").ok());
}

TEST_CASE("replay: broken sets are refused naming the file, the entry and the member") {
  TempDir dir;
  CHECK(load_error(kFolder / "broken.har") ==
        (kFolder / "broken.har").string() + ": log.entries[0].request.url is missing");
  CHECK_THAT(load_error(dir.write("cut.har", R"({"log": {"entries": [)")),
             Catch::Contains("cut.har: not valid JSON"));
  CHECK_THAT(load_error(dir.write("other.har", R"({"entries": []})")),
             Catch::Contains("other.har: (top).log is missing (not a HAR 1.2 file?)"));
  CHECK_THAT(load_error(dir.write("status.har", R"({"log": {"entries": [{"request":
               {"method": "GET", "url": "https://a.example/"}, "response": {"status": "200"}}]}})")),
             Catch::Contains("log.entries[0].response.status must be an HTTP status"));
  CHECK_THAT(load_error(dir.path() / "nothing"),
             Catch::EndsWith("nothing: no such replay folder or HAR file"));

  fs::create_directories(dir.path() / "empty");
  CHECK_THAT(load_error(dir.path() / "empty"), Catch::Contains("index.json: cannot be read"));

  fs::create_directories(dir.path() / "format");
  dir.write("format/index.json", R"({"format": "other/1", "responses": []})");
  CHECK_THAT(load_error(dir.path() / "format"),
             Catch::EndsWith("index.json: (top).format must be \"conventiond-replay/1\""));

  fs::create_directories(dir.path() / "escape");
  dir.write("escape/index.json", R"({"format": "conventiond-replay/1", "responses": [
    {"url": "https://a.example/", "status": 200, "body_file": "../secret"}]})");
  CHECK_THAT(load_error(dir.path() / "escape"),
             Catch::EndsWith("responses[0].body_file must be a file name inside the folder"));

  fs::create_directories(dir.path() / "nobody");
  dir.write("nobody/index.json", R"({"format": "conventiond-replay/1", "responses": [
    {"url": "https://a.example/", "status": 200, "body_file": "gone.html"}]})");
  CHECK_THAT(load_error(dir.path() / "nobody"), Catch::Contains("responses[0].body_file: ") &&
                                                    Catch::Contains("gone.html: cannot be read"));
}

TEST_CASE("replay recorder: what it saves is read back the same, without per-fetch headers") {
  TempDir dir;
  const fs::path folder = dir.path() / "rec";
  auto recorder = ReplayRecorder::create(folder);
  REQUIRE(recorder.ok());
  SavedResponse page;
  page.url = "https://a.example/p";
  page.headers = {{"content-type", "text/html"}, {"date", "Thu, 02 May 2024 10:00:00 GMT"}};
  page.body = "<p>é</p>";
  page.final_url = "https://a.example/p/";
  REQUIRE(recorder->add(page).ok());
  SavedResponse post;
  post.method = "post";
  post.url = "https://a.example/api";
  post.request_body_sha256 = conventiond::sha256_hex("q=1");
  post.headers = {{"content-type", "application/pdf"}};
  post.body = std::string("%PDF-1.4\0\xff", 11);
  REQUIRE(recorder->add(post).ok());
  REQUIRE(recorder->finish().ok());

  const ReplaySet set = loaded(folder);
  auto p = set.answer("GET", "https://a.example/p");
  REQUIRE(p.ok());
  CHECK(p->url == "https://a.example/p/");
  CHECK(p->body == "<p>é</p>");
  CHECK(p->headers == conventiond::sdk::Headers{{"content-type", "text/html"}});
  auto q = set.answer("POST", "https://a.example/api", "q=1");
  REQUIRE(q.ok());
  CHECK(q->body == post.body);
  CHECK_FALSE(set.answer("POST", "https://a.example/api", "q=2").ok());

  // Never over an existing recording.
  auto again = ReplayRecorder::create(folder);
  REQUIRE_FALSE(again.ok());
  CHECK_THAT(again.error().message, Catch::Contains("exists and is not an empty folder"));
}
