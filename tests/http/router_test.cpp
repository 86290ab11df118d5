// Routing, the request target's parsing, bearer tokens, response helpers and the raw request
// parser the fuzzer drives: no network.
#include <catch2/catch.hpp>

#include <string>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <conventiond/http/auth.hpp>
#include <conventiond/http/request_parser.hpp>
#include <conventiond/http/response.hpp>
#include <conventiond/http/router.hpp>

using namespace conventiond::http;

namespace {

Handler noop() {
  return [](const Request&, Responder) {};
}

std::vector<std::string> segs(std::initializer_list<const char*> s) {
  return std::vector<std::string>(s.begin(), s.end());
}

}  // namespace

TEST_CASE("router: parameters and literal before parameter and 405 methods", "[http][router]") {
  Router r;
  REQUIRE(r.add("GET", "/v1/conventions/{id}", noop()));
  REQUIRE(r.add("POST", "/v1/jobs/{name}/run", noop(), Access::admin));
  REQUIRE(r.add("GET", "/v1/jobs/{name}", noop()));
  REQUIRE(r.add("GET", "/v1/jobs/stats", noop()));
  REQUIRE(r.add("get", "/", noop()));

  auto m = r.match("GET", segs({"v1", "conventions", "59 nord/x"}));
  REQUIRE(m.route != nullptr);
  CHECK(m.route->pattern == "/v1/conventions/{id}");
  REQUIRE(m.params.size() == 1);
  CHECK(m.params[0] == std::pair<std::string, std::string>("id", "59 nord/x"));

  m = r.match("POST", segs({"v1", "jobs", "nord", "run"}));
  REQUIRE(m.route != nullptr);
  CHECK(m.route->access == Access::admin);
  CHECK(m.params[0].second == "nord");

  m = r.match("GET", segs({"v1", "jobs", "stats"}));
  REQUIRE(m.route != nullptr);
  CHECK(m.route->pattern == "/v1/jobs/stats");
  m = r.match("GET", segs({"v1", "jobs", "other"}));
  CHECK(m.route->pattern == "/v1/jobs/{name}");

  // HEAD falls back to GET; the root has no segment.
  m = r.match("HEAD", segs({"v1", "jobs", "stats"}));
  REQUIRE(m.route != nullptr);
  CHECK(m.route->method == "GET");
  CHECK(r.match("GET", {}).route != nullptr);

  // Known path, wrong method: the allowed ones, sorted, HEAD with GET.
  m = r.match("DELETE", segs({"v1", "conventions", "x"}));
  CHECK(m.route == nullptr);
  CHECK(m.allowed == std::vector<std::string>{"GET", "HEAD"});
  m = r.match("GET", segs({"v1", "jobs", "nord", "run"}));
  CHECK(m.allowed == std::vector<std::string>{"POST"});

  // Unknown paths and a trailing slash.
  m = r.match("GET", segs({"v2"}));
  CHECK(m.route == nullptr);
  CHECK(m.allowed.empty());
  CHECK(r.match("GET", segs({"v1", "conventions", "x", ""})).route == nullptr);
}

TEST_CASE("router: bad patterns and duplicates are refused with a message", "[http][router]") {
  Router r;
  REQUIRE(r.add("GET", "/a/{id}", noop()));
  for (const char* bad : {"a/b", "", "/a/{id", "/a/x{id}", "/a/{}", "/a/{x}/{x}", "/a/{{x}}"}) {
    const auto s = r.add("GET", bad, noop());
    INFO(bad);
    CHECK_FALSE(s.ok());
    CHECK(s.error().code == "route");
  }
  const auto dup = r.add("GET", "/a/{other}", noop());
  REQUIRE_FALSE(dup.ok());
  CHECK(dup.error().message.find("already registered") != std::string::npos);
  CHECK_FALSE(r.add("G T", "/b", noop()).ok());
  CHECK_FALSE(r.add("GET", "/b", Handler()).ok());
  CHECK(r.add("POST", "/a/{id}", noop()).ok());  // another method is another route
}

