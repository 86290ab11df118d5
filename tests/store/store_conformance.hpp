#pragma once
// The Store contract (include/conventiond/store/store.hpp), checked through the public Store
// interface only, so that every back end runs the same checks:
//
//   TEST_CASE("xxx store conformance", "[store]") {
//     store_conformance([] { return std::unique_ptr<conventiond::Store>(...fresh, empty...); });
//   }
//
// make_store() must return a fresh, empty store on each call. Catch2 runs the test case once
// per leaf SECTION, and each SECTION below calls make_store() once: every SECTION starts from an
// empty store. Names compared for order are plain ASCII, so that a back end sorting by bytes
// (SQLite) and one sorting with the "C" collation (PostgreSQL) agree.

#include <catch2/catch.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>
#include <chrono>

#include <boost/json/parse.hpp>

#include <conventiond/model/correction.hpp>
#include <conventiond/model/model_json.hpp>
#include <conventiond/store/store.hpp>

namespace conventiond::conformance {

inline Observation make_observation(const std::string& url, const std::string& departement,
                                    std::int64_t amount = 100000,
                                    const std::string& programme = std::string(kProgrammePauvrete)) {
  Observation o;
  o.programme = programme;
  o.facts.departement = departement;
  o.facts.signatories.push_back(Signatory{"Préfet de la région", Role::other});
  FundingLine f;
  f.amount_eur = amount;
  f.year = 2019;
  o.facts.funding.push_back(f);
  o.source.url = url;
  o.source.title = "Convention";
  o.source.media_type = "application/pdf";
  o.source.fetched_at = "2024-01-02T03:04:05Z";
  o.source.content_hash = "sha256:" + url;
  o.source.connector = "convention_documents";
  o.source.rank = SourceRank::convention_text;
  o.warnings.push_back("a warning");
  return o;
}

inline ItemRecord make_fetched(const std::string& url, const std::string& hash = "sha256:h1",
                               const std::string& etag = "\"e1\"") {
  ItemRecord it;
  it.url = url;
  it.status = ItemStatus::new_item;
  it.http_status = 200;
  it.content_hash = hash;
  it.etag = etag;
  it.last_modified = "Tue, 02 Jan 2024 03:04:05 GMT";
  it.document = DocumentRecord{url, hash, "application/pdf", "Convention", "2024-01-02T03:04:05Z"};
  return it;
}

inline ItemRecord make_failed(const std::string& url, const std::string& error, int http = 500) {
  ItemRecord it;
  it.url = url;
  it.status = ItemStatus::failed;
  it.http_status = http;
  it.error = error;
  it.attempts = 3;
  return it;
}

inline Indicator make_indicator(const std::string& departement, const std::string& name,
                                const std::string& period, double value) {
  Indicator i;
  i.departement = departement;
  i.name = name;
  i.period = period;
  i.value = value;
  i.unit = "foyers";
  i.note = "counts rounded to 5";
  i.source.url = "https://data.caf.example/" + name + ".csv";
  i.source.media_type = "text/csv";
  i.source.fetched_at = "2025-01-02T03:04:05Z";
  i.source.connector = "caf_open_data";
  return i;
}

inline Convention make_convention(const std::string& departement, std::int64_t amount,
                                  const std::string& programme = std::string(kProgrammePauvrete)) {
  Convention c;
  c.programme = programme;
  c.id = Convention::make_id(programme, departement);
  c.facts.departement = departement;
  c.facts.signed_on = Date{2019, 6, 28};
  c.facts.period = Period{2019, 2021};
  c.facts.signatories.push_back(Signatory{"Préfet de la région", Role::other});
  FundingLine f;
  f.funder = Funder::etat;
  f.amount_eur = amount;
  f.year = 2019;
  c.facts.funding.push_back(f);
  FieldProvenance p;
  p.field = "funding";
  p.chosen.url = "https://pref.example/convention-" + departement + ".pdf";
  p.chosen.rank = SourceRank::convention_text;
  c.provenance.push_back(p);
  return c;
}

inline PendingRequest make_request(const std::string& key) {
  return PendingRequest{key, "{\"method\":\"GET\",\"url\":\"" + key + "\"}", 0};
}

inline std::vector<std::string> keys_of(const std::vector<PendingRequest>& v) {
  std::vector<std::string> out;
  for (const auto& p : v) out.push_back(p.key);
  return out;
}

inline RunId must_start(Store& s, const std::string& job) {
  auto r = s.start_run(job);
  if (!r) FAIL("start_run " << job << ": " << r.error().code << ": " << r.error().message);
  return *r;
}

inline void must_commit(Store& s, RunId run, const ItemRecord& it, const ItemOutput& out = {}) {
  Status st = s.commit_item(run, it, out);
  if (!st) FAIL("commit " << it.url << ": " << st.error().code << ": " << st.error().message);
}

inline std::vector<ChangeEvent> all_changes(Store& s) {
  auto r = s.changes_since(0, 1000000);
  if (!r) FAIL("changes_since: " << r.error().message);
  return *r;
}

inline std::int64_t latest(Store& s) {
  auto r = s.latest_seq();
  if (!r) FAIL("latest_seq: " << r.error().message);
  return *r;
}

inline Convention parse_convention(const std::string& text) {
  auto v = parse_json(text);
  if (!v) FAIL("payload is not JSON: " << v.error().message << ": " << text);
  auto c = convention_from_json(*v);
  if (!c) FAIL("payload is not a convention: " << c.error().message << ": " << text);
  return *c;
}

inline Indicator parse_indicator(const std::string& text) {
  auto v = parse_json(text);
  if (!v) FAIL("payload is not JSON: " << v.error().message << ": " << text);
  auto i = indicator_from_json(*v);
  if (!i) FAIL("payload is not an indicator: " << i.error().message << ": " << text);
  return *i;
}

}  // namespace conventiond::conformance

