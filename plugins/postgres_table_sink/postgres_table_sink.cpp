// postgres_table: keeps the current record of each convention in a PostgreSQL table that a
// downstream system reads, by upserting every change-log event it receives (libpq).
//
//   <schema>.<table>            (convention_id text primary key, departement text,
//                                revision bigint, seq bigint, kind text, record jsonb,
//                                updated_at timestamptz)
//   <schema>.<table>_indicators (departement, name, period) primary key, seq, record jsonb,
//                                updated_at        -- events of kind "indicators_updated"
//
// A row is replaced only by an event with a higher (revision, seq) (indicators: a higher seq),
// so a redelivered older event never overwrites a newer record and redelivery is idempotent.
// A deliver() call is one transaction: the whole batch is checked first (nothing is sent for a
// malformed one), then upserted and committed, or rolled back on the first error. The tables
// are created (IF NOT EXISTS, under an advisory lock) on each new connection; the schema must
// exist. The connection is made at the first deliver() and made again after it broke.

#include <libpq-fe.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <conventiond/sdk/json.hpp>
#include <conventiond/sdk/sink.hpp>

namespace sdk = conventiond::sdk;

namespace {

constexpr sdk::ConfigKey kConfig[] = {
    sdk::string_key("conninfo", "libpq connection URL or key=value string, without a password")
        .required(),
    sdk::string_key("password_env",
                    "Name of the environment variable holding the password (default: libpq's "
                    "PGPASSWORD or ~/.pgpass)"),
    sdk::string_key("table", "Table of the current conventions (lower-case identifier)")
        .default_json("\"conventions\""),
    sdk::string_key("schema", "Schema of the tables (must exist)").default_json("\"public\""),
    sdk::boolean_key("indicators",
                     "Upsert indicator events into <table>_indicators (false: skip them)")
        .default_json("true"),
};

constexpr std::size_t kMaxTableName = 52;  // 63 (PostgreSQL's limit) - "_indicators"

// [a-z_][a-z0-9_]* of at most max bytes.
bool valid_identifier(std::string_view s, std::size_t max) {
  if (s.empty() || s.size() > max || (s[0] >= '0' && s[0] <= '9')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

std::string first_line(std::string text) {
  const auto nl = text.find('\n');
  if (nl != std::string::npos) text.erase(nl);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\r')) text.pop_back();
  return text;
}

struct ConninfoOptionsDeleter {
  void operator()(PQconninfoOption* o) const { PQconninfoFree(o); }
};
struct ConnDeleter {
  void operator()(PGconn* c) const { PQfinish(c); }
};
struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

// What a connection string is, checked: no password in it; "postgresql://user@host:port/db"
// to name the server in messages.
std::string checked_display(const std::string& conninfo) {
  char* err = nullptr;
  std::unique_ptr<PQconninfoOption, ConninfoOptionsDeleter> opts(
      PQconninfoParse(conninfo.c_str(), &err));
  if (!opts) {
    std::string message = err != nullptr ? first_line(err) : "out of memory";
    PQfreemem(err);
    throw sdk::Failure("config key 'conninfo' is not a libpq connection string: " + message);
  }
  std::string user;
  std::string host;
  std::string port;
  std::string db;
  for (const PQconninfoOption* o = opts.get(); o->keyword != nullptr; ++o) {
    const std::string_view key = o->keyword;
    const std::string value = o->val != nullptr ? o->val : "";
    if (key == "password" && !value.empty()) {
      throw sdk::Failure(
          "config key 'conninfo' contains a password: name an environment variable in "
          "password_env instead (or use PGPASSWORD / ~/.pgpass)");
    }
    if (key == "user") user = value;
    if (key == "host") host = value;
    if (key == "hostaddr" && host.empty()) host = value;
    if (key == "port") port = value;
    if (key == "dbname") db = value;
  }
  return "postgresql://" + (user.empty() ? "" : user + "@") + (host.empty() ? "localhost" : host) +
         (port.empty() ? "" : ":" + port) + "/" + db;
}

// One event of the batch, checked, as the statement parameters it becomes.
struct Row {
  enum class Target { convention, indicator, skip } target = Target::skip;
  std::int64_t seq = 0;
  std::vector<std::string> params;
  std::vector<bool> null;
};

std::string where(std::size_t index, std::int64_t seq) {
  return "event " + std::to_string(index + 1) + " of the batch (seq " + std::to_string(seq) + ")";
}

const std::string& member_string(const sdk::json::Value& object, std::string_view key,
                                 const std::string& where_text, bool non_empty) {
  const sdk::json::Value* v = object.find(key);
  if (v == nullptr || !v->is_string() || (non_empty && v->as_string().empty())) {
    throw sdk::Failure(where_text + ": \"" + std::string(key) + "\" is not a" +
                       (non_empty ? " non-empty" : "") + " string");
  }
  return v->as_string();
}

Row read_event(std::string_view text, std::size_t index, bool indicators) {
  const sdk::json::Value event = sdk::json::parse(text);
  const std::string at = "event " + std::to_string(index + 1) + " of the batch";
  if (!event.is_object()) throw sdk::Failure(at + " is not a JSON object");
  const sdk::json::Value* seq = event.find("seq");
  if (seq == nullptr) throw sdk::Failure(at + " has no \"seq\"");
  if (!seq->is_integer()) throw sdk::Failure(at + ": \"seq\" is not an integer");
  Row row;
  row.seq = seq->as_integer();
  const std::string w = where(index, row.seq);
  const std::string& kind = member_string(event, "kind", w, true);
  const sdk::json::Value* record = event.find("record");
  if (record == nullptr || !record->is_object()) {
    throw sdk::Failure(w + ": \"record\" is not a JSON object");
  }
  std::string created_at;
  bool created_at_null = true;
  if (const sdk::json::Value* c = event.find("created_at"); c != nullptr && !c->is_null()) {
    created_at = member_string(event, "created_at", w, true);
    created_at_null = false;
  }
  if (kind == "created" || kind == "updated" || kind == "provenance_updated") {
    const sdk::json::Value* revision = event.find("revision");
    if (revision == nullptr || !revision->is_integer()) {
      throw sdk::Failure(w + ": \"revision\" is not an integer");
    }
    row.target = Row::Target::convention;
    row.params = {member_string(event, "convention_id", w, true),
                  member_string(event, "departement", w, false),
                  std::to_string(revision->as_integer()),
                  std::to_string(row.seq),
                  kind,
                  sdk::json::serialize(*record),
                  created_at};
    row.null = {false, false, false, false, false, false, created_at_null};
    return row;
  }
  if (kind == "indicators_updated") {
    const std::string rw = w + ": the indicator record";
    row.params = {member_string(*record, "departement", rw, true),
                  member_string(*record, "name", rw, true),
                  member_string(*record, "period", rw, true),
                  std::to_string(row.seq),
                  sdk::json::serialize(*record),
                  created_at};
    row.null = {false, false, false, false, false, created_at_null};
    row.target = indicators ? Row::Target::indicator : Row::Target::skip;
    return row;
  }
  throw sdk::Failure(w + ": unknown kind '" + kind +
                     "' (this sink knows created, updated, provenance_updated and indicators_updated)");
}

class PostgresTableSink final : public sdk::SinkConnector {
 public:
  // check-config's dry run (ABI 2): the constructor checks the config and never connects
  // (the connection is made by the first deliver()).
  static void validate(const sdk::Config& config, sdk::ConfigProblems& problems) {
    problems.check([&] { const PostgresTableSink sink(config); });
  }

  explicit PostgresTableSink(const sdk::Config& config)
      : conninfo_(config.string("conninfo")),
        display_(checked_display(conninfo_)),
        schema_(config.string("schema")),
        table_(config.string("table")),
        indicators_(config.boolean("indicators")) {
    if (!valid_identifier(table_, kMaxTableName)) {
      throw sdk::Failure("config key 'table': '" + table_ +
                         "' is not a lower-case identifier ([a-z_][a-z0-9_]*, at most " +
                         std::to_string(kMaxTableName) + " bytes)");
    }
    if (!valid_identifier(schema_, 63)) {
      throw sdk::Failure("config key 'schema': '" + schema_ +
                         "' is not a lower-case identifier ([a-z_][a-z0-9_]*, at most 63 bytes)");
    }
    if (const auto env = config.optional_string("password_env")) {
      const char* password = env->empty() ? nullptr : std::getenv(env->c_str());
      if (password == nullptr) {
        throw sdk::Failure("config key 'password_env': the environment variable '" + *env +
                           "' is not set");
      }
      password_ = password;
      has_password_ = true;
    }
    const std::string table = "\"" + schema_ + "\".\"" + table_ + "\"";
    const std::string indicators = "\"" + schema_ + "\".\"" + table_ + "_indicators\"";
    create_sql_ = "CREATE TABLE IF NOT EXISTS " + table +
                  " (convention_id text PRIMARY KEY, departement text, revision bigint, "
                  "seq bigint, kind text, record jsonb, updated_at timestamptz)";
    create_indicators_sql_ = "CREATE TABLE IF NOT EXISTS " + indicators +
                             " (departement text NOT NULL, name text NOT NULL, "
                             "period text NOT NULL, seq bigint NOT NULL, record jsonb NOT NULL, "
                             "updated_at timestamptz NOT NULL, "
                             "PRIMARY KEY (departement, name, period))";
    upsert_sql_ = "INSERT INTO " + table +
                  " AS t (convention_id, departement, revision, seq, kind, record, updated_at) "
                  "VALUES ($1, $2, $3::bigint, $4::bigint, $5, $6::jsonb, "
                  "COALESCE($7::timestamptz, now())) "
                  "ON CONFLICT (convention_id) DO UPDATE SET departement = EXCLUDED.departement, "
                  "revision = EXCLUDED.revision, seq = EXCLUDED.seq, kind = EXCLUDED.kind, "
                  "record = EXCLUDED.record, updated_at = EXCLUDED.updated_at "
                  "WHERE (t.revision, t.seq) < (EXCLUDED.revision, EXCLUDED.seq)";
    upsert_indicator_sql_ =
        "INSERT INTO " + indicators +
        " AS t (departement, name, period, seq, record, updated_at) "
        "VALUES ($1, $2, $3, $4::bigint, $5::jsonb, COALESCE($6::timestamptz, now())) "
        "ON CONFLICT (departement, name, period) DO UPDATE SET seq = EXCLUDED.seq, "
        "record = EXCLUDED.record, updated_at = EXCLUDED.updated_at WHERE t.seq < EXCLUDED.seq";
    lock_key_ = "conventiond.postgres_table:" + schema_ + "." + table_;
  }

  void deliver(const std::vector<std::string_view>& events, sdk::SinkContext& ctx) override {
    std::vector<Row> rows;
    rows.reserve(events.size());
    for (std::size_t i = 0; i < events.size(); ++i) {
      rows.push_back(read_event(events[i], i, indicators_));
    }
    const auto skipped = std::count_if(rows.begin(), rows.end(),
                                       [](const Row& r) { return r.target == Row::Target::skip; });
    if (static_cast<std::size_t>(skipped) == rows.size()) return;

    begin(ctx);
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const Row& row = rows[i];
      if (row.target == Row::Target::skip) continue;
      const char* statement = row.target == Row::Target::convention ? "upsert" : "upsert_indicator";
      std::vector<const char*> values;
      for (std::size_t k = 0; k < row.params.size(); ++k) {
        values.push_back(row.null[k] ? nullptr : row.params[k].c_str());
      }
      ResultPtr r(PQexecPrepared(conn_.get(), statement, static_cast<int>(values.size()),
                                 values.data(), nullptr, nullptr, 0));
      if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
        fail_and_roll_back(where(i, row.seq) + ": " + result_error(r.get()));
      }
    }
    ResultPtr commit(PQexec(conn_.get(), "COMMIT"));
    if (PQresultStatus(commit.get()) != PGRES_COMMAND_OK) {
      fail_and_roll_back("commit: " + result_error(commit.get()));
    }
  }

 private:
  std::string failure_prefix() const { return "postgres_table " + display_ + ": "; }

  std::string connection_error() const {
    return conn_ ? first_line(PQerrorMessage(conn_.get())) : "out of memory";
  }

  std::string result_error(const PGresult* r) const {
    if (r == nullptr) return connection_error();
    const char* primary = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
    const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    if (primary == nullptr) return first_line(PQresultErrorMessage(r));
    return std::string(primary) +
           (state != nullptr ? " (SQLSTATE " + std::string(state) + ")" : "");
  }

  [[noreturn]] void fail_and_roll_back(const std::string& problem) {
    tables_ready_ = false;  // a dropped table is created again next time
    if (conn_ && PQstatus(conn_.get()) == CONNECTION_OK) {
      ResultPtr r(PQexec(conn_.get(), "ROLLBACK"));
    }
    throw sdk::Failure(failure_prefix() + problem + "; the batch was rolled back");
  }

  void connect() {
    std::vector<const char*> keys = {"connect_timeout", "application_name", "dbname",
                                     "client_encoding"};
    std::vector<const char*> values = {"10", "conventiond-postgres-table-sink", conninfo_.c_str(),
                                       "UTF8"};
    if (has_password_) {
      keys.push_back("password");
      values.push_back(password_.c_str());
    }
    keys.push_back(nullptr);
    values.push_back(nullptr);
    tables_ready_ = false;
    conn_.reset(PQconnectdbParams(keys.data(), values.data(), 1));
    if (!conn_ || PQstatus(conn_.get()) != CONNECTION_OK) {
      const std::string problem = connection_error();
      conn_.reset();
      throw sdk::Failure(failure_prefix() + "cannot connect: " + problem);
    }
    PQsetNoticeProcessor(
        conn_.get(), [](void*, const char*) {}, nullptr);
    prepared_upsert_ = false;
    prepared_indicator_ = false;
  }

  // Prepares a statement of this connection (in the open transaction, once its table exists).
  void prepare(const char* name, const std::string& sql) {
    ResultPtr r(PQprepare(conn_.get(), name, sql.c_str(), 0, nullptr));
    if (PQresultStatus(r.get()) == PGRES_COMMAND_OK) return;
    fail_and_roll_back("cannot prepare the " + std::string(name) +
                       " statement: " + result_error(r.get()));
  }

  // Starts the batch's transaction, connecting (once more if the connection was found broken)
  // and creating the tables when needed.
  void begin(sdk::SinkContext& ctx) {
    if (!conn_ || PQstatus(conn_.get()) != CONNECTION_OK) connect();
    ResultPtr r(PQexec(conn_.get(), "BEGIN"));
    if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
      if (PQstatus(conn_.get()) == CONNECTION_OK) {
        throw sdk::Failure(failure_prefix() +
                           "cannot begin a transaction: " + result_error(r.get()));
      }
      ctx.log(sdk::LogLevel::warn,
              failure_prefix() + "connection lost (" + result_error(r.get()) + "), reconnecting");
      connect();
      r.reset(PQexec(conn_.get(), "BEGIN"));
      if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
        throw sdk::Failure(failure_prefix() +
                           "cannot begin a transaction: " + result_error(r.get()));
      }
    }
    if (!tables_ready_) {
      exec_in_transaction("lock the tables' creation", "SELECT pg_advisory_xact_lock(hashtext($1))",
                          {lock_key_});
      exec_in_transaction("create the table", create_sql_, {});
      if (indicators_) {
        exec_in_transaction("create the indicators table", create_indicators_sql_, {});
      }
      tables_ready_ = true;
    }
    if (!prepared_upsert_) {
      prepare("upsert", upsert_sql_);
      prepared_upsert_ = true;
    }
    if (indicators_ && !prepared_indicator_) {
      prepare("upsert_indicator", upsert_indicator_sql_);
      prepared_indicator_ = true;
    }
  }

  void exec_in_transaction(const std::string& what, const std::string& sql,
                           const std::vector<std::string>& params) {
    std::vector<const char*> values;
    for (const auto& p : params) values.push_back(p.c_str());
    ResultPtr r(PQexecParams(conn_.get(), sql.c_str(), static_cast<int>(values.size()), nullptr,
                             values.data(), nullptr, nullptr, 0));
    const ExecStatusType st = PQresultStatus(r.get());
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
      fail_and_roll_back("cannot " + what + ": " + result_error(r.get()));
    }
  }

  std::string conninfo_;
  std::string display_;
  std::string schema_;
  std::string table_;
  bool indicators_;
  std::string password_;
  bool has_password_ = false;
  std::string create_sql_;
  std::string create_indicators_sql_;
  std::string upsert_sql_;
  std::string upsert_indicator_sql_;
  std::string lock_key_;
  std::unique_ptr<PGconn, ConnDeleter> conn_;
  bool tables_ready_ = false;     // created (or found) on this connection
  bool prepared_upsert_ = false;  // the statements prepared on this connection
  bool prepared_indicator_ = false;
};

}  // namespace

CONVENTIOND_SINK_PLUGIN(PostgresTableSink, "postgres_table", "1.0.0",
                        "Upserts the current record of each convention into a PostgreSQL table",
                        kConfig);