TEST_CASE("parse_target: decoded segments and query parameters", "[http][target]") {
  const ServerLimits limits;
  auto t = parse_target("/v1/conventions/59%20nord%2Fx?since=12&name=a+b&e=%C3%A9t%C3%A9&flag&x=1&x=2",
                        limits);
  REQUIRE(t.ok());
  CHECK(t->path == "/v1/conventions/59%20nord%2Fx");
  CHECK(t->segments == segs({"v1", "conventions", "59 nord/x"}));
  Request r;
  r.query = t->query;
  CHECK(r.query_param("since") == std::optional<std::string_view>("12"));
  CHECK(r.query_param("name") == std::optional<std::string_view>("a b"));
  CHECK(r.query_param("e") == std::optional<std::string_view>("\xC3\xA9t\xC3\xA9"));
  CHECK(r.query_param("flag") == std::optional<std::string_view>(""));
  CHECK(r.query_values("x") == std::vector<std::string_view>{"1", "2"});
  CHECK_FALSE(r.query_param("missing"));

  t = parse_target("/", limits);
  REQUIRE(t.ok());
  CHECK(t->segments.empty());
  CHECK(t->query.empty());
}

TEST_CASE("parse_target: hostile targets are 400 or 414 errors naming the problem", "[http][target]") {
  ServerLimits limits;
  limits.max_target_length = 64;
  limits.max_query_length = 16;
  limits.max_query_params = 3;
  struct Case {
    std::string target;
    std::string code;
  };
  const std::vector<Case> cases{
      {"/a?x=%zz", "bad_request"},            // bad percent-encoding
      {"/a%2", "bad_request"},                // truncated escape
      {"/a%C3", "bad_request"},               // decodes to invalid UTF-8
      {"/a?x=%FF%FE", "bad_request"},         // same in the query
      {"/a%00b", "bad_request"},              // NUL
      {"/a%ED%A0%80", "bad_request"},         // a surrogate
      {"/a%C0%AF", "bad_request"},            // overlong
      {"http://h/a", "bad_request"},          // absolute form
      {"*", "bad_request"},
      {"", "bad_request"},
      {"/a b", "bad_request"},
      {"/a?" + std::string(17, 'q'), "uri_too_long"},
      {"/" + std::string(64, 'a'), "uri_too_long"},
      {"/a?a&b&c&d", "bad_request"},          // too many parameters
  };
  for (const Case& c : cases) {
    INFO(c.target);
    const auto t = parse_target(c.target, limits);
    REQUIRE_FALSE(t.ok());
    CHECK(t.error().code == c.code);
    CHECK_FALSE(t.error().message.empty());
  }
}

TEST_CASE("request: case-insensitive headers and params", "[http][request]") {
  Request r;
  r.headers = {{"content-type", "application/json"}, {"x-a", "1"}, {"x-a", "2"}};
  r.params = {{"id", "59"}};
  CHECK(r.header("Content-Type") == std::optional<std::string_view>("application/json"));
  CHECK(r.header("X-A") == std::optional<std::string_view>("1"));
  CHECK(r.header_values("x-A").size() == 2);
  CHECK_FALSE(r.header("authorization"));
  CHECK(r.param("id") == "59");
  CHECK(r.param("other").empty());
}

