#include <catch2/catch.hpp>

#include <string>

#include <conventiond/sdk/messages.hpp>

namespace sdk = conventiond::sdk;

TEST_CASE("sdk messages: a request round-trips through its JSON") {
  sdk::Request r;
  r.url = "https://www.nord.fr/";
  r.method = "POST";
  r.headers = {{"accept", "text/html"}};
  r.body = std::string("a\0b", 3);
  r.meta = "page=2";
  r.user_agent_note = "ops@example.org";
  const auto decoded = std::get<sdk::Request>(sdk::message_from_json(sdk::to_json(r)));
  CHECK(decoded.url == r.url);
  CHECK(decoded.method == "POST");
  CHECK(decoded.headers == r.headers);
  CHECK(decoded.body == r.body);
  CHECK(decoded.meta == "page=2");
  CHECK(decoded.user_agent_note == "ops@example.org");
}

TEST_CASE("sdk messages: a response round-trips with binary bodies") {
  sdk::Response r{"https://a.fr/x.pdf",
                  200,
                  {{"content-type", "Application/PDF; q=1"}},
                  std::string("%PDF\0\xff", 6),
                  "m"};
  const sdk::Response decoded = sdk::response_from_json(sdk::to_json(r));
  CHECK(decoded.url == r.url);
  CHECK(decoded.status == 200);
  CHECK(decoded.body == r.body);
  CHECK(decoded.meta == "m");
  CHECK(decoded.header("Content-Type") == "Application/PDF; q=1");
  CHECK(decoded.media_type() == "application/pdf");
  CHECK(decoded.header("etag").empty());
}

TEST_CASE("sdk messages: documents, observations, indicators and errors decode") {
  const auto doc = std::get<sdk::Document>(sdk::message_from_json(
      sdk::to_json(sdk::Document{"file:///a.pdf", "application/pdf", "bytes", "T", "news"})));
  CHECK(doc.body == "bytes");
  CHECK(doc.title == "T");
  CHECK(doc.rank == "news");
  const auto obs = std::get<sdk::ObservationMessage>(
      sdk::message_from_json(sdk::to_json(sdk::ObservationMessage{R"({"a": 1})"})));
  CHECK(obs.json == R"({"a":1})");
  CHECK(std::holds_alternative<sdk::IndicatorMessage>(
      sdk::message_from_json(sdk::to_json(sdk::IndicatorMessage{"{}"}))));
  const auto err = std::get<sdk::ErrorMessage>(
      sdk::message_from_json(sdk::to_json(sdk::ErrorMessage{"no table", "https://a.fr/"})));
  CHECK(err.message == "no table");
  CHECK(err.url == "https://a.fr/");
}

TEST_CASE("sdk messages: an observation must be a JSON object") {
  CHECK_THROWS_AS(sdk::to_json(sdk::ObservationMessage{"[1]"}), sdk::ProtocolError);
  CHECK_THROWS(sdk::to_json(sdk::IndicatorMessage{"{"}));
}

TEST_CASE("sdk messages: malformed messages are refused with the member at fault") {
  const auto [text, problem] = GENERATE(table<std::string, std::string>({
      {R"({"url":"x"})", "'type'"},
      {R"({"type":"teleport"})", "unknown message type 'teleport'"},
      {R"({"type":"request","method":"GET"})", "'url'"},
      {R"({"type":"document","url":"u","media_type":"t","body_base64":"%%%"})", "not base64"},
      {R"({"type":"request","url":"u","method":"GET","headers":{"a":1}})", "header 'a'"},
      {R"({"type":"observation","observation":[]})", "'observation'"},
  }));
  CAPTURE(text);
  CHECK_THROWS_WITH(sdk::message_from_json(text), Catch::Contains(problem));
}
