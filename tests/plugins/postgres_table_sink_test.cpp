// The postgres_table sink through the real plugin host, against a real PostgreSQL server on
// loopback (pg_test_server.hpp; the tests that need one say SKIPPED when there is none): the
// upsert of the current record, older revisions and redeliveries that change nothing, indicator
// events, one transaction per batch (rolled back on a bad event), malformed batches that touch
// nothing, reconnection, and the configuration and connection errors.

#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>
#include <vector>

#include "pg_test_server.hpp"
#include "sink_test_support.hpp"

using conventiond::PluginInstance;
using conventiond::test::batch_json;
using conventiond::test::convention_record;
using conventiond::test::PgTestServer;
using conventiond::test::TestEvent;
using Rows = std::vector<std::vector<std::string>>;

namespace {

constexpr const char* kPluginFile = "postgres_table_sink.so";

PluginInstance pg_sink(const std::string& schema, const std::string& more = "") {
  return conventiond::test::make_sink(kPluginFile, "postgres_table",
                                      R"({"conninfo":")" + PgTestServer::get().url() +
                                          R"(","schema":")" + schema + "\"" +
                                          (more.empty() ? "" : "," + more) + "}");
}

TestEvent convention_event(std::int64_t seq, const std::string& id, std::int64_t revision,
                           const std::string& note, const std::string& kind = "updated") {
  TestEvent e;
  e.seq = seq;
  e.kind = kind;
  e.convention_id = id;
  e.departement = id == "c2" ? "2A" : "13";
  e.revision = revision;
  e.record_json = convention_record(id, e.departement, revision, note);
  return e;
}

TestEvent indicator_event(std::int64_t seq, const std::string& convention_id,
                          const std::string& name, double value) {
  TestEvent e;
  e.seq = seq;
  e.kind = "indicators_updated";
  e.convention_id = convention_id;
  e.departement = "13";
  e.revision = 1;
  e.record_json = R"({"departement":"13","name":")" + name + R"(","period":"2024-12","value":)" +
                  std::to_string(value) + "}";
  return e;
}

// The conventions table: id, département, revision, seq, kind, the record's note, updated_at.
Rows conventions(const std::string& schema, const std::string& table = "conventions") {
  return PgTestServer::get().admin().rows(
      "SELECT convention_id, departement, revision, seq, kind, record->>'note', "
      "to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM " +
      schema + "." + table + " ORDER BY convention_id");
}

bool table_exists(const std::string& qualified) {
  return PgTestServer::get().admin().value("SELECT to_regclass($1) IS NOT NULL", {qualified}) ==
         "t";
}

}  // namespace

TEST_CASE("postgres_table: upserts the current record of each convention") {
  if (!conventiond::test::pg_server_or_skip()) return;
  const std::string schema = PgTestServer::get().new_schema();
  ::setenv("CONVENTIOND_TEST_PG_PASSWORD", "unused-with-trust", 1);
  auto sink = pg_sink(
      schema, R"("table":"current_conventions","password_env":"CONVENTIOND_TEST_PG_PASSWORD")");
  REQUIRE(sink.deliver(batch_json({convention_event(1, "c1", 1, "first", "created"),
                                   convention_event(2, "c2", 1, "other", "created")}))
              .ok());
  auto third = convention_event(3, "c1", 2, "second");
  third.created_at = "2024-06-02T08:30:00+02:00";
  REQUIRE(sink.deliver(batch_json({third})).ok());
  CHECK(conventions(schema, "current_conventions") ==
        Rows{{"c1", "13", "2", "3", "updated", "second", "2024-06-02T06:30:00Z"},
             {"c2", "2A", "1", "2", "created", "other", "2024-05-01T10:00:00Z"}});
  CHECK(PgTestServer::get().admin().value("SELECT record->>'id' FROM " + schema +
                                          ".current_conventions WHERE convention_id = 'c1'") ==
        "c1");
  // An empty batch, and one made only of skipped events, touch nothing.
  REQUIRE(sink.deliver("[]").ok());
}

