#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

#include <conventiond/sdk/json.hpp>

#include "feeds_test_support.hpp"

using namespace conventiond::feeds_test;
namespace json = conventiond::sdk::json;

namespace {

constexpr const char* kSecret = "FAKE-s3cret+/=&9f8e7d";
constexpr const char* kSecretEnv = "CONVENTIOND_FEEDS_TEST_SECRET";

std::string api_config(const std::string& extra = "") {
  ::setenv(kSecretEnv, kSecret, 1);
  return std::string(R"({"client_id":"PAR_conventiond_0a1b2c","client_secret_env":")") +
         kSecretEnv +
         R"(","token_url":"http://127.0.0.1:9/connexion/oauth2/access_token?realm=%2Fpartenaire",)"
         R"("api_base_url":"http://127.0.0.1:9/partenaire","departements":["59","62","2A"])" +
         extra + "}";
}

std::string token_body(const std::string& token, int expires_in) {
  return R"({"scope":"api_stats-offres-demandes-emploiv1 offresetdemandesemploi","expires_in":)" +
         std::to_string(expires_in) + R"(,"token_type":"Bearer","access_token":")" + token + "\"}";
}

std::string header(const sdk::Request& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return {};
}

std::string meta_departement(const sdk::Request& r) {
  return json::parse(r.meta).string_or("departement");
}

// The stat-demandeurs answer of the fixture, for another département.
std::string stat_body(const std::string& departement) {
  std::string body = fixture("ft_stat_demandeurs_59.json");
  for (std::size_t at = body.find("\"codeTerritoire\": \"59\""); at != std::string::npos;
       at = body.find("\"codeTerritoire\": \"59\"", at + 1)) {
    body.replace(at, 22, "\"codeTerritoire\": \"" + departement + "\"");
  }
  return body;
}

struct Flow {
  conventiond::PluginInstance c;
  sdk::Request token;
  std::vector<sdk::Request> stats;
};

// start(), then the token answered: the statistics requests.
Flow started(const std::string& extra = "", int expires_in = 1499) {
  Flow f{instance("france_travail", api_config(extra)), {}, {}};
  const auto start = only<sdk::Request>(call_ok(f.c.start()));
  REQUIRE(start.size() == 1);
  f.token = start[0];
  const auto answered = call_ok(f.c.parse(response(f.token, 200, token_body("tok-1", expires_in))));
  f.stats = only<sdk::Request>(answered);
  REQUIRE(f.stats.size() == 3);
  return f;
}

}  // namespace

TEST_CASE("france_travail: DARES records keep départements, drop regions and totals") {
  auto c = instance("france_travail",
                    R"({"dares_base_url":"http://127.0.0.1:9","datasets":{"demandeurs":)"
                    R"({"dataset":"demandeurs-d-emploi-par-departement"}}})");
  const auto first = only<sdk::Request>(call_ok(c.start()));
  REQUIRE(first.size() == 1);  // no client_id: no API
  CHECK_THAT(first[0].url, Catch::StartsWith("http://127.0.0.1:9/api/explore/v2.1/catalog/datasets/"
                                             "demandeurs-d-emploi-par-departement/records?order_by="
                                             "date%2Ccode_departement&limit=100&offset=0"));
  const auto m = call_ok(c.parse(response(first[0], 200, fixture("dares_demandeurs_records.json"))));
  CHECK(errors(m).empty());
  const auto all = indicators(m);
  REQUIRE(all.size() == 4);  // Brutes filtered; the region row and "Total France" dropped
  CHECK(find(all, "59", "france_travail.demandeurs_cat_a", "2024-T4")->value == 148230);
  CHECK(find(all, "59", "france_travail.demandeurs_cat_abc", "2024-T4")->value == 262840);
  CHECK(find(all, "2B", "france_travail.demandeurs_cat_a", "2024-T4")->value == 7180);
  CHECK(find(all, "971", "france_travail.demandeurs_cat_abc", "2024-T3")->value == 60790);
  CHECK(all[0].unit == "personnes");
  CHECK(all[0].source.connector == "france_travail");
}

