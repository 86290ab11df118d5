// france_travail: job-seeker indicators per département, from two sources.
//
// - DARES open data (an OpenDataSoft portal): job-seeker datasets with one row per period,
//   category, series type and territory; read like caf_opendata (connectors/common/
//   opendatasoft.hpp), with defaults for those datasets.
// - The France Travail partner API ("Marché du travail" statistics): an OAuth2 client-
//   credentials token, then one stat-demandeurs POST per département. The token is cached
//   for the run and renewed before it expires; a 401 renews it once for that request.
//
// The client secret comes from an environment variable or a file named in the config, read
// once when the instance is made; it goes into the token request's body and nowhere else
// (never in a URL, a meta, a log line, an error or an indicator). See README.md.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <conventiond/sdk/connector.hpp>
#include <conventiond/sdk/json.hpp>

#include "../common/opendatasoft.hpp"

namespace sdk = conventiond::sdk;
namespace feeds = conventiond::feeds;
namespace json = conventiond::sdk::json;

namespace {

constexpr const char* kName = "france_travail";
constexpr const char* kVersion = "1.0.0";
constexpr const char* kStatPath = "/stats-offres-demandes-emploi/v1/indicateur/stat-demandeurs";

constexpr sdk::ConfigKey kConfig[] = {
    sdk::string_key("dares_base_url", "Address of the DARES OpenDataSoft portal (for datasets)")
        .default_json("\"\""),
    sdk::table_key("datasets", "DARES datasets to read, one table each; see README.md")
        .default_json("{}"),
    sdk::integer_key("page_size", "Records per page of the records APIs")
        .default_json("100")
        .range(1, 100),
    sdk::integer_key("max_records",
                     "Paging limit of the portal (offset + limit): a larger dataset is read "
                     "through its CSV export")
        .default_json("10000")
        .range(1, 10000),
    sdk::integer_key("max_pages", "Most pages per dataset before the export is used instead")
        .default_json("1000")
        .range(1, 100000),
    sdk::string_list_key("departements",
                         "INSEE codes of the départements to keep and to ask the API for (all "
                         "101 when empty)")
        .default_json("[]"),
    sdk::string_key("client_id", "Partner API client id; the API is not used when empty")
        .default_json("\"\""),
    sdk::string_key("client_secret_env", "Environment variable holding the client secret")
        .default_json("\"\""),
    sdk::string_key("client_secret_file", "File holding the client secret (first line)")
        .default_json("\"\""),
    sdk::string_key("token_url", "OAuth2 token endpoint")
        .default_json("\"https://entreprise.francetravail.fr/connexion/oauth2/access_token?realm="
                      "%2Fpartenaire\""),
    sdk::string_key("scope", "OAuth2 scope asked for")
        .default_json("\"api_stats-offres-demandes-emploiv1 offresetdemandesemploi\""),
    sdk::string_key("api_base_url", "Base address of the partner APIs")
        .default_json("\"https://api.francetravail.io/partenaire\""),
    sdk::string_key("api_period_type", "codeTypePeriode: TRIMESTRE or MOIS")
        .default_json("\"TRIMESTRE\""),
    sdk::table_key("api_selection", "Other members of the stat-demandeurs request body")
        .default_json(R"({"codeTypeActivite":"CUMUL","codeActivite":"CUMUL",)"
                      R"("codeTypeNomenclature":"CATCAND","dernierePeriode":false,)"
                      R"("sansCaracteristiques":true})"),
    sdk::string_key("api_indicator",
                    "Indicator of valeurPrincipaleNombre when the period has no codeNomenclature")
        .default_json("\"france_travail.demandeurs_cat_abc\""),
    sdk::table_key("api_nomenclature_indicators",
                   "Indicator per codeNomenclature; other codes are skipped")
        .default_json(R"({"A":"france_travail.demandeurs_cat_a",)"
                      R"("B":"france_travail.demandeurs_cat_b",)"
                      R"("C":"france_travail.demandeurs_cat_c",)"
                      R"("ABC":"france_travail.demandeurs_cat_abc"})"),
    sdk::integer_key("token_renew_margin_seconds",
                     "A token this close to its expiry is renewed before use")
        .default_json("60")
        .range(0, 86400),
    sdk::integer_key("max_token_requests", "Most token requests per run").default_json("5").range(
        1, 100),
};

// The DARES job-seeker datasets: one row per period, category, series type and territory.
feeds::DatasetSpec dares_defaults() {
  feeds::DatasetSpec d;
  d.departement_field = "code_departement";
  d.period_field = "date";
  d.period = feeds::PeriodKind::automatic;
  d.order_by = "date,code_departement";
  d.values = {{"nombre_de_demandeurs_d_emploi", "france_travail.demandeurs_cat_{categorie}",
               "personnes", ""}};
  d.filters = {{"type_de_donnees", {"cvs-cjo"}}};
  d.not_departement = {"Total France", "France", "France entière", "France métropolitaine",
                       "France hors Mayotte", "Total", "FR", "Ensemble"};
  return d;
}

std::vector<std::string> all_departements() {
  std::vector<std::string> out;
  for (int n = 1; n <= 95; ++n) {
    if (n == 20) {
      out.emplace_back("2A");
      out.emplace_back("2B");
      continue;
    }
    out.push_back((n < 10 ? "0" : "") + std::to_string(n));
  }
  for (const char* c : {"971", "972", "973", "974", "976"}) out.emplace_back(c);
  return out;
}

std::string read_secret(const sdk::Config& config) {
  const std::string env = config.string("client_secret_env");
  const std::string file = config.string("client_secret_file");
  if (!env.empty() && !file.empty()) {
    throw sdk::Failure("set client_secret_env or client_secret_file, not both");
  }
  std::string secret;
  if (!env.empty()) {
    const char* value = std::getenv(env.c_str());
    if (value == nullptr || *value == '\0') {
      throw sdk::Failure("client_secret_env: environment variable '" + env + "' is not set or empty");
    }
    secret = value;
  } else if (!file.empty()) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw sdk::Failure("client_secret_file: cannot read '" + file + "'");
    std::getline(in, secret);
    while (!secret.empty() && (secret.back() == '\r' || secret.back() == ' ')) secret.pop_back();
    if (secret.empty()) throw sdk::Failure("client_secret_file: '" + file + "' is empty");
  } else {
    throw sdk::Failure("client_id is set: client_secret_env or client_secret_file is needed");
  }
  return secret;
}