TEST_CASE(
    "postgres_table: an older event never overwrites a newer record and redelivery changes "
    "nothing") {
  if (!conventiond::test::pg_server_or_skip()) return;
  const std::string schema = PgTestServer::get().new_schema();
  auto sink = pg_sink(schema);
  const std::vector<TestEvent> log = {convention_event(1, "c1", 1, "v1", "created"),
                                      convention_event(2, "c2", 1, "w1", "created"),
                                      convention_event(3, "c1", 2, "v2")};
  REQUIRE(sink.deliver(batch_json(log)).ok());
  const Rows expected = {{"c1", "13", "2", "3", "updated", "v2", "2024-05-01T10:00:00Z"},
                         {"c2", "2A", "1", "2", "created", "w1", "2024-05-01T10:00:00Z"}};
  CHECK(conventions(schema) == expected);

  REQUIRE(sink.deliver(batch_json({log[0], log[1]})).ok());  // a redelivered older range
  CHECK(conventions(schema) == expected);
  REQUIRE(sink.deliver(batch_json(log)).ok());  // the same batch again
  CHECK(conventions(schema) == expected);
  // A lower revision with a higher seq is older too.
  REQUIRE(sink.deliver(batch_json({convention_event(10, "c1", 1, "stale")})).ok());
  CHECK(conventions(schema) == expected);
  // The same revision published again later (higher seq) replaces the row.
  REQUIRE(sink.deliver(batch_json({convention_event(11, "c1", 2, "republished")})).ok());
  CHECK(conventions(schema)[0] == std::vector<std::string>{"c1", "13", "2", "11", "updated",
                                                           "republished", "2024-05-01T10:00:00Z"});
  // A second instance (another daemon, or after a restart) finds the table and goes on.
  auto again = pg_sink(schema);
  REQUIRE(again.deliver(batch_json(log)).ok());
  CHECK(conventions(schema).size() == 2);
}

TEST_CASE("postgres_table: indicator events go to the _indicators table or are skipped") {
  if (!conventiond::test::pg_server_or_skip()) return;
  auto& admin = PgTestServer::get().admin();
  const std::string schema = PgTestServer::get().new_schema();
  {
    auto sink = pg_sink(schema);
    // One indicator change is published once per convention of its département.
    REQUIRE(sink.deliver(batch_json({convention_event(1, "c1", 1, "v1", "created"),
                                     indicator_event(2, "c1", "caf.foyers_rsa", 1200),
                                     indicator_event(3, "c3", "caf.foyers_rsa", 1200),
                                     indicator_event(4, "", "france_travail.demandeurs", 80)}))
                .ok());
    REQUIRE(sink.deliver(batch_json({indicator_event(5, "c1", "caf.foyers_rsa", 1300)})).ok());
    REQUIRE(sink.deliver(batch_json({indicator_event(3, "c3", "caf.foyers_rsa", 1200)})).ok());
    CHECK(admin.rows("SELECT departement, name, period, seq, record->>'value' FROM " + schema +
                     ".conventions_indicators ORDER BY name") ==
          Rows{{"13", "caf.foyers_rsa", "2024-12", "5", "1300"},
               {"13", "france_travail.demandeurs", "2024-12", "4", "80"}});
    // The convention's row keeps its record: an indicator event is not a convention record.
    CHECK(conventions(schema) ==
          Rows{{"c1", "13", "1", "1", "created", "v1", "2024-05-01T10:00:00Z"}});
  }
  {
    const std::string other = PgTestServer::get().new_schema();
    auto sink = pg_sink(other, R"("indicators":false)");
    REQUIRE(sink.deliver(batch_json({indicator_event(1, "c1", "caf.foyers_rsa", 1)})).ok());
    CHECK_FALSE(table_exists(other + ".conventions"));  // nothing to write: no transaction
    REQUIRE(sink.deliver(batch_json({indicator_event(2, "c1", "caf.foyers_rsa", 1),
                                     convention_event(3, "c1", 1, "v1", "created")}))
                .ok());
    CHECK(conventions(other).size() == 1);
    CHECK_FALSE(table_exists(other + ".conventions_indicators"));
  }
}