template <class MakeStore>
void store_conformance(MakeStore make_store) {
  using namespace conventiond;
  using namespace conventiond::conformance;
  const std::string prog(kProgrammePauvrete);

  std::unique_ptr<Store> store = make_store();
  REQUIRE(store != nullptr);
  Store& s = *store;

  SECTION("ping answers") { CHECK(s.ping()); }

  SECTION("runs: error, forced failure, crashes counted apart from clean interruptions") {
    const RunId run = must_start(s, "job-err");
    must_commit(s, run, make_fetched("https://e.example/1"));
    // Resumed after a crash (no mark_run_interrupted): counted.
    auto r1 = s.resume_run(run);
    REQUIRE(r1);
    CHECK(r1->resumed == 1);
    CHECK(r1->crashes == 1);
    // Stopped on purpose, then resumed: not a crash; the reason is the run's error meanwhile.
    REQUIRE(s.mark_run_interrupted(run, "interrupted: shutdown"));
    auto listed = s.run_report(run);
    REQUIRE(listed);
    CHECK(listed->run.error == "interrupted: shutdown");
    auto r2 = s.resume_run(run);
    REQUIRE(r2);
    CHECK(r2->resumed == 2);
    CHECK(r2->crashes == 1);
    auto r3 = s.resume_run(run);  // a second crash
    REQUIRE(r3);
    CHECK(r3->crashes == 2);
    // A forced failure with an error, whatever the items say.
    auto fin = s.finish_run(run, RunEnd{"interrupted by a crash twice", true});
    REQUIRE(fin);
    CHECK(fin->status == RunStatus::failed);
    CHECK(fin->error == "interrupted by a crash twice");
    CHECK(fin->counts.total == 1);
    auto runs = s.runs("job-err", 1);
    REQUIRE(runs);
    REQUIRE(runs->size() == 1);
    CHECK(runs->front().error == "interrupted by a crash twice");
    CHECK(runs->front().crashes == 2);
    Status finished = s.mark_run_interrupted(run, "x");
    REQUIRE_FALSE(finished);
    CHECK(finished.error().code == "invalid");
    CHECK(s.mark_run_interrupted(987654, "x").error().code == "not_found");
    // A clean finish has no error.
    const RunId ok = must_start(s, "job-err");
    must_commit(s, ok, make_fetched("https://e.example/2"));
    auto clean = s.finish_run(ok);
    REQUIRE(clean);
    CHECK(clean->status == RunStatus::done);
    CHECK(clean->error.empty());
  }

  SECTION("failed_requests of a finished run include what its frontier left uncommitted") {
    const RunId run = must_start(s, "job-left");
    REQUIRE(s.enqueue(run, {make_request("https://l.example/a"), make_request("https://l.example/b"),
                            make_request("https://l.example/c")}));
    must_commit(s, run, make_fetched("https://l.example/a"));
    must_commit(s, run, make_failed("https://l.example/b", "store: database is locked"));
    // While running, c is pending, not failed.
    auto running = s.failed_requests(run);
    REQUIRE(running);
    CHECK(keys_of(*running) == std::vector<std::string>{"https://l.example/b"});
    REQUIRE(s.finish_run(run, RunEnd{"store unavailable", true}));
    auto left = s.failed_requests(run);
    REQUIRE(left);
    CHECK(keys_of(*left) ==
          std::vector<std::string>{"https://l.example/b", "https://l.example/c"});
    for (const PendingRequest& p : *left) CHECK_FALSE(p.request_json.empty());
  }

  SECTION("stale_items: known items of the job last committed before a time") {
    const RunId run = must_start(s, "job-stale");
    REQUIRE(s.enqueue(run, {make_request("https://s.example/a")}));
    must_commit(s, run, make_fetched("https://s.example/a"));
    must_commit(s, run, make_failed("https://s.example/f", "HTTP 404", 404));
    REQUIRE(s.finish_run(run));
    auto none = s.stale_items("job-stale", "2000-01-01T00:00:00Z", 10);
    REQUIRE(none);
    CHECK(none->empty());
    auto all = s.stale_items("job-stale", "2999-01-01T00:00:00Z", 10);
    REQUIRE(all);
    // Failed items are not rechecked (the retry of failures takes them up).
    REQUIRE(keys_of(*all) == std::vector<std::string>{"https://s.example/a"});
    CHECK(all->front().request_json == make_request("https://s.example/a").request_json);
    auto other = s.stale_items("job-other", "2999-01-01T00:00:00Z", 10);
    REQUIRE(other);
    CHECK(other->empty());
    auto limited = s.stale_items("job-stale", "2999-01-01T00:00:00Z", 0);
    REQUIRE(limited);
    CHECK(limited->empty());
  }

  SECTION("ledger: items, counts, report, cursor, validators") {
    CHECK_FALSE(s.start_run(""));
    const RunId run = must_start(s, "job-a");
    auto overlap = s.start_run("job-a");
    REQUIRE_FALSE(overlap);
    CHECK(overlap.error().code == "conflict");

    ItemRecord a = make_fetched("https://a.example/1", "sha256:a", "\"ea\"");
    a.cursor = "page=2";
    must_commit(s, run, a, ItemOutput{{make_observation(a.url, "67")}, {}, {}});
    // The vector overload behaves as the ItemOutput one.
    Status old = s.commit_item(run, make_failed("https://a.example/2", "HTTP 500"),
                               std::vector<Observation>{});
    REQUIRE(old);
    ItemRecord same;
    same.url = "https://a.example/3";
    same.status = ItemStatus::unchanged;
    same.http_status = 304;
    must_commit(s, run, same);

    auto done = s.item_done(run, a.url);
    REQUIRE(done);
    CHECK(*done);
    auto not_done = s.item_done(run, "https://a.example/4");
    REQUIRE(not_done);
    CHECK_FALSE(*not_done);

    auto cursor = s.job_cursor("job-a");
    REQUIRE(cursor);
    REQUIRE(cursor->has_value());
    CHECK((*cursor)->cursor == "page=2");  // items without a cursor keep it
    CHECK((*cursor)->last_url == same.url);
    CHECK((*cursor)->last_run == run);

    auto fin = s.finish_run(run);
    REQUIRE(fin);
    CHECK(fin->status == RunStatus::done_with_errors);
    CHECK(fin->counts == RunCounts{3, 1, 0, 1, 1, 0, 0});
    CHECK_FALSE(fin->finished_at.empty());
    auto rep = s.run_report(run);
    REQUIRE(rep);
    CHECK(rep->run.job == "job-a");
    REQUIRE(rep->failed.size() == 1);
    CHECK(rep->failed[0].url == "https://a.example/2");
    CHECK(rep->failed[0].http_status == 500);
    CHECK(rep->failed[0].error == "HTTP 500");
    CHECK(rep->failed[0].attempts == 3);

    // A finished run takes no more items and cannot be finished again.
    Status late = s.commit_item(run, make_fetched("https://a.example/5"), ItemOutput{});
    REQUIRE_FALSE(late);
    CHECK(late.error().code == "invalid");
    auto again = s.finish_run(run);
    REQUIRE_FALSE(again);
    CHECK(again.error().code == "invalid");
    auto missing = s.run_report(987654);
    REQUIRE_FALSE(missing);
    CHECK(missing.error().code == "not_found");
    Status nowhere = s.commit_item(987654, make_fetched("https://a.example/6"), ItemOutput{});
    REQUIRE_FALSE(nowhere);
    CHECK(nowhere.error().code == "not_found");

    // Validators: replaced by a new fetch, kept by a failed one, per job.
    const RunId run2 = must_start(s, "job-a");
    must_commit(s, run2, make_failed(a.url, "connection refused", 0));
    auto prev = s.previous_item("job-a", a.url);
    REQUIRE(prev);
    REQUIRE(prev->has_value());
    CHECK(**prev == ItemState{"\"ea\"", "Tue, 02 Jan 2024 03:04:05 GMT", "sha256:a"});
    ItemRecord upd = make_fetched(a.url, "sha256:a2", "\"ea2\"");
    upd.status = ItemStatus::updated;
    must_commit(s, run2, upd);  // the same url again in the run replaces the first commit
    auto prev2 = s.previous_item("job-a", a.url);
    REQUIRE(prev2);
    REQUIRE(prev2->has_value());
    CHECK((*prev2)->etag == "\"ea2\"");
    CHECK((*prev2)->content_hash == "sha256:a2");
    auto other = s.previous_item("job-b", a.url);
    REQUIRE(other);
    CHECK_FALSE(other->has_value());
    auto fin2 = s.finish_run(run2);
    REQUIRE(fin2);
    CHECK(fin2->status == RunStatus::done);
    CHECK(fin2->counts.total == 1);
    CHECK(fin2->counts.updated == 1);
  }

  SECTION("observations: replaced per document, identical re-harvest adds none") {
    const std::string url = "https://pref.example/doc.pdf";
    for (int i = 0; i < 3; ++i) {
      const RunId run = must_start(s, "job");
      must_commit(s, run, make_fetched(url), ItemOutput{{make_observation(url, "974")}, {}, {}});
      REQUIRE(s.finish_run(run));
    }
    auto n = s.observation_count();
    REQUIRE(n);
    CHECK(*n == 1);
    auto obs = s.observations_for_url(url);
    REQUIRE(obs);
    REQUIRE(obs->size() == 1);
    CHECK((*obs)[0] == make_observation(url, "974"));
    // Observations need the item's document.
    const RunId run = must_start(s, "job");
    ItemRecord nodoc = make_fetched("https://pref.example/other.pdf");
    nodoc.document.reset();
    Status st = s.commit_item(run, nodoc, ItemOutput{{make_observation(nodoc.url, "01")}, {}, {}});
    REQUIRE_FALSE(st);
    CHECK(st.error().code == "invalid");
    auto done = s.item_done(run, nodoc.url);
    REQUIRE(done);
    CHECK_FALSE(*done);
  }

  SECTION("resume: an interrupted run is taken back without duplicates") {
    const RunId run = must_start(s, "job");
    must_commit(s, run, make_fetched("https://a.example/1", "sha256:1"),
                ItemOutput{{make_observation("https://a.example/1", "01")}, {}, {}});
    must_commit(s, run, make_fetched("https://a.example/2", "sha256:2"),
                ItemOutput{{make_observation("https://a.example/2", "02")}, {}, {}});
    auto interrupted = s.interrupted_runs();
    REQUIRE(interrupted);
    REQUIRE(interrupted->size() == 1);
    CHECK((*interrupted)[0].id == run);
    CHECK((*interrupted)[0].job == "job");
    CHECK((*interrupted)[0].status == RunStatus::running);
    CHECK((*interrupted)[0].counts.total == 2);
    auto resumed = s.resume_run(run);
    REQUIRE(resumed);
    CHECK(resumed->resumed == 1);
    CHECK(resumed->counts.total == 2);
    // Re-committing an item already done replaces it.
    must_commit(s, run, make_fetched("https://a.example/2", "sha256:2"),
                ItemOutput{{make_observation("https://a.example/2", "02")}, {}, {}});
    must_commit(s, run, make_fetched("https://a.example/3", "sha256:3"),
                ItemOutput{{make_observation("https://a.example/3", "03")}, {}, {}});
    auto fin = s.finish_run(run);
    REQUIRE(fin);
    CHECK(fin->status == RunStatus::done);
    CHECK(fin->counts.total == 3);
    CHECK(fin->counts.new_items == 3);
    CHECK(fin->resumed == 1);
    auto n = s.observation_count();
    REQUIRE(n);
    CHECK(*n == 3);
    auto none = s.interrupted_runs();
    REQUIRE(none);
    CHECK(none->empty());
    auto again = s.resume_run(run);
    REQUIRE_FALSE(again);
    CHECK(again.error().code == "invalid");
  }

  SECTION("frontier: dedup, pending order, paging, committed keys leave it") {
    const RunId run = must_start(s, "crawl");
    auto added = s.enqueue(run, {make_request("u/a"), make_request("u/b"), make_request("u/c")});
    REQUIRE(added);
    CHECK(*added == 3);
    // Already queued keys and duplicates within one call are ignored.
    auto added2 = s.enqueue(run, {make_request("u/b"), make_request("u/d"), make_request("u/d")});
    REQUIRE(added2);
    CHECK(*added2 == 1);
    auto empty_call = s.enqueue(run, {});
    REQUIRE(empty_call);
    CHECK(*empty_call == 0);

    auto all = s.pending(run, 0, 100);
    REQUIRE(all);
    REQUIRE(keys_of(*all) == std::vector<std::string>{"u/a", "u/b", "u/c", "u/d"});
    for (std::size_t i = 0; i < all->size(); ++i) {
      CHECK((*all)[i].request_json == make_request((*all)[i].key).request_json);
      CHECK((*all)[i].id > 0);
      if (i > 0) CHECK((*all)[i].id > (*all)[i - 1].id);
    }
    auto page1 = s.pending(run, 0, 2);
    REQUIRE(page1);
    CHECK(keys_of(*page1) == std::vector<std::string>{"u/a", "u/b"});
    auto page2 = s.pending(run, page1->back().id, 2);
    REQUIRE(page2);
    CHECK(keys_of(*page2) == std::vector<std::string>{"u/c", "u/d"});
    auto page3 = s.pending(run, page2->back().id, 2);
    REQUIRE(page3);
    CHECK(page3->empty());
    auto none = s.pending(run, 0, 0);
    REQUIRE(none);
    CHECK(none->empty());

    // Committed keys (either overload, any status) leave the pending list.
    must_commit(s, run, make_fetched("u/a"));
    REQUIRE(s.commit_item(run, make_failed("u/c", "timeout", 0), std::vector<Observation>{}));
    auto left = s.pending(run, 0, 100);
    REQUIRE(left);
    CHECK(keys_of(*left) == std::vector<std::string>{"u/b", "u/d"});
    // A committed key is not queued again, even if it never was in the frontier.
    must_commit(s, run, make_fetched("u/x", "sha256:x"));
    auto added3 = s.enqueue(run, {make_request("u/a"), make_request("u/x"), make_request("u/e")});
    REQUIRE(added3);
    CHECK(*added3 == 1);
    auto left2 = s.pending(run, 0, 100);
    REQUIRE(left2);
    CHECK(keys_of(*left2) == std::vector<std::string>{"u/b", "u/d", "u/e"});

    // Each run has its own frontier.
    const RunId other = must_start(s, "crawl-2");
    auto added4 = s.enqueue(other, {make_request("u/a"), make_request("u/b")});
    REQUIRE(added4);
    CHECK(*added4 == 2);
    auto other_pending = s.pending(other, 0, 100);
    REQUIRE(other_pending);
    CHECK(keys_of(*other_pending) == std::vector<std::string>{"u/a", "u/b"});
    auto still = s.pending(run, 0, 100);
    REQUIRE(still);
    CHECK(keys_of(*still) == std::vector<std::string>{"u/b", "u/d", "u/e"});

    // An empty key is refused and nothing of the call is added.
    auto bad = s.enqueue(run, {make_request("u/f"), PendingRequest{"", "{}", 0}});
    REQUIRE_FALSE(bad);
    CHECK(bad.error().code == "invalid");
    auto after_bad = s.pending(run, 0, 100);
    REQUIRE(after_bad);
    CHECK(keys_of(*after_bad) == std::vector<std::string>{"u/b", "u/d", "u/e"});

    // Unknown and finished runs.
    auto unknown = s.enqueue(987654, {make_request("u/z")});
    REQUIRE_FALSE(unknown);
    CHECK(unknown.error().code == "not_found");
    auto unknown_pending = s.pending(987654, 0, 10);
    REQUIRE_FALSE(unknown_pending);
    CHECK(unknown_pending.error().code == "not_found");
    REQUIRE(s.finish_run(other));
    auto finished = s.enqueue(other, {make_request("u/z")});
    REQUIRE_FALSE(finished);
    CHECK(finished.error().code == "invalid");
  }

  SECTION("commit_item with an ItemOutput writes everything in one go") {
    const RunId run = must_start(s, "job");
    REQUIRE(s.enqueue(run, {make_request("https://a.example/list")}));
    ItemRecord list = make_fetched("https://a.example/list", "sha256:list");
    ItemOutput out;
    out.observations = {make_observation(list.url, "67")};
    out.indicators = {make_indicator("67", "caf.foyers_rsa", "2024-12", 1234)};
    // Its own key (committed now) and a duplicate are ignored.
    out.enqueue = {make_request("https://a.example/p1"), make_request("https://a.example/p2"),
                   make_request("https://a.example/p1"), make_request(list.url)};
    must_commit(s, run, list, out);

    auto obs = s.observations_for_url(list.url);
    REQUIRE(obs);
    CHECK(*obs == out.observations);
    auto ind = s.indicators("67");
    REQUIRE(ind);
    REQUIRE(ind->size() == 1);
    CHECK((*ind)[0].indicator == out.indicators[0]);
    CHECK((*ind)[0].revision == 1);
    CHECK_FALSE((*ind)[0].recorded_at.empty());
    auto pend = s.pending(run, 0, 100);
    REQUIRE(pend);
    CHECK(keys_of(*pend) ==
          std::vector<std::string>{"https://a.example/p1", "https://a.example/p2"});
    auto events = all_changes(s);
    REQUIRE(events.size() == 1);
    CHECK(events[0].kind == "indicators_updated");
    CHECK(events[0].departement == "67");
    CHECK(events[0].convention_id.empty());
    // The same indicator again in a later item changes nothing.
    ItemOutput out2;
    out2.indicators = out.indicators;
    must_commit(s, run, make_fetched("https://a.example/p1", "sha256:p1"), out2);
    auto ind2 = s.indicators("67");
    REQUIRE(ind2);
    CHECK(ind2->size() == 1);
    CHECK(all_changes(s).size() == 1);
  }

  SECTION("commit_item with an ItemOutput is atomic") {
    const RunId run = must_start(s, "job");
    ItemRecord a = make_fetched("https://a.example/1", "sha256:a");
    a.cursor = "after-1";
    must_commit(s, run, a, ItemOutput{{make_observation(a.url, "67")}, {}, {}});
    const std::int64_t seq_before = latest(s);

    ItemRecord b = make_fetched("https://a.example/2", "sha256:b");
    b.cursor = "after-2";
    auto check_nothing_of_b = [&] {
      auto done = s.item_done(run, b.url);
      REQUIRE(done);
      CHECK_FALSE(*done);
      auto obs = s.observations_for_url(b.url);
      REQUIRE(obs);
      CHECK(obs->empty());
      auto ind = s.indicators("13");
      REQUIRE(ind);
      CHECK(ind->empty());
      auto pend = s.pending(run, 0, 100);
      REQUIRE(pend);
      CHECK(pend->empty());
      CHECK(latest(s) == seq_before);
      auto cursor = s.job_cursor("job");
      REQUIRE(cursor);
      REQUIRE(cursor->has_value());
      CHECK((*cursor)->cursor == "after-1");
      CHECK((*cursor)->last_url == a.url);
      auto prev = s.previous_item("job", b.url);
      REQUIRE(prev);
      CHECK_FALSE(prev->has_value());
      auto n = s.observation_count();
      REQUIRE(n);
      CHECK(*n == 1);
    };
    ItemOutput out;
    out.observations = {make_observation(b.url, "13"), make_observation(b.url, "13", 5)};
    out.indicators = {make_indicator("13", "caf.foyers_rsa", "2024-12", 10)};
    out.enqueue = {make_request("https://a.example/3")};

    SECTION("an observation without a département") {
      out.observations.push_back(make_observation(b.url, ""));
      Status st = s.commit_item(run, b, out);
      REQUIRE_FALSE(st);
      CHECK_THAT(st.error().message, Catch::Contains(b.url));
      check_nothing_of_b();
    }
    SECTION("an indicator without a name") {
      out.indicators.push_back(make_indicator("13", "", "2024-12", 10));
      Status st = s.commit_item(run, b, out);
      REQUIRE_FALSE(st);
      CHECK_THAT(st.error().message, Catch::Contains(b.url));
      check_nothing_of_b();
    }
    SECTION("a request without a key") {
      out.enqueue.push_back(PendingRequest{"", "{}", 0});
      Status st = s.commit_item(run, b, out);
      REQUIRE_FALSE(st);
      CHECK_THAT(st.error().message, Catch::Contains(b.url));
      check_nothing_of_b();
    }
    // And the store still works.
    must_commit(s, run, b, ItemOutput{{make_observation(b.url, "13")}, {}, {}});
    auto cursor = s.job_cursor("job");
    REQUIRE(cursor);
    CHECK((*cursor)->cursor == "after-2");
  }

  SECTION("observations_for_convention and touched_by_run") {
    const std::string u1 = "https://pref.example/1.pdf";
    const std::string u2 = "https://pref.example/2.pdf";
    const RunId run1 = must_start(s, "job");
    must_commit(s, run1, make_fetched(u1, "sha256:v1"),
                ItemOutput{{make_observation(u1, "67", 1), make_observation(u1, "68", 2)}, {}, {}});
    must_commit(s, run1, make_fetched(u2, "sha256:w1"),
                ItemOutput{{make_observation(u2, "67", 3),
                            make_observation(u2, "67", 4, "other-2023")},
                           {},
                           {}});
    must_commit(s, run1, make_failed("https://pref.example/3.pdf", "HTTP 404", 404));
    REQUIRE(s.finish_run(run1));

    auto obs67 = s.observations_for_convention(prog, "67");
    REQUIRE(obs67);
    CHECK(*obs67 == std::vector<Observation>{make_observation(u1, "67", 1),
                                             make_observation(u2, "67", 3)});
    auto other67 = s.observations_for_convention("other-2023", "67");
    REQUIRE(other67);
    CHECK(*other67 == std::vector<Observation>{make_observation(u2, "67", 4, "other-2023")});
    auto touched1 = s.touched_by_run(run1);
    REQUIRE(touched1);
    CHECK(*touched1 == std::vector<std::pair<std::string, std::string>>{
                           {"other-2023", "67"}, {prog, "67"}, {prog, "68"}});

    // A new version of u1 that no longer mentions 68: only the latest version counts, and the
    // run touched 68 too (its observation went away).
    const RunId run2 = must_start(s, "job");
    must_commit(s, run2, make_fetched(u1, "sha256:v2"),
                ItemOutput{{make_observation(u1, "67", 10)}, {}, {}});
    ItemRecord same = make_failed(u2, "timeout", 0);  // a failed fetch touches nothing
    must_commit(s, run2, same);
    auto obs67b = s.observations_for_convention(prog, "67");
    REQUIRE(obs67b);
    CHECK(*obs67b == std::vector<Observation>{make_observation(u2, "67", 3),
                                              make_observation(u1, "67", 10)});
    auto obs68 = s.observations_for_convention(prog, "68");
    REQUIRE(obs68);
    CHECK(obs68->empty());
    auto touched2 = s.touched_by_run(run2);
    REQUIRE(touched2);
    CHECK(*touched2 ==
          std::vector<std::pair<std::string, std::string>>{{prog, "67"}, {prog, "68"}});
    auto nobody = s.observations_for_convention(prog, "01");
    REQUIRE(nobody);
    CHECK(nobody->empty());
    auto unknown = s.touched_by_run(987654);
    REQUIRE_FALSE(unknown);
    CHECK(unknown.error().code == "not_found");
  }

  SECTION("corrections: stored with id and time, one more observation of their convention") {
    const std::string u1 = "https://pref.example/1.pdf";
    const RunId run = must_start(s, "job");
    must_commit(s, run, make_fetched(u1, "sha256:v1"),
                ItemOutput{{make_observation(u1, "67", 1)}, {}, {}});
    REQUIRE(s.finish_run(run));
    auto set = make_correction(prog, "67", "set", "funding.etat.2019",
                               boost::json::parse(R"({"amount_eur": 900000})"), "l'annexe 2",
                               "alice");
    REQUIRE(set);
    auto verdict = make_correction(prog, "67", "not_a_convention", "", nullptr, "", "bob");
    REQUIRE(verdict);
    auto other = make_correction(prog, "68", "set", "signed_on", boost::json::value("2019-07-01"),
                                 "", "carol");
    REQUIRE(other);
    auto a = s.add_correction(*set);
    REQUIRE(a);
    CHECK(a->id > 0);
    CHECK(a->created_at.size() == 20);
    CHECK(a->value_json == R"({"amount_eur":900000,"qualifier":"exact"})");
    auto b = s.add_correction(*verdict);
    REQUIRE(b);
    CHECK(b->id > a->id);
    REQUIRE(s.add_correction(*other));
    // Nothing that make_correction() would refuse is stored.
    Correction bad = *set;
    bad.field = "funding.nobody.2019";
    auto refused = s.add_correction(bad);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == "invalid");

    auto list = s.corrections_for(prog, "67");
    REQUIRE(list);
    REQUIRE(list->size() == 2);
    CHECK((*list)[0] == *a);
    CHECK((*list)[1] == *b);
    // The documents' observations first, then one per correction, from the operator.
    auto obs = s.observations_for_convention(prog, "67");
    REQUIRE(obs);
    REQUIRE(obs->size() == 3);
    CHECK((*obs)[0] == make_observation(u1, "67", 1));
    CHECK((*obs)[1].source.rank == SourceRank::operator_);
    CHECK((*obs)[1].source.url == "urn:conventiond:correction:" + prog + ":67:" + std::to_string(a->id));
    REQUIRE((*obs)[1].facts.funding.size() == 1);
    CHECK((*obs)[1].facts.funding[0].amount_eur == 900000);
    REQUIRE((*obs)[1].facts.funding[0].evidence);
    CHECK((*obs)[1].facts.funding[0].evidence->quote == "l'annexe 2");
    CHECK((*obs)[2].facts.not_a_convention);

    auto removed = s.remove_correction(prog, "67", a->id);
    REQUIRE(removed);
    CHECK(*removed);
    auto again = s.remove_correction(prog, "67", a->id);
    REQUIRE(again);
    CHECK_FALSE(*again);
    auto elsewhere = s.remove_correction(prog, "67", b->id + 1);  // 68's: not this convention's
    REQUIRE(elsewhere);
    CHECK_FALSE(*elsewhere);
    auto after = s.observations_for_convention(prog, "67");
    REQUIRE(after);
    CHECK(after->size() == 2);
    auto of68 = s.corrections_for(prog, "68");
    REQUIRE(of68);
    CHECK(of68->size() == 1);
  }

  SECTION("save_convention: created, unchanged, updated, history, events") {
    CHECK(latest(s) == 0);
    Convention c = make_convention("67", 1000);
    auto first = s.save_convention(c);
    REQUIRE(first);
    CHECK(first->changed);
    CHECK(first->seq > 0);
    CHECK(first->convention.revision == 1);
    CHECK_FALSE(first->convention.updated_at.empty());
    CHECK(first->convention.id == c.id);
    CHECK(first->convention.facts == c.facts);
    CHECK(first->convention.provenance == c.provenance);
    CHECK(latest(s) == first->seq);

    // The same content (whatever revision and updated_at say) writes nothing.
    Convention same = c;
    same.revision = 42;
    same.updated_at = "1999-01-01T00:00:00Z";
    auto unchanged = s.save_convention(same);
    REQUIRE(unchanged);
    CHECK_FALSE(unchanged->changed);
    CHECK(unchanged->seq == 0);
    CHECK(unchanged->convention == first->convention);
    CHECK(latest(s) == first->seq);

    Convention updated = c;
    updated.facts.funding[0].amount_eur = 2000;
    auto second = s.save_convention(updated);
    REQUIRE(second);
    CHECK(second->changed);
    CHECK(second->convention.revision == 2);
    CHECK(second->seq > first->seq);
    CHECK(second->convention.facts == updated.facts);

    // Provenance alone is content too.
    Convention moved = updated;
    moved.provenance[0].chosen.url = "https://dept.example/convention.pdf";
    auto third = s.save_convention(moved);
    REQUIRE(third);
    CHECK(third->changed);
    CHECK(third->convention.revision == 3);

    auto stored = s.convention(c.id);
    REQUIRE(stored);
    REQUIRE(stored->has_value());
    CHECK(**stored == third->convention);
    auto missing = s.convention("pauvrete-2019:01");
    REQUIRE(missing);
    CHECK_FALSE(missing->has_value());

    auto history = s.convention_history(c.id);
    REQUIRE(history);
    REQUIRE(history->size() == 3);
    CHECK((*history)[0] == first->convention);
    CHECK((*history)[1] == second->convention);
    CHECK((*history)[2] == third->convention);
    auto no_history = s.convention_history("pauvrete-2019:01");
    REQUIRE(no_history);
    CHECK(no_history->empty());

    auto events = all_changes(s);
    REQUIRE(events.size() == 3);
    CHECK(events[0].seq == first->seq);
    CHECK(events[0].kind == "created");
    CHECK(events[0].convention_id == c.id);
    CHECK(events[0].departement == "67");
    CHECK(events[0].revision == 1);
    CHECK_FALSE(events[0].created_at.empty());
    CHECK(parse_convention(events[0].payload_json) == first->convention);
    CHECK(events[0].changes_json.empty());
    // An update names the facts that changed, with their previous values (evidence aside).
    CHECK(events[1].kind == "updated");
    CHECK(events[1].revision == 2);
    CHECK(parse_convention(events[1].payload_json) == second->convention);
    CHECK(boost::json::parse(events[1].changes_json) ==
          boost::json::parse(R"([{"field":"funding","previous":[{"funder":"etat","year":2019,)"
                             R"("amount_eur":1000,"qualifier":"exact"}]}])"));
    // A new revision whose facts are the same (only the provenance moved) says so.
    CHECK(events[2].kind == "provenance_updated");
    CHECK(events[2].seq == third->seq);
    CHECK(events[2].changes_json == "[]");

    // conventions() lists the current records by id.
    REQUIRE(s.save_convention(make_convention("13", 5)));
    REQUIRE(s.save_convention(make_convention("974", 7)));
    auto list = s.conventions();
    REQUIRE(list);
    REQUIRE(list->size() == 3);
    CHECK((*list)[0].id == "pauvrete-2019:13");
    CHECK((*list)[1].id == "pauvrete-2019:67");
    CHECK((*list)[1] == third->convention);
    CHECK((*list)[2].id == "pauvrete-2019:974");

    // A record without a département is refused and writes nothing.
    Convention bad = make_convention("67", 1);
    bad.id = "pauvrete-2019:xx";
    bad.facts.departement = "";
    auto refused = s.save_convention(bad);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == "invalid");
    CHECK(all_changes(s).size() == 5);
  }

  SECTION("indicators: revisions and events") {
    auto none = s.indicators("67");
    REQUIRE(none);
    CHECK(none->empty());

    // No convention for the département: one event with an empty convention id.
    Indicator rsa = make_indicator("67", "caf.foyers_rsa", "2024-11", 1500);
    auto saved = s.save_indicator(rsa);
    REQUIRE(saved);
    CHECK(*saved);
    auto events = all_changes(s);
    REQUIRE(events.size() == 1);
    CHECK(events[0].kind == "indicators_updated");
    CHECK(events[0].convention_id.empty());
    CHECK(events[0].departement == "67");
    CHECK(events[0].revision == 0);
    CHECK(parse_indicator(events[0].payload_json) == rsa);

    // The same value, unit and note (another source) is no change.
    Indicator again = rsa;
    again.source.fetched_at = "2025-02-01T00:00:00Z";
    auto same = s.save_indicator(again);
    REQUIRE(same);
    CHECK_FALSE(*same);
    CHECK(all_changes(s).size() == 1);

    // With two conventions of the département (two programmes): one event each, by id.
    auto c1 = s.save_convention(make_convention("67", 1000));
    REQUIRE(c1);
    auto c2 = s.save_convention(make_convention("67", 50, "other-2023"));
    REQUIRE(c2);
    REQUIRE(s.save_convention(make_convention("68", 1000)));
    const std::int64_t before = latest(s);
    Indicator corrected = rsa;
    corrected.value = 1505.5;
    auto changed = s.save_indicator(corrected);
    REQUIRE(changed);
    CHECK(*changed);
    auto fresh = s.changes_since(before, 100);
    REQUIRE(fresh);
    REQUIRE(fresh->size() == 2);
    CHECK((*fresh)[0].kind == "indicators_updated");
    CHECK((*fresh)[0].convention_id == "other-2023:67");
    CHECK((*fresh)[0].revision == c2->convention.revision);
    CHECK((*fresh)[1].convention_id == "pauvrete-2019:67");
    CHECK((*fresh)[1].revision == c1->convention.revision);
    CHECK((*fresh)[1].departement == "67");
    CHECK(parse_indicator((*fresh)[1].payload_json) == corrected);

    // A changed unit or note is a new revision too; another period starts at 1.
    Indicator renoted = corrected;
    renoted.note = "provisional";
    auto r3 = s.save_indicator(renoted);
    REQUIRE(r3);
    CHECK(*r3);
    auto other_period = s.save_indicator(make_indicator("67", "caf.foyers_rsa", "2024-12", 1600));
    REQUIRE(other_period);
    CHECK(*other_period);
    auto other_name = s.save_indicator(make_indicator("67", "caf.allocataires", "2024-12", 9));
    REQUIRE(other_name);
    CHECK(*other_name);
    auto other_dep = s.save_indicator(make_indicator("13", "caf.foyers_rsa", "2024-12", 7));
    REQUIRE(other_dep);
    CHECK(*other_dep);

    auto list = s.indicators("67");
    REQUIRE(list);
    REQUIRE(list->size() == 5);
    CHECK((*list)[0].indicator.name == "caf.allocataires");
    CHECK((*list)[0].revision == 1);
    CHECK((*list)[1].indicator == rsa);
    CHECK((*list)[1].revision == 1);
    CHECK((*list)[2].indicator == corrected);
    CHECK((*list)[2].revision == 2);
    CHECK((*list)[3].indicator == renoted);
    CHECK((*list)[3].revision == 3);
    CHECK((*list)[4].indicator.period == "2024-12");
    CHECK((*list)[4].revision == 1);
    for (const auto& r : *list) CHECK_FALSE(r.recorded_at.empty());
    auto list13 = s.indicators("13");
    REQUIRE(list13);
    CHECK(list13->size() == 1);

    // Invalid values are refused and write nothing.
    const std::int64_t seq = latest(s);
    CHECK_FALSE(s.save_indicator(make_indicator("67", "", "2024-12", 1)));
    CHECK_FALSE(s.save_indicator(make_indicator("67", "caf.x", "", 1)));
    CHECK_FALSE(s.save_indicator(make_indicator("", "caf.x", "2024-12", 1)));
    CHECK(latest(s) == seq);
    auto unchanged_list = s.indicators("67");
    REQUIRE(unchanged_list);
    CHECK(unchanged_list->size() == 5);
  }

  SECTION("change log: order, paging, prune keeps the latest") {
    CHECK(latest(s) == 0);
    auto oldest0 = s.oldest_seq();
    REQUIRE(oldest0);
    CHECK(*oldest0 == 0);
    auto pruned0 = s.prune_changes("2999-01-01T00:00:00Z");
    REQUIRE(pruned0);
    CHECK(*pruned0 == 0);

    for (const char* d : {"01", "02", "03", "04", "05"})
      REQUIRE(s.save_convention(make_convention(d, 100)));
    auto events = all_changes(s);
    REQUIRE(events.size() == 5);
    for (std::size_t i = 1; i < events.size(); ++i) CHECK(events[i].seq > events[i - 1].seq);
    CHECK(latest(s) == events.back().seq);
    auto oldest = s.oldest_seq();
    REQUIRE(oldest);
    CHECK(*oldest == events.front().seq);

    auto page = s.changes_since(events[1].seq, 2);
    REQUIRE(page);
    REQUIRE(page->size() == 2);
    CHECK((*page)[0].seq == events[2].seq);
    CHECK((*page)[1].seq == events[3].seq);
    CHECK((*page)[0].convention_id == "pauvrete-2019:03");
    auto tail = s.changes_since(events.back().seq, 10);
    REQUIRE(tail);
    CHECK(tail->empty());
    auto zero = s.changes_since(0, 0);
    REQUIRE(zero);
    CHECK(zero->empty());

    auto kept_all = s.prune_changes("2000-01-01T00:00:00Z");
    REQUIRE(kept_all);
    CHECK(*kept_all == 0);
    CHECK(all_changes(s).size() == 5);

    auto pruned = s.prune_changes("2999-01-01T00:00:00Z");
    REQUIRE(pruned);
    CHECK(*pruned == 4);
    auto left = all_changes(s);
    REQUIRE(left.size() == 1);
    CHECK(left[0].seq == events.back().seq);
    auto oldest2 = s.oldest_seq();
    REQUIRE(oldest2);
    CHECK(*oldest2 == events.back().seq);
    CHECK(latest(s) == events.back().seq);

    // Sequence numbers keep growing after a prune.
    REQUIRE(s.save_convention(make_convention("06", 100)));
    CHECK(latest(s) > events.back().seq);

    auto bad = s.prune_changes("yesterday");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().code == "invalid");
  }

  SECTION("consumer cursors") {
    auto unknown = s.consumer_cursor("webhook:a");
    REQUIRE(unknown);
    CHECK(*unknown == 0);
    REQUIRE(s.set_consumer_cursor("webhook:a", 5));
    REQUIRE(s.set_consumer_cursor("kafka", 9));
    auto a = s.consumer_cursor("webhook:a");
    REQUIRE(a);
    CHECK(*a == 5);
    REQUIRE(s.set_consumer_cursor("webhook:a", 3));  // a consumer may rewind
    auto a2 = s.consumer_cursor("webhook:a");
    REQUIRE(a2);
    CHECK(*a2 == 3);
    auto k = s.consumer_cursor("kafka");
    REQUIRE(k);
    CHECK(*k == 9);
    Status empty = s.set_consumer_cursor("", 1);
    REQUIRE_FALSE(empty);
    CHECK(empty.error().code == "invalid");
    Status negative = s.set_consumer_cursor("kafka", -1);
    REQUIRE_FALSE(negative);
    CHECK(negative.error().code == "invalid");
  }

  SECTION("runs and jobs listing") {
    auto no_jobs = s.jobs();
    REQUIRE(no_jobs);
    CHECK(no_jobs->empty());
    auto no_runs = s.runs("", 10);
    REQUIRE(no_runs);
    CHECK(no_runs->empty());

    const RunId b1 = must_start(s, "job-b");
    must_commit(s, b1, make_fetched("https://b.example/1"));
    REQUIRE(s.finish_run(b1));
    const RunId a1 = must_start(s, "job-a");
    REQUIRE(s.finish_run(a1));
    const RunId a2 = must_start(s, "job-a");
    must_commit(s, a2, make_failed("https://a.example/1", "HTTP 503", 503));

    auto jobs = s.jobs();
    REQUIRE(jobs);
    CHECK(*jobs == std::vector<std::string>{"job-a", "job-b"});

    auto all = s.runs("", 10);
    REQUIRE(all);
    REQUIRE(all->size() == 3);
    CHECK((*all)[0].id == a2);
    CHECK((*all)[0].status == RunStatus::running);
    CHECK((*all)[0].counts.failed == 1);  // live counts while running
    CHECK((*all)[1].id == a1);
    CHECK((*all)[1].status == RunStatus::failed);
    CHECK((*all)[2].id == b1);
    CHECK((*all)[2].job == "job-b");
    CHECK((*all)[2].status == RunStatus::done);
    CHECK((*all)[2].counts.new_items == 1);

    auto of_a = s.runs("job-a", 10);
    REQUIRE(of_a);
    REQUIRE(of_a->size() == 2);
    CHECK((*of_a)[0].id == a2);
    CHECK((*of_a)[1].id == a1);
    auto one = s.runs("job-a", 1);
    REQUIRE(one);
    REQUIRE(one->size() == 1);
    CHECK((*one)[0].id == a2);
    auto nobody = s.runs("job-z", 10);
    REQUIRE(nobody);
    CHECK(nobody->empty());
  }

  SECTION("failed_requests: what a retry fetches again") {
    const RunId run = must_start(s, "job");
    const PendingRequest post{"POST https://a.example/search #abc",
                              "{\"method\":\"POST\",\"url\":\"https://a.example/search\"}", 0};
    REQUIRE(s.enqueue(run, {make_request("https://a.example/1"), post,
                            make_request("https://a.example/2")}));
    must_commit(s, run, make_failed(post.key, "HTTP 500"));
    must_commit(s, run, make_fetched("https://a.example/1"));
    must_commit(s, run, make_failed("https://a.example/2", "HTTP 502", 502));
    // Failed, never queued (a start URL committed directly): no request, id 0.
    must_commit(s, run, make_failed("https://a.example/0", "timeout", 0));
    // Skipped items are not failures.
    ItemRecord skipped;
    skipped.url = "https://a.example/robots-only";
    skipped.status = ItemStatus::skipped_robots;
    must_commit(s, run, skipped);
    REQUIRE(s.finish_run(run));

    auto failed = s.failed_requests(run);
    REQUIRE(failed);
    REQUIRE(keys_of(*failed) == std::vector<std::string>{"POST https://a.example/search #abc",
                                                          "https://a.example/0",
                                                          "https://a.example/2"});
    CHECK((*failed)[0].request_json == post.request_json);
    CHECK((*failed)[0].id > 0);
    CHECK((*failed)[1].request_json.empty());
    CHECK((*failed)[1].id == 0);
    CHECK((*failed)[2].request_json == make_request("https://a.example/2").request_json);

    // A retry run takes them as its frontier.
    const RunId retry = must_start(s, "job");
    auto added = s.enqueue(retry, *failed);
    REQUIRE(added);
    CHECK(*added == 3);
    auto none = s.failed_requests(retry);
    REQUIRE(none);
    CHECK(none->empty());
    auto unknown = s.failed_requests(987654);
    REQUIRE_FALSE(unknown);
    CHECK(unknown.error().code == "not_found");
  }

  SECTION("values are bound, never spliced into queries") {
    const std::string nasty = "job'); DROP TABLE runs; --";
    const RunId run = must_start(s, nasty);
    const std::string url = "https://x.example/?q=' OR 1=1 --";
    REQUIRE(s.enqueue(run, {PendingRequest{url, "{\"q\":\"'\\\"\"}", 0}}));
    must_commit(s, run, make_failed(url, "it's \"broken\"", 0));
    REQUIRE(s.set_consumer_cursor(nasty, 2));
    auto c = s.consumer_cursor(nasty);
    REQUIRE(c);
    CHECK(*c == 2);
    auto jobs = s.jobs();
    REQUIRE(jobs);
    CHECK(*jobs == std::vector<std::string>{nasty});
    auto failed = s.failed_requests(run);
    REQUIRE(failed);
    REQUIRE(failed->size() == 1);
    CHECK((*failed)[0].key == url);
    CHECK((*failed)[0].request_json == "{\"q\":\"'\\\"\"}");
  }

  SECTION("subscriptions: cursor at creation, filter, secret never shown, cursor moves") {
    auto none = s.subscriptions();
    REQUIRE(none);
    CHECK(none->empty());
    NewSubscription first;
    first.url = "https://hooks.example/a";
    first.secret = "s3cret";
    auto a = s.create_subscription(first);
    REQUIRE(a);
    CHECK(a->id > 0);
    CHECK(a->url == first.url);
    CHECK(a->has_secret);
    CHECK(a->status == SubscriptionStatus::active);
    CHECK(a->cursor == 0);  // the log is empty
    CHECK(a->consecutive_failures == 0);
    CHECK(a->created_at.size() == 20);

    REQUIRE(s.save_convention(make_convention("67", 1000)));
    REQUIRE(s.save_convention(make_convention("13", 1000)));
    const std::int64_t last = latest(s);
    NewSubscription second;
    second.url = "http://hooks.example/b";
    second.filter.departements = {"1", "2a", "67", "01"};
    second.filter.kinds = {"updated", "created"};
    auto b = s.create_subscription(second);
    REQUIRE(b);
    CHECK(b->id > a->id);
    CHECK_FALSE(b->has_secret);
    CHECK(b->cursor == last);  // only later events
    CHECK(b->filter.departements == std::vector<std::string>{"01", "2A", "67"});
    CHECK(b->filter.kinds == std::vector<std::string>{"created", "updated"});
    NewSubscription third;
    third.url = "https://hooks.example/c";
    third.from_seq = 0;
    auto c = s.create_subscription(third);
    REQUIRE(c);
    CHECK(c->cursor == 0);

    auto listed = s.subscriptions();
    REQUIRE(listed);
    REQUIRE(listed->size() == 3);
    CHECK((*listed)[0].id == a->id);
    CHECK((*listed)[1].id == b->id);
    CHECK((*listed)[1].filter == b->filter);
    CHECK((*listed)[2].id == c->id);
    auto got = s.subscription(b->id);
    REQUIRE(got);
    REQUIRE(*got);
    CHECK((*got)->url == second.url);
    auto missing = s.subscription(987654);
    REQUIRE(missing);
    CHECK_FALSE(*missing);
    auto secret = s.subscription_secrets(a->id);
    REQUIRE(secret);
    CHECK(secret->current == "s3cret");
    CHECK(secret->previous.empty());
    CHECK(secret->previous_until.empty());
    auto no_secret = s.subscription_secrets(b->id);
    REQUIRE(no_secret);
    CHECK(no_secret->current.empty());
    CHECK(s.subscription_secrets(987654).error().code == "not_found");

    // Rotation with an overlap: the current secret becomes the previous one, until the end.
    REQUIRE(s.rotate_subscription_secret(a->id, "n3w", "2030-01-01T00:00:00Z"));
    secret = s.subscription_secrets(a->id);
    REQUIRE(secret);
    CHECK(secret->current == "n3w");
    CHECK(secret->previous == "s3cret");
    CHECK(secret->previous_until == "2030-01-01T00:00:00Z");
    auto shown = s.subscription(a->id);
    REQUIRE(shown);
    REQUIRE(*shown);
    CHECK((*shown)->previous_secret_until == "2030-01-01T00:00:00Z");
    CHECK((*shown)->has_secret);
    // Again, without an overlap: no previous secret at all.
    REQUIRE(s.rotate_subscription_secret(a->id, "s3cret", ""));
    secret = s.subscription_secrets(a->id);
    REQUIRE(secret);
    CHECK(secret->current == "s3cret");
    CHECK(secret->previous.empty());
    CHECK(secret->previous_until.empty());
    CHECK(s.rotate_subscription_secret(a->id, "x", "tomorrow").error().code == "invalid");
    CHECK(s.subscription_secrets(a->id)->current == "s3cret");  // a refused rotation changes nothing
    CHECK(s.rotate_subscription_secret(987654, "x", "").error().code == "not_found");
    // A subscription without a secret gets one: no previous one, so no overlap.
    REQUIRE(s.rotate_subscription_secret(b->id, "first", "2030-01-01T00:00:00Z"));
    auto made = s.subscription_secrets(b->id);
    REQUIRE(made);
    CHECK(made->current == "first");
    CHECK(made->previous.empty());
    CHECK(made->previous_until.empty());

    // Refused: empty url, negative from_seq, unknown kind or département.
    NewSubscription bad;
    CHECK(s.create_subscription(bad).error().code == "invalid");
    bad.url = "https://hooks.example/x";
    bad.from_seq = -1;
    CHECK(s.create_subscription(bad).error().code == "invalid");
    bad.from_seq.reset();
    bad.filter.kinds = {"deleted"};
    CHECK(s.create_subscription(bad).error().code == "invalid");
    bad.filter.kinds.clear();
    bad.filter.departements = {"99"};
    CHECK(s.create_subscription(bad).error().code == "invalid");

    // The cursor moves forward only, unless reset; a forward move clears the failures and the
    // last error (a delivery succeeded), which carries when it happened.
    REQUIRE(s.record_subscription_failure(c->id, "HTTP 500"));
    REQUIRE(s.record_subscription_failure(c->id, "timeout"));
    auto failing = s.subscription(c->id);
    REQUIRE(failing);
    CHECK((*failing)->consecutive_failures == 2);
    CHECK((*failing)->last_error == "timeout");
    CHECK((*failing)->last_error_at.size() == 20);
    CHECK((*failing)->last_error_at.back() == 'Z');
    REQUIRE(s.set_subscription_cursor(c->id, 2));
    REQUIRE(s.set_subscription_cursor(c->id, 1));  // backwards: ignored
    auto moved = s.subscription(c->id);
    REQUIRE(moved);
    CHECK((*moved)->cursor == 2);
    CHECK((*moved)->consecutive_failures == 0);
    CHECK((*moved)->last_error.empty());
    CHECK((*moved)->last_error_at.empty());
    REQUIRE(s.set_subscription_cursor(c->id, 1, CursorMove::reset));
    auto reset = s.subscription(c->id);
    REQUIRE(reset);
    CHECK((*reset)->cursor == 1);
    CHECK(s.set_subscription_cursor(c->id, -1).error().code == "invalid");
    CHECK(s.set_subscription_cursor(987654, 3).error().code == "not_found");
    CHECK(s.record_subscription_failure(987654, "x").error().code == "not_found");

    // Pause and resume.
    REQUIRE(s.pause_subscription(a->id, "paused by the operator"));
    auto paused = s.subscription(a->id);
    REQUIRE(paused);
    CHECK((*paused)->status == SubscriptionStatus::paused);
    CHECK((*paused)->last_error == "paused by the operator");
    REQUIRE(s.resume_subscription(a->id));
    auto resumed = s.subscription(a->id);
    REQUIRE(resumed);
    CHECK((*resumed)->status == SubscriptionStatus::active);
    CHECK(s.pause_subscription(987654, "x").error().code == "not_found");
    CHECK(s.resume_subscription(987654).error().code == "not_found");

    // Deleted: gone, ids never reused.
    REQUIRE(s.delete_subscription(c->id));
    CHECK(s.delete_subscription(c->id).error().code == "not_found");
    auto after = s.subscriptions();
    REQUIRE(after);
    CHECK(after->size() == 2);
    NewSubscription fourth;
    fourth.url = "https://hooks.example/d";
    auto d = s.create_subscription(fourth);
    REQUIRE(d);
    CHECK(d->id > c->id);
    CHECK(to_string(SubscriptionStatus::paused) == "paused");
    CHECK(subscription_status_from_string("active") == SubscriptionStatus::active);
    CHECK_FALSE(subscription_status_from_string("gone"));
  }

  SECTION("dead letters: added with a pause, listed, counted, taken once") {
    NewSubscription n;
    n.url = "https://hooks.example/a";
    auto sub = s.create_subscription(n);
    REQUIRE(sub);
    NewSubscription other_n;
    other_n.url = "https://hooks.example/b";
    auto other = s.create_subscription(other_n);
    REQUIRE(other);
    REQUIRE(s.record_subscription_failure(sub->id, "HTTP 500"));

    auto first = s.add_dead_letter(sub->id, 7, "{\"seq\":7}", "HTTP 500", 5);
    REQUIRE(first);
    CHECK(first->subscription_id == sub->id);
    CHECK(first->seq == 7);
    CHECK(first->event_json == "{\"seq\":7}");
    CHECK(first->error == "HTTP 500");
    CHECK(first->attempts == 5);
    auto paused = s.subscription(sub->id);
    REQUIRE(paused);
    CHECK((*paused)->status == SubscriptionStatus::paused);
    CHECK((*paused)->cursor == sub->cursor);  // stays before it: a resume delivers it first
    CHECK((*paused)->last_error == "HTTP 500");
    CHECK((*paused)->consecutive_failures == 5);
    auto second = s.add_dead_letter(sub->id, 3, "{\"seq\":3}", "timeout", 5);
    REQUIRE(second);
    auto still = s.subscription(sub->id);
    REQUIRE(still);
    CHECK((*still)->cursor == sub->cursor);
    REQUIRE(s.add_dead_letter(other->id, 9, "{\"seq\":9}", "refused", 1));
    CHECK(s.add_dead_letter(987654, 1, "{}", "x", 1).error().code == "not_found");

    auto count = s.dead_letter_count(sub->id);
    REQUIRE(count);
    CHECK(*count == 2);
    auto page = s.dead_letters(sub->id, 0, 1);
    REQUIRE(page);
    REQUIRE(page->size() == 1);
    CHECK((*page)[0].id == first->id);
    auto rest = s.dead_letters(sub->id, first->id, 10);
    REQUIRE(rest);
    REQUIRE(rest->size() == 1);
    CHECK((*rest)[0].id == second->id);
    CHECK((*rest)[0].error == "timeout");

    auto one = s.dead_letter(second->id);
    REQUIRE(one);
    REQUIRE(*one);
    CHECK((*one)->seq == 3);
    auto taken = s.take_dead_letter(first->id);
    REQUIRE(taken);
    REQUIRE(*taken);
    CHECK((*taken)->seq == 7);
    CHECK((*taken)->event_json == "{\"seq\":7}");
    auto again = s.take_dead_letter(first->id);
    REQUIRE(again);
    CHECK_FALSE(*again);
    auto gone = s.dead_letter(first->id);
    REQUIRE(gone);
    CHECK_FALSE(*gone);
    count = s.dead_letter_count(sub->id);
    REQUIRE(count);
    CHECK(*count == 1);

    // Deleting a subscription deletes its dead letters.
    REQUIRE(s.delete_subscription(sub->id));
    count = s.dead_letter_count(sub->id);
    REQUIRE(count);
    CHECK(*count == 0);
    auto kept = s.dead_letter_count(other->id);
    REQUIRE(kept);
    CHECK(*kept == 1);
  }

  SECTION("leases: one owner at a time, renewed, released, taken over after expiry") {
    using std::chrono::milliseconds;
    auto a = s.try_lease("webhook:1", "daemon-a", milliseconds(60000));
    REQUIRE(a);
    CHECK(*a);
    auto b = s.try_lease("webhook:1", "daemon-b", milliseconds(60000));
    REQUIRE(b);
    CHECK_FALSE(*b);
    auto owner = s.lease_owner("webhook:1");
    REQUIRE(owner);
    CHECK(*owner == std::optional<std::string>("daemon-a"));
    auto renewed = s.try_lease("webhook:1", "daemon-a", milliseconds(60000));
    REQUIRE(renewed);
    CHECK(*renewed);
    // Another name is another lease.
    auto other = s.try_lease("sink:jsonl", "daemon-b", milliseconds(60000));
    REQUIRE(other);
    CHECK(*other);
    // Releasing someone else's lease does nothing; one's own frees it.
    REQUIRE(s.release_lease("webhook:1", "daemon-b"));
    owner = s.lease_owner("webhook:1");
    REQUIRE(owner);
    CHECK(*owner == std::optional<std::string>("daemon-a"));
    REQUIRE(s.release_lease("webhook:1", "daemon-a"));
    owner = s.lease_owner("webhook:1");
    REQUIRE(owner);
    CHECK_FALSE(*owner);
    b = s.try_lease("webhook:1", "daemon-b", milliseconds(1));
    REQUIRE(b);
    CHECK(*b);
    // Expired: free for anyone.
    std::this_thread::sleep_for(milliseconds(30));
    owner = s.lease_owner("webhook:1");
    REQUIRE(owner);
    CHECK_FALSE(*owner);
    a = s.try_lease("webhook:1", "daemon-a", milliseconds(60000));
    REQUIRE(a);
    CHECK(*a);
    b = s.try_lease("webhook:1", "daemon-b", milliseconds(60000));
    REQUIRE(b);
    CHECK_FALSE(*b);
    // Refused arguments.
    CHECK(s.try_lease("", "daemon-a", milliseconds(10)).error().code == "invalid");
    CHECK(s.try_lease("x", "", milliseconds(10)).error().code == "invalid");
    CHECK(s.try_lease("x", "daemon-a", milliseconds(0)).error().code == "invalid");
  }

  SECTION("find_runs: across jobs, filters, keyset cursor, cancelled apart from failed") {
    // a: done; b: cancelled (failed with the prefix); a: failed; b: running.
    const RunId a1 = must_start(s, "job-a");
    must_commit(s, a1, make_fetched("https://a.example/1"));
    REQUIRE(s.finish_run(a1));
    const RunId b1 = must_start(s, "job-b");
    REQUIRE(s.finish_run(b1, RunEnd{std::string(Store::kCancelledPrefix) + "by admin at now", true}));
    const RunId a2 = must_start(s, "job-a");
    REQUIRE(s.finish_run(a2, RunEnd{"connector could not start", true}));
    const RunId b2 = must_start(s, "job-b");
    auto ids = [&](const Store::RunFilter& f) {
      auto r = s.find_runs(f);
      if (!r) FAIL("find_runs: " << r.error().message);
      std::vector<RunId> out;
      for (const RunSummary& x : *r) out.push_back(x.id);
      return out;
    };
    Store::RunFilter all;
    CHECK(ids(all) == std::vector<RunId>{b2, a2, b1, a1});
    Store::RunFilter by_job;
    by_job.job = "job-a";
    CHECK(ids(by_job) == std::vector<RunId>{a2, a1});
    Store::RunFilter running;
    running.status = RunStatus::running;
    CHECK(ids(running) == std::vector<RunId>{b2});
    Store::RunFilter cancelled;
    cancelled.cancelled = true;
    CHECK(ids(cancelled) == std::vector<RunId>{b1});
    Store::RunFilter failed;
    failed.status = RunStatus::failed;
    failed.cancelled = false;
    CHECK(ids(failed) == std::vector<RunId>{a2});
    // Keyset pages of 2: the cursor is the last id seen.
    Store::RunFilter page;
    page.limit = 2;
    CHECK(ids(page) == std::vector<RunId>{b2, a2});
    page.before_id = a2;
    CHECK(ids(page) == std::vector<RunId>{b1, a1});
    page.before_id = a1;
    CHECK(ids(page).empty());
    // Time bounds on started_at (RFC 3339 text).
    Store::RunFilter future;
    future.started_from = "2999-01-01T00:00:00Z";
    CHECK(ids(future).empty());
    Store::RunFilter past;
    past.started_to = "2999-01-01T00:00:00Z";
    past.started_from = "2000-01-01";
    CHECK(ids(past).size() == 4);
    // Values are bound: a quote in a job name is a name.
    Store::RunFilter quoted;
    quoted.job = "job-a' OR '1'='1";
    CHECK(ids(quoted).empty());
    // The summaries are complete (counts of a finished run).
    auto listed = s.find_runs(by_job);
    REQUIRE(listed);
    REQUIRE(listed->size() == 2);
    CHECK(listed->back().counts.total == 1);
    CHECK(listed->back().job == "job-a");
  }
}