// The meta of an API request: {"feed":"ft_api","kind":"token"} or {"feed":"ft_api",
// "kind":"stat","departement":"59","generation":G,"retried":false}.
struct ApiMeta {
  std::string kind;
  std::string departement;
  std::int64_t generation = 0;
  bool retried = false;

  std::string str() const {
    json::ObjectWriter w;
    w.field("feed", "ft_api").field("kind", kind);
    if (kind == "stat") {
      w.field("departement", departement).field("generation", generation).field("retried", retried);
    }
    return w.str();
  }

  static std::optional<ApiMeta> from(std::string_view text) {
    try {
      const json::Value v = json::parse(text);
      if (v.string_or("feed") != "ft_api") return std::nullopt;
      ApiMeta m;
      m.kind = v.string_or("kind");
      m.departement = v.string_or("departement");
      if (const json::Value* g = v.find("generation"); g != nullptr && g->is_integer()) {
        m.generation = g->as_integer();
      }
      if (const json::Value* r = v.find("retried"); r != nullptr && r->is_bool()) {
        m.retried = r->as_bool();
      }
      return m;
    } catch (const json::ParseError&) {
      return std::nullopt;
    }
  }
};

struct Pending {
  std::string departement;
  bool retried = false;
};

class FranceTravail final : public sdk::SourceConnector {
  using Clock = std::chrono::steady_clock;