TEST_CASE("postgres_table: a bad event fails the batch and rolls the whole transaction back") {
  if (!conventiond::test::pg_server_or_skip()) return;
  const std::string schema = PgTestServer::get().new_schema();
  auto sink = pg_sink(schema);
  auto bad = convention_event(2, "c2", 1, "w1", "created");
  bad.created_at = "yesterday at noon";
  // The very first batch fails: even the table's creation is rolled back.
  auto r = sink.deliver(batch_json({convention_event(1, "c1", 1, "v1", "created"), bad}));
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().message,
             Catch::StartsWith("plugin 'postgres_table': deliver failed: postgres_table "
                               "postgresql://"));
  CHECK_THAT(r.error().message,
             Catch::Contains(": event 2 of the batch (seq 2): invalid input syntax for type "
                             "timestamp with time zone: \"yesterday at noon\" (SQLSTATE 22007); "
                             "the batch was rolled back"));
  CHECK_FALSE(table_exists(schema + ".conventions"));

  // The corrected batch goes through on the same instance.
  const auto good = convention_event(2, "c2", 1, "w1", "created");
  REQUIRE(sink.deliver(batch_json({convention_event(1, "c1", 1, "v1", "created"), good})).ok());
  CHECK(conventions(schema).size() == 2);

  // A failing batch on a filled table leaves every row as it was.
  const Rows before = conventions(schema);
  auto bad_update = convention_event(4, "c2", 2, "w2");
  bad_update.created_at = "2024-13-45T99:00:00Z";
  r = sink.deliver(batch_json({convention_event(3, "c1", 2, "v2"), bad_update}));
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().message, Catch::Contains("event 2 of the batch (seq 4): "));
  CHECK(conventions(schema) == before);
  REQUIRE(sink.deliver(batch_json({convention_event(3, "c1", 2, "v2")})).ok());
  CHECK(conventions(schema)[0][5] == "v2");
}

TEST_CASE("postgres_table: a malformed batch fails before anything is written") {
  if (!conventiond::test::pg_server_or_skip()) return;
  const std::string schema = PgTestServer::get().new_schema();
  auto sink = pg_sink(schema);
  const std::string good = convention_event(1, "c1", 1, "v1", "created").json();
  const std::string prefix = "plugin 'postgres_table': deliver failed: ";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"[" + good + R"(,{"kind":"updated"}])", prefix + "event 2 of the batch has no \"seq\""},
      {"[" + good + R"(,{"seq":"2"}])", prefix + "event 2 of the batch: \"seq\" is not an integer"},
      {"[" + good + R"(,7])", prefix + "event 2 of the batch is not a JSON object"},
      {"[" + good + R"(,{"seq":2,"kind":"deleted","record":{}}])",
       prefix + "event 2 of the batch (seq 2): unknown kind 'deleted' (this sink knows created, "
                "updated, provenance_updated and indicators_updated)"},
      {"[" + good +
           R"(,{"seq":2,"kind":"updated","convention_id":"","departement":"13",)"
           R"("revision":1,"record":{}}])",
       prefix + "event 2 of the batch (seq 2): \"convention_id\" is not a non-empty string"},
      {"[" + good +
           R"(,{"seq":2,"kind":"updated","convention_id":"c2","departement":"13",)"
           R"("revision":"1","record":{}}])",
       prefix + "event 2 of the batch (seq 2): \"revision\" is not an integer"},
      {"[" + good +
           R"(,{"seq":2,"kind":"updated","convention_id":"c2","departement":"13",)"
           R"("revision":1,"record":"text"}])",
       prefix + "event 2 of the batch (seq 2): \"record\" is not a JSON object"},
      {"[" + good +
           R"(,{"seq":2,"kind":"indicators_updated","record":{"departement":"13",)"
           R"("period":"2024-12"}}])",
       prefix + "event 2 of the batch (seq 2): the indicator record: \"name\" is not a non-empty "
                "string"},
      {"[" + good +
           R"(,{"seq":2,"kind":"updated","convention_id":"c2","departement":"13",)"
           R"("revision":1,"record":{},"created_at":5}])",
       prefix + "event 2 of the batch (seq 2): \"created_at\" is not a non-empty string"},
      {good, "plugin 'postgres_table': deliver threw: invalid JSON at offset 0: expected '['"},
      {"[" + good, "plugin 'postgres_table': deliver threw: invalid JSON at offset"},
  };
  for (const auto& [batch, message] : cases) {
    INFO(batch);
    auto r = sink.deliver(batch);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().message, Catch::StartsWith(message));
  }
  CHECK_FALSE(table_exists(schema + ".conventions"));
}