TEST_CASE("france_travail: a DARES CSV in Latin-1 with a France entière row") {
  auto c = instance("france_travail",
                    R"({"dares_base_url":"http://127.0.0.1:9","datasets":{"demandeurs":)"
                    R"({"api":"csv","url":"file:///srv/dares/demandeurs-2024T4.csv"}}})");
  const auto r = only<sdk::Request>(call_ok(c.start()));
  REQUIRE(r.size() == 1);
  const auto m = call_ok(c.parse(response(r[0], 200, fixture("dares_demandeurs_latin1.csv"), "")));
  CHECK(errors(m).empty());
  const auto all = indicators(m);
  REQUIRE(all.size() == 3);
  CHECK(find(all, "66", "france_travail.demandeurs_cat_abc", "2024-T4")->value == 52410);
  CHECK(find(all, "07", "france_travail.demandeurs_cat_a", "2024-T4")->value == 13905);
}

TEST_CASE("france_travail: two series for one indicator in one answer is an error") {
  auto c = instance("france_travail",
                    R"({"dares_base_url":"http://127.0.0.1:9","datasets":{"demandeurs":)"
                    R"({"dataset":"de","filters":{}}}})");
  const auto r = only<sdk::Request>(call_ok(c.start()));
  const auto m = call_ok(c.parse(response(r[0], 200, fixture("dares_demandeurs_records.json"))));
  CHECK(indicators(m).empty());
  REQUIRE(errors(m).size() == 1);
  CHECK_THAT(errors(m)[0], Catch::Contains("two values for france_travail.demandeurs_cat_a of 59 "
                                           "in 2024-T4 (148230 and 151020)"));
}

TEST_CASE("france_travail: token first, then one stat-demandeurs POST per département") {
  auto c = instance("france_travail", api_config());
  const auto start = only<sdk::Request>(call_ok(c.start()));
  REQUIRE(start.size() == 1);
  const sdk::Request& token = start[0];
  CHECK(token.method == "POST");
  CHECK(token.url == "http://127.0.0.1:9/connexion/oauth2/access_token?realm=%2Fpartenaire");
  CHECK(header(token, "Content-Type") == "application/x-www-form-urlencoded");
  CHECK(token.body ==
        "grant_type=client_credentials&client_id=PAR_conventiond_0a1b2c&client_secret="
        "FAKE-s3cret%2B%2F%3D%269f8e7d&scope=api_stats-offres-demandes-emploiv1%20"
        "offresetdemandesemploi");

  const auto answered = call_ok(c.parse(response(token, 200, fixture("ft_token.json"))));
  const auto stats = only<sdk::Request>(answered);
  REQUIRE(stats.size() == 3);
  for (const auto& s : stats) {
    CHECK(s.method == "POST");
    CHECK(s.url ==
          "http://127.0.0.1:9/partenaire/stats-offres-demandes-emploi/v1/indicateur/stat-demandeurs");
    CHECK(header(s, "Authorization") == "Bearer tok-gen1-Zq8Xw3");
    CHECK(header(s, "Content-Type") == "application/json");
  }
  CHECK(stats[0].body ==
        R"({"codeTypeTerritoire":"DEP","codeTerritoire":"59","codeTypePeriode":"TRIMESTRE",)"
        R"("codeTypeActivite":"CUMUL","codeActivite":"CUMUL","codeTypeNomenclature":"CATCAND",)"
        R"("dernierePeriode":false,"sansCaracteristiques":true})");
  CHECK(meta_departement(stats[2]) == "2A");

  const auto m = call_ok(c.parse(response(stats[0], 200, fixture("ft_stat_demandeurs_59.json"))));
  CHECK(errors(m).empty());
  const auto all = indicators(m);
  REQUIRE(all.size() == 4);  // CATDEFM is not a series asked for
  CHECK(find(all, "59", "france_travail.demandeurs_cat_a", "2024-T4")->value == 148230);
  CHECK(find(all, "59", "france_travail.demandeurs_cat_abc", "2024-T3")->value == 263920);
  CHECK(all[0].source.title == "Demandeurs d'emploi en fin de trimestre");
  CHECK(all[0].source.url == stats[0].url);
  const auto corse = call_ok(c.parse(response(stats[2], 200, stat_body("2A"))));
  CHECK(indicators(corse).size() == 4);
}

TEST_CASE("france_travail: a 401 renews the token once, then the request is an error") {
  Flow f = started();
  // Two requests of the first token get a 401: one token request only.
  const auto r1 = call_ok(f.c.parse(response(f.stats[0], 401, "")));
  const auto renew = only<sdk::Request>(r1);
  REQUIRE(renew.size() == 1);
  CHECK(renew[0].url == f.token.url);
  CHECK(renew[0].body == f.token.body);
  const auto r2 = call_ok(f.c.parse(response(f.stats[1], 401, "")));
  CHECK(only<sdk::Request>(r2).empty());
  CHECK(errors(r2).empty());

  const auto renewed = only<sdk::Request>(
      call_ok(f.c.parse(response(renew[0], 200, token_body("tok-2", 1499)))));
  REQUIRE(renewed.size() == 2);
  CHECK(meta_departement(renewed[0]) == "59");
  CHECK(meta_departement(renewed[1]) == "62");
  CHECK(header(renewed[0], "Authorization") == "Bearer tok-2");
  CHECK(renewed[0].body == f.stats[0].body);

  // A late 401 of the first token: the second one is fresh, it is sent again at once.
  const auto late = only<sdk::Request>(call_ok(f.c.parse(response(f.stats[2], 401, ""))));
  REQUIRE(late.size() == 1);
  CHECK(header(late[0], "Authorization") == "Bearer tok-2");

  // A 401 again after the renewal: an error, no more token requests.
  const auto again = call_ok(f.c.parse(response(renewed[0], 401, "")));
  CHECK(only<sdk::Request>(again).empty());
  REQUIRE(errors(again).size() == 1);
  CHECK(errors(again)[0] ==
        "stat-demandeurs for département 59: HTTP 401 again after renewing the token; not read");
}

TEST_CASE("france_travail: a token about to expire is renewed before it is used") {
  Flow f = started(R"(,"token_renew_margin_seconds":100)");
  const auto renew = only<sdk::Request>(call_ok(f.c.parse(response(f.stats[0], 401, ""))));
  REQUIRE(renew.size() == 1);
  // The new token lives 50 s, less than the margin: used at once for what waited for it...
  const auto renewed = only<sdk::Request>(
      call_ok(f.c.parse(response(renew[0], 200, token_body("tok-2", 50)))));
  REQUIRE(renewed.size() == 1);
  CHECK(header(renewed[0], "Authorization") == "Bearer tok-2");
  // ...but not for a later request: that one waits for a third token.
  const auto later = only<sdk::Request>(call_ok(f.c.parse(response(f.stats[1], 401, ""))));
  REQUIRE(later.size() == 1);
  CHECK(later[0].url == f.token.url);
  const auto third = only<sdk::Request>(
      call_ok(f.c.parse(response(later[0], 200, token_body("tok-3", 1499)))));
  REQUIRE(third.size() == 1);
  CHECK(header(third[0], "Authorization") == "Bearer tok-3");
  CHECK(meta_departement(third[0]) == "62");
}

TEST_CASE("france_travail: max_token_requests bounds the renewals of a run") {
  Flow f = started(R"(,"max_token_requests":1)");
  const auto m = call_ok(f.c.parse(response(f.stats[0], 401, "")));
  CHECK(only<sdk::Request>(m).empty());
  REQUIRE(errors(m).size() == 1);
  CHECK_THAT(errors(m)[0], Catch::Contains("max_token_requests"));
}

TEST_CASE("france_travail: an unusable token answer is an error and no statistics are asked") {
  for (const std::string& body :
       {std::string(R"({"access_token":"tok-1","expires_in":14)"), std::string("<html>502</html>"),
        std::string(R"({"token_type":"Bearer","expires_in":1499})"),
        std::string(R"({"access_token":"tok-1","token_type":"MAC","expires_in":1499})"),
        std::string(R"({"access_token":"tok-1","token_type":"Bearer","expires_in":-5})")}) {
    INFO(body);
    auto c = instance("france_travail", api_config());
    const auto token = only<sdk::Request>(call_ok(c.start()));
    const auto m = call_ok(c.parse(response(token[0], 200, body)));
    CHECK(only<sdk::Request>(m).empty());
    CHECK(indicators(m).empty());
    REQUIRE(errors(m).size() == 1);
    CHECK_THAT(errors(m)[0], Catch::StartsWith("token endpoint: unusable answer: ") &&
                                 Catch::EndsWith("; 3 statistics requests not sent"));
    CHECK(errors(m)[0].find("tok-1") == std::string::npos);
  }
  auto refused = instance("france_travail", api_config());
  const auto token = only<sdk::Request>(call_ok(refused.start()));
  const auto m = call_ok(refused.parse(
      response(token[0], 401, R"({"error":"invalid_client","error_description":"bad"})")));
  REQUIRE(errors(m).size() == 1);
  CHECK(errors(m)[0] == "token endpoint: HTTP status 401 (client_id or secret refused); 3 "
                        "statistics requests not sent");
}

TEST_CASE("france_travail: bad stat-demandeurs answers fail that département only") {
  Flow f = started();
  const std::string good = fixture("ft_stat_demandeurs_59.json");
  const auto truncated = call_ok(f.c.parse(response(f.stats[0], 200, good.substr(0, 300))));
  CHECK(indicators(truncated).empty());
  REQUIRE(errors(truncated).size() == 1);
  CHECK_THAT(errors(truncated)[0], Catch::StartsWith("stat-demandeurs for département 59: invalid "
                                                     "JSON at offset"));
  // The answer for the Nord sent for the Pas-de-Calais: not the département asked for.
  const auto wrong = call_ok(f.c.parse(response(f.stats[1], 200, good)));
  CHECK(indicators(wrong).empty());
  REQUIRE(errors(wrong).size() == 1);
  CHECK_THAT(errors(wrong)[0], Catch::Contains("codeTerritoire '59' is not the département asked"));
  std::string text = stat_body("2A");
  text.replace(text.find("148230"), 6, "\"148 230\"");
  const auto non_numeric = call_ok(f.c.parse(response(f.stats[2], 200, text)));
  CHECK(indicators(non_numeric).empty());
  REQUIRE(errors(non_numeric).size() == 1);
  CHECK_THAT(errors(non_numeric)[0],
             Catch::Contains("non-numeric valeurPrincipaleNombre '\"148 230\"'"));
  const auto none = call_ok(f.c.parse(response(f.stats[2], 204, "")));
  CHECK(errors(none).empty());
  CHECK(indicators(none).empty());
}

TEST_CASE("france_travail: the client secret appears in no message, log or error") {
  logged().clear();
  std::vector<sdk::Message> all;
  auto keep = [&](const std::vector<sdk::Message>& m) { all.insert(all.end(), m.begin(), m.end()); };
  {
    Flow f = started();
    keep(call_ok(f.c.parse(response(f.stats[0], 401, ""))));
    keep(call_ok(f.c.parse(response(f.token, 200, token_body("tok-2", 1499)))));
    keep(call_ok(f.c.parse(response(f.stats[1], 500, "secret?"))));
    keep(call_ok(f.c.parse(response(f.stats[2], 200, stat_body("2A")))));
    keep(call_ok(f.c.parse(response(f.token, 200, std::string("{\"access_token\":") + kSecret))));
    keep(call_ok(f.c.parse(response(f.token, 401, kSecret))));
  }
  const std::string token_url = "http://127.0.0.1:9/connexion/oauth2/access_token?realm=%2Fpartenaire";
  for (const auto& m : all) {
    if (const auto* r = std::get_if<sdk::Request>(&m)) {
      CHECK(r->url.find(kSecret) == std::string::npos);
      CHECK(r->meta.find(kSecret) == std::string::npos);
      for (const auto& [k, v] : r->headers) CHECK(v.find(kSecret) == std::string::npos);
      // Only the token request's body carries it (form-encoded), to the token endpoint.
      if (r->url != token_url) CHECK(r->body.find("FAKE-s3cret") == std::string::npos);
      continue;
    }
    const std::string text = std::visit([](const auto& x) { return sdk::to_json(x); }, m);
    CHECK(text.find(kSecret) == std::string::npos);
    CHECK(text.find("FAKE-s3cret") == std::string::npos);
  }
  for (const auto& line : logged()) CHECK(line.find(kSecret) == std::string::npos);
  CHECK_FALSE(logged().empty());

  // A wrong configuration does not echo it either.
  ::setenv(kSecretEnv, kSecret, 1);
  auto both = registry().create_instance(
      "france_travail", std::string(R"({"client_id":"x","client_secret_env":")") + kSecretEnv +
                            R"(","client_secret_file":"/nonexistent"})");
  REQUIRE_FALSE(both.ok());
  CHECK(both.error().message.find(kSecret) == std::string::npos);
}