 public:
  explicit FranceTravail(const sdk::Config& config) : dares_(make_feed(config)) {
    auto departements = feeds::departements_from_config(config.string_list("departements"));
    if (!departements.ok()) throw sdk::Failure(departements.error().message);
    departements_ = departements->empty() ? all_departements() : std::move(*departements);
    client_id_ = config.string("client_id");
    if (client_id_.empty()) {
      if (!config.string("client_secret_env").empty() ||
          !config.string("client_secret_file").empty()) {
        throw sdk::Failure("a client secret is configured but client_id is empty");
      }
      if (dares_.empty()) throw sdk::Failure("nothing to read: no datasets and no client_id");
      return;
    }
    secret_ = read_secret(config);
    token_url_ = config.string("token_url");
    scope_ = config.string("scope");
    stat_url_ = feeds::strip_slash(config.string("api_base_url")) + kStatPath;
    period_type_ = config.string("api_period_type");
    if (period_type_ != "TRIMESTRE" && period_type_ != "MOIS") {
      throw sdk::Failure("api_period_type must be TRIMESTRE or MOIS, not '" + period_type_ + "'");
    }
    const json::Value* selection = config.find("api_selection");
    if (selection != nullptr) {
      for (const json::Member& m : selection->as_object()) {
        if (m.key == "codeTypeTerritoire" || m.key == "codeTerritoire" ||
            m.key == "codeTypePeriode") {
          throw sdk::Failure("api_selection: '" + m.key + "' is set by the connector");
        }
        selection_.emplace_back(m.key, json::serialize(m.value));
      }
    }
    api_indicator_ = config.string("api_indicator");
    if (!feeds::valid_indicator_name(api_indicator_)) {
      throw sdk::Failure("api_indicator: invalid indicator name '" + api_indicator_ + "'");
    }
    if (const json::Value* names = config.find("api_nomenclature_indicators")) {
      for (const json::Member& m : names->as_object()) {
        if (!m.value.is_string() || !feeds::valid_indicator_name(m.value.as_string())) {
          throw sdk::Failure("api_nomenclature_indicators." + m.key +
                             ": not a valid indicator name");
        }
        nomenclature_indicators_.emplace_back(m.key, m.value.as_string());
      }
    }
    margin_ = std::chrono::seconds(config.integer("token_renew_margin_seconds"));
    max_token_requests_ = config.integer("max_token_requests");
  }

  void start(sdk::Context& ctx) override {
    dares_.start(ctx);
    if (client_id_.empty()) return;
    for (const std::string& d : departements_) pending_.push_back(Pending{d, false});
    request_token(ctx);
  }

  void parse(const sdk::Response& response, sdk::Context& ctx) override {
    if (feeds::OdsFeed::handles(response)) return dares_.parse(response, ctx);
    const std::optional<ApiMeta> meta = ApiMeta::from(response.meta);
    if (!meta || client_id_.empty()) return ctx.error("response with an unknown meta", response.url);
    if (meta->kind == "token") return parse_token(response, ctx);
    if (meta->kind == "stat") return parse_stat(*meta, response, ctx);
    ctx.error("response with an unknown meta", response.url);
  }

 private:
  static feeds::OdsFeed make_feed(const sdk::Config& config) {
    auto datasets = feeds::datasets_from_config(config.find("datasets"), dares_defaults());
    if (!datasets.ok()) throw sdk::Failure(datasets.error().message);
    auto departements = feeds::departements_from_config(config.string_list("departements"));
    if (!departements.ok()) throw sdk::Failure(departements.error().message);
    feeds::FeedSettings s;
    s.connector = kName;
    s.connector_version = kVersion;
    s.base_url = config.string("dares_base_url");
    if (!datasets->empty() && s.base_url.empty()) {
      throw sdk::Failure("datasets are configured but dares_base_url is empty");
    }
    s.page_size = config.integer("page_size");
    s.max_records = config.integer("max_records");
    s.max_pages = config.integer("max_pages");
    s.departements = std::move(*departements);
    return feeds::OdsFeed(std::move(s), std::move(*datasets));
  }

  // --- token --------------------------------------------------------------------------------