TEST_CASE("postgres_table: a connection the server closed is made again") {
  if (!conventiond::test::pg_server_or_skip()) return;
  auto& admin = PgTestServer::get().admin();
  const std::string schema = PgTestServer::get().new_schema();
  auto sink = pg_sink(schema);
  REQUIRE(sink.deliver(batch_json({convention_event(1, "c1", 1, "v1", "created")})).ok());
  CHECK(admin.value("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE "
                    "application_name = 'conventiond-postgres-table-sink'") == "1");
  REQUIRE(sink.deliver(batch_json({convention_event(2, "c1", 2, "v2")})).ok());
  CHECK(conventions(schema)[0][5] == "v2");
}

TEST_CASE("postgres_table: an unreachable server fails the delivery naming it") {
  // Port 1 of loopback: nothing listens there, the connection is refused at once.
  auto sink =
      conventiond::test::make_sink(kPluginFile, "postgres_table",
                                   R"({"conninfo":"postgresql://reader@127.0.0.1:1/downstream"})");
  auto r = sink.deliver(batch_json({convention_event(1, "c1", 1, "v1", "created")}));
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().message,
             Catch::StartsWith("plugin 'postgres_table': deliver failed: postgres_table "
                               "postgresql://reader@127.0.0.1:1/downstream: cannot connect: "));
  CHECK_THAT(r.error().message, Catch::Contains("Connection refused"));
}

TEST_CASE("postgres_table: invalid configurations are refused when the instance is made") {
  using conventiond::test::sink_creation_error;
  const auto error = [](const std::string& config) {
    return sink_creation_error(kPluginFile, "postgres_table", config);
  };
  CHECK_THAT(error(R"({"conninfo":"host=127.0.0.1 port"})"),
             Catch::StartsWith("plugin 'postgres_table': create failed: config key 'conninfo' is "
                               "not a libpq connection string: missing \"=\" after \"port\""));
  const std::string with_password = error(R"({"conninfo":"postgresql://u:hunter2@127.0.0.1/db"})");
  CHECK_THAT(with_password, Catch::Contains("config key 'conninfo' contains a password"));
  CHECK_THAT(with_password, !Catch::Contains("hunter2"));
  CHECK_THAT(error(R"({"conninfo":"host=h password=hunter2"})"),
             Catch::Contains("contains a password") && !Catch::Contains("hunter2"));
  CHECK_THAT(error(R"({"conninfo":"host=h","table":"Conventions"})"),
             Catch::Contains("config key 'table': 'Conventions' is not a lower-case identifier"));
  CHECK_THAT(
      error(R"({"conninfo":"host=h","table":"a; DROP TABLE x"})"),
      Catch::Contains("config key 'table': 'a; DROP TABLE x' is not a lower-case identifier"));
  CHECK_THAT(error(R"({"conninfo":"host=h","table":")" + std::string(53, 'a') + "\"}"),
             Catch::Contains("at most 52 bytes"));
  CHECK_THAT(error(R"({"conninfo":"host=h","schema":"9lives"})"),
             Catch::Contains("config key 'schema': '9lives' is not a lower-case identifier"));
  ::unsetenv("CONVENTIOND_TEST_NO_SUCH_VAR");
  CHECK_THAT(error(R"({"conninfo":"host=h","password_env":"CONVENTIOND_TEST_NO_SUCH_VAR"})"),
             Catch::Contains("the environment variable 'CONVENTIOND_TEST_NO_SUCH_VAR' is not set"));
  CHECK_THAT(error(R"({"table":"t"})"), Catch::Contains("conninfo"));
}