TEST_CASE("france_travail: the secret from a file, and the configuration errors") {
  const std::filesystem::path file = std::filesystem::temp_directory_path() /
                                     ("conventiond-feeds-secret-" + std::to_string(::getpid()));
  std::ofstream(file) << kSecret << "\n";
  auto c = instance("france_travail",
                    std::string(R"({"client_id":"id","client_secret_file":")") + file.string() +
                        R"(","departements":["59"]})");
  const auto token = only<sdk::Request>(call_ok(c.start()));
  REQUIRE(token.size() == 1);
  CHECK_THAT(token[0].body, Catch::Contains("client_secret=FAKE-s3cret%2B%2F%3D%269f8e7d&"));
  std::filesystem::remove(file);

  ::unsetenv("CONVENTIOND_FEEDS_TEST_UNSET");
  auto unset = registry().create_instance(
      "france_travail", R"({"client_id":"id","client_secret_env":"CONVENTIOND_FEEDS_TEST_UNSET"})");
  REQUIRE_FALSE(unset.ok());
  CHECK_THAT(unset.error().message,
             Catch::Contains("environment variable 'CONVENTIOND_FEEDS_TEST_UNSET' is not set"));
  auto no_secret = registry().create_instance("france_travail", R"({"client_id":"id"})");
  REQUIRE_FALSE(no_secret.ok());
  auto inline_secret = registry().create_instance(
      "france_travail", R"({"client_id":"id","client_secret":"in-the-config"})");
  REQUIRE_FALSE(inline_secret.ok());  // no such key: the secret never sits in the config
  CHECK(inline_secret.error().message.find("in-the-config") == std::string::npos);
  auto nothing = registry().create_instance("france_travail", "{}");
  REQUIRE_FALSE(nothing.ok());
  CHECK_THAT(nothing.error().message, Catch::Contains("nothing to read"));
}