TEST_CASE("bearer auth: scheme and exact tokens and constant-time compare", "[http][auth]") {
  const BearerAuth auth({"s3cret-token", "", "other"});
  CHECK(auth.check("Bearer s3cret-token"));
  CHECK(auth.check("bearer   other "));
  CHECK_FALSE(auth.check("Bearer s3cret-toke"));
  CHECK_FALSE(auth.check("Bearer s3cret-token2"));
  CHECK_FALSE(auth.check("Basic s3cret-token"));
  CHECK_FALSE(auth.check("Bearers3cret-token"));
  CHECK_FALSE(auth.check("Bearer "));
  CHECK_FALSE(auth.check("Bearer"));
  CHECK_FALSE(auth.check(""));
  CHECK_FALSE(BearerAuth().check("Bearer "));
  CHECK_FALSE(BearerAuth().check("Bearer x"));
  CHECK(BearerAuth::constant_time_equal("abc", "abc"));
  CHECK_FALSE(BearerAuth::constant_time_equal("abc", "abd"));
  CHECK_FALSE(BearerAuth::constant_time_equal("", "a"));
  CHECK_FALSE(BearerAuth::constant_time_equal("a", ""));
  CHECK(BearerAuth::constant_time_equal("", ""));
  CHECK_FALSE(BearerAuth::constant_time_equal("abcabc", "abc"));
}

TEST_CASE("json_error and json_response shapes", "[http][response]") {
  const Response e = json_error(404, "not_found", "no \"x\"");
  CHECK(e.status == 404);
  CHECK(e.content_type == "application/json");
  const auto v = boost::json::parse(e.body);
  CHECK(v.at("error").at("code").as_string() == "not_found");
  CHECK(v.at("error").at("message").as_string() == "no \"x\"");
  const Response ok = json_response(200, boost::json::value{{"a", 1}});
  CHECK(ok.body == R"({"a":1})");
  CHECK(status_reason(431) == "Request Header Fields Too Large");
  CHECK(status_reason(299).empty());
}

TEST_CASE("raw request parsing: good and truncated and hostile", "[http][parse]") {
  ServerLimits limits;
  limits.max_header_bytes = 512;
  limits.max_body_bytes = 16;
  auto ok = detail::parse_request_for_fuzzing(
      "POST /v1/x/%C3%A9?a=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nX-Y: z\r\n\r\nabc", limits);
  REQUIRE(ok.ok());
  CHECK(ok->method == "POST");
  CHECK(ok->segments == segs({"v1", "x", "\xC3\xA9"}));
  CHECK(ok->body == "abc");
  CHECK(ok->header("x-y") == std::optional<std::string_view>("z"));

  auto chunked = detail::parse_request_for_fuzzing(
      "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
      limits);
  REQUIRE(chunked.ok());
  CHECK(chunked->body == "abc");
  // HTTP/1.0 needs no Host.
  CHECK(detail::parse_request_for_fuzzing("GET / HTTP/1.0\r\n\r\n", limits).ok());

  const std::string post = "POST / HTTP/1.1\r\nHost: h\r\n";
  const std::vector<std::string> bad{
      "",
      "GET",
      "GET / HTTP/1.1\r\nHost: h\r\n",                         // truncated headers
      post + "Content-Length: 10\r\n\r\nabc",                 // truncated body
      post + "Content-Length: 17\r\n\r\n" + std::string(17, 'x'),  // body limit
      "GET / HTTP/1.1\r\nHost: h\r\nX: " + std::string(600, 'a') + "\r\n\r\n",  // header limit
      "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
      "GET / HTTP/9.9\r\n\r\n",
      "G\x01T / HTTP/1.1\r\n\r\n",
      "GET /%zz HTTP/1.1\r\nHost: h\r\n\r\n",
      post + "Transfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n",
      std::string("GET / HTTP/1.1\r\nHost: h\r\nX: a\0b\r\n\r\n", 35),
      // Framing the server refuses (RFC 9112 §6.3, §3.2; docs/http-server.md).
      "GET / HTTP/1.1\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
      post + "Transfer-Encoding: gzip\r\n\r\n",
      post + "Transfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n",
      post + "Transfer-Encoding: identity\r\n\r\n",
      post + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
      post + "Transfer-Encoding: gzip\r\nContent-Length: 3\r\n\r\nabc",
      "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
  };
  for (const std::string& raw : bad) {
    INFO(raw);
    const auto r = detail::parse_request_for_fuzzing(raw, limits);
    CHECK_FALSE(r.ok());
    if (!r.ok()) CHECK_FALSE(r.error().message.empty());
  }
}