  void request_token(sdk::Context& ctx) {
    if (token_requests_ >= max_token_requests_) {
      ctx.error("token renewed " + std::to_string(token_requests_) +
                " times in this run (max_token_requests): " + std::to_string(pending_.size()) +
                " statistics requests not sent");
      pending_.clear();
      return;
    }
    ++token_requests_;
    renewing_ = true;
    sdk::Request r;
    r.url = token_url_;
    r.method = "POST";
    r.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                 {"Accept", "application/json"}};
    r.body = "grant_type=client_credentials&client_id=" + feeds::percent_encode(client_id_) +
             "&client_secret=" + feeds::percent_encode(secret_) +
             "&scope=" + feeds::percent_encode(scope_);
    r.meta = ApiMeta{"token", "", 0, false}.str();
    ctx.request(r);
  }

  // Ends a failed token request: its error names what it cost, never what it received.
  void token_failed(const std::string& why, const sdk::Response& response, sdk::Context& ctx) {
    renewing_ = false;
    ctx.error("token endpoint: " + why + "; " + std::to_string(pending_.size()) +
                  " statistics requests not sent",
              response.url);
    pending_.clear();
  }

  void parse_token(const sdk::Response& response, sdk::Context& ctx) {
    if (response.status < 200 || response.status > 299) {
      return token_failed("HTTP status " + std::to_string(response.status) +
                              (response.status == 401 ? " (client_id or secret refused)" : ""),
                          response, ctx);
    }
    json::Value v;
    try {
      v = json::parse(response.body);
    } catch (const json::ParseError& e) {
      // The parser's message names an offset, never the text: nothing of the body leaks.
      return token_failed("unusable answer: " + std::string(e.what()), response, ctx);
    }
    const json::Value* token = v.find("access_token");
    if (token == nullptr || !token->is_string() || token->as_string().empty()) {
      return token_failed("unusable answer: no access_token", response, ctx);
    }
    const std::string type = v.string_or("token_type", "Bearer");
    if (!feeds::equal_ignoring_case(type, "Bearer")) {
      return token_failed("unusable answer: token_type is not Bearer", response, ctx);
    }
    std::int64_t expires_in = 300;  // absent: assume a short life
    if (const json::Value* e = v.find("expires_in")) {
      if (!e->is_number() || e->as_number() < 1 || e->as_number() > 1e7) {
        return token_failed("unusable answer: expires_in is not a positive number of seconds",
                            response, ctx);
      }
      expires_in = static_cast<std::int64_t>(e->as_number());
    }
    token_ = token->as_string();
    ++generation_;
    expires_at_ = Clock::now() + std::chrono::seconds(expires_in);
    renewing_ = false;
    ctx.log(sdk::LogLevel::info, "token " + std::to_string(generation_) + " valid for " +
                                     std::to_string(expires_in) + " s; sending " +
                                     std::to_string(pending_.size()) + " statistics requests");
    std::vector<Pending> pending = std::move(pending_);
    pending_.clear();
    for (const Pending& p : pending) request_stat(p, ctx);
  }

  bool token_fresh() const { return !token_.empty() && Clock::now() + margin_ < expires_at_; }

  // Sends (or queues behind a token renewal) a statistics request. failed_generation: the
  // token generation a request that got a 401 carried (0 for none).
  void schedule(const Pending& p, std::int64_t failed_generation, sdk::Context& ctx) {
    if (!renewing_ && generation_ > failed_generation && token_fresh()) {
      return request_stat(p, ctx);
    }
    pending_.push_back(p);
    if (!renewing_) request_token(ctx);
  }

  // --- statistics ---------------------------------------------------------------------------

  void request_stat(const Pending& p, sdk::Context& ctx) const {
    std::string body = json::ObjectWriter()
                           .field("codeTypeTerritoire", "DEP")
                           .field("codeTerritoire", p.departement)
                           .field("codeTypePeriode", period_type_)
                           .str();
    body.pop_back();  // the closing brace: the selection's members follow
    for (const auto& [key, value_json] : selection_) {
      body.push_back(',');
      json::append_string(body, key);
      body += ":" + value_json;
    }
    body.push_back('}');
    sdk::Request r;
    r.url = stat_url_;
    r.method = "POST";
    r.headers = {{"Authorization", "Bearer " + token_},
                 {"Content-Type", "application/json"},
                 {"Accept", "application/json"}};
    r.body = std::move(body);
    r.meta = ApiMeta{"stat", p.departement, generation_, p.retried}.str();
    ctx.request(r);
  }

  void parse_stat(const ApiMeta& meta, const sdk::Response& response, sdk::Context& ctx) {
    const std::string what = "stat-demandeurs for département " + meta.departement;
    if (response.status == 401) {
      if (meta.retried) {
        return ctx.error(what + ": HTTP 401 again after renewing the token; not read",
                         response.url);
      }
      ctx.log(sdk::LogLevel::info, what + ": HTTP 401, renewing the token once");
      return schedule(Pending{meta.departement, true}, meta.generation, ctx);
    }
    if (response.status < 200 || response.status > 299) {
      return ctx.error(what + ": HTTP status " + std::to_string(response.status) + ", not read",
                       response.url);
    }
    if (response.status == 204 || feeds::trim(response.body).empty()) {
      ctx.log(sdk::LogLevel::info, what + ": no data");
      return;
    }
    json::Value v;
    try {
      v = json::parse(response.body);
    } catch (const json::ParseError& e) {
      return ctx.error(what + ": " + e.what(), response.url);
    }
    const json::Value* periods = v.find("listeValeursParPeriode");
    if (periods == nullptr || !periods->is_array()) {
      return ctx.error(what + ": no listeValeursParPeriode array", response.url);
    }
    const feeds::PeriodKind kind =
        period_type_ == "MOIS" ? feeds::PeriodKind::month : feeds::PeriodKind::quarter;
    std::vector<std::string> problems;
    std::vector<std::string> indicators;
    const std::string title = v.string_or("libIndicateur", "France Travail stat-demandeurs");
    for (std::size_t i = 0; i < periods->as_array().size(); ++i) {
      const json::Value& p = periods->as_array()[i];
      const std::string where = "listeValeursParPeriode[" + std::to_string(i) + "]";
      if (!p.is_object()) {
        problems.push_back(where + " is not an object");
        continue;
      }
      const std::string territory_type = p.string_or("codeTypeTerritoire", "DEP");
      if (territory_type != "DEP") {
        problems.push_back(where + ": territory type " + feeds::quoted(territory_type));
        continue;
      }
      if (const json::Value* t = p.find("codeTerritoire")) {
        const std::string code = t->is_string() ? feeds::departement_code(t->as_string()) : "";
        if (code != meta.departement) {
          problems.push_back(where + ": codeTerritoire " +
                             feeds::quoted(t->is_string() ? t->as_string() : json::serialize(*t)) +
                             " is not the département asked for");
          continue;
        }
      }
      const json::Value* code_period = p.find("codePeriode");
      if (code_period == nullptr || !code_period->is_string()) {
        problems.push_back(where + ": no codePeriode");
        continue;
      }
      auto period = feeds::parse_period(code_period->as_string(), kind);
      if (!period.ok()) {
        problems.push_back(where + ": " + period.error().message);
        continue;
      }
      const json::Value* value = p.find("valeurPrincipaleNombre");
      if (value == nullptr || value->is_null()) continue;  // no figure for this period
      if (!value->is_number()) {
        problems.push_back(where + ": non-numeric valeurPrincipaleNombre " +
                           feeds::quoted(json::serialize(*value)));
        continue;
      }
      std::string name = api_indicator_;
      if (const json::Value* n = p.find("codeNomenclature"); n != nullptr && n->is_string()) {
        const auto it = std::find_if(nomenclature_indicators_.begin(),
                                     nomenclature_indicators_.end(),
                                     [&](const auto& kv) { return kv.first == n->as_string(); });
        if (it == nomenclature_indicators_.end()) continue;  // a series not asked for
        name = it->second;
      }
      const std::string source = json::ObjectWriter()
                                     .field("url", response.url)
                                     .field("title", title)
                                     .field("media_type", "application/json")
                                     .field("connector", kName)
                                     .field("connector_version", kVersion)
                                     .str();
      indicators.push_back(json::ObjectWriter()
                               .field("schema_version", 1)
                               .field("departement", meta.departement)
                               .field("name", name)
                               .field("period", *period)
                               .field("value", value->as_number())
                               .field("unit", "personnes")
                               .raw_field("source", source)
                               .str());
    }
    if (!problems.empty()) {
      std::string message = what + ": ";
      for (std::size_t i = 0; i < problems.size() && i < 5; ++i) {
        message += (i == 0 ? "" : "; ") + problems[i];
      }
      if (problems.size() > 5) message += "; and " + std::to_string(problems.size() - 5) + " more";
      return ctx.error(message + "; no indicator of this answer was kept", response.url);
    }
    for (const std::string& i : indicators) ctx.indicator_json(i);
  }

  feeds::OdsFeed dares_;
  std::vector<std::string> departements_;
  std::string client_id_;
  std::string secret_;
  std::string token_url_;
  std::string scope_;
  std::string stat_url_;
  std::string period_type_;
  std::vector<std::pair<std::string, std::string>> selection_;  // key, JSON text of the value
  std::string api_indicator_;
  std::vector<std::pair<std::string, std::string>> nomenclature_indicators_;
  std::chrono::seconds margin_{60};
  std::int64_t max_token_requests_ = 5;

  // The run's token.
  std::string token_;
  std::int64_t generation_ = 0;  // how many tokens this run received
  Clock::time_point expires_at_{};
  bool renewing_ = false;        // a token request is in flight
  std::int64_t token_requests_ = 0;
  std::vector<Pending> pending_;  // statistics requests waiting for a token
};

}  // namespace

CONVENTIOND_SOURCE_PLUGIN(FranceTravail, "france_travail", "1.0.0",
                          "Job seekers per département: DARES open data and the France Travail "
                          "partner API (stat-demandeurs)",
                          kConfig);
