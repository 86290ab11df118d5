#include <conventiond/testkit/connector_test.hpp>

#include <cctype>
#include <deque>
#include <set>
#include <utility>
#include <variant>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <conventiond/extract/content_hash.hpp>
#include <conventiond/extract/extractor.hpp>
#include <conventiond/model/model_json.hpp>
#include <conventiond/testkit/replay.hpp>

namespace conventiond::testkit {

namespace json = boost::json;

struct ConnectorTest::State {
  std::function<void(std::string_view)> out;
  ConnectorTestOptions options;
  std::string from = "start";  // the call in progress: "start" or the response's URL

  void line(const json::object& o) const { out(json::serialize(o)); }
};

namespace {

const char* level_name(sdk::LogLevel level) {
  switch (level) {
    case sdk::LogLevel::debug:
      return "debug";
    case sdk::LogLevel::info:
      return "info";
    case sdk::LogLevel::warn:
      return "warn";
    case sdk::LogLevel::error:
      return "error";
  }
  return "info";
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out.empty() ? std::string("GET") : out;
}

json::object headers_object(const sdk::Headers& headers) {
  json::object o;
  for (const auto& [k, v] : headers) o[k] = v;
  return o;
}

// Parses a model object a connector built; an error message when it is not valid.
template <class T, class Parse>
Result<T> parse_model(const std::string& text, Parse parse, const char* what) {
  boost::system::error_code ec;
  const json::value v = json::parse(text, ec);
  if (ec) return Error::make("plugin", std::string("invalid ") + what + " JSON: " + ec.message());
  auto parsed = parse(v);
  if (!parsed)
    return Error::make("plugin", std::string("invalid ") + what + ": " + parsed.error().message);
  return std::move(*parsed);
}

}  // namespace

ConnectorTest::ConnectorTest(std::function<void(std::string_view line)> out,
                             ConnectorTestOptions options)
    : state_(std::make_shared<State>()) {
  state_->out = std::move(out);
  state_->options = std::move(options);
}

HostServices ConnectorTest::host_services() const {
  HostServices s;
  std::weak_ptr<State> weak = state_;
  s.log = [weak](std::string_view plugin, sdk::LogLevel level, std::string_view message) {
    const auto state = weak.lock();
    if (!state) return;
    json::object o;
    o["type"] = "log";
    o["from"] = state->from;
    o["plugin"] = plugin;
    o["level"] = level_name(level);
    o["message"] = message;
    state->line(o);
  };
  s.extract = [](std::string_view bytes, std::string_view media_type,
                 std::string_view url) -> Result<std::string> {
    auto e = extract_document(bytes, media_type, url);
    if (!e) return e.error();
    return json::serialize(to_json(*e));
  };
  return s;
}

ConnectorTestReport ConnectorTest::run(PluginInstance& instance, const Responder& respond) {
  State& st = *state_;
  ConnectorTestReport report;
  const PluginInfo& info = instance.info();
  std::deque<sdk::Request> queue;
  std::set<std::string> seen_get;  // URLs of GET requests already queued
  bool limit_reported = false;

  const auto fill_source = [&](Source& s, std::string_view rank) {
    if (s.connector.empty()) s.connector = info.name;
    if (s.connector_version.empty()) s.connector_version = info.version;
    if (s.rank == SourceRank::unknown) {
      const std::string_view r = !rank.empty() ? rank : std::string_view(st.options.rank);
      if (auto parsed = source_rank_from_string(r); parsed && *parsed != SourceRank::operator_) {
        s.rank = *parsed;
      }
    }
  };

  const auto handle = [&](std::vector<sdk::Message>& messages, const std::string& response_url) {
    for (sdk::Message& m : messages) {
      json::object o;
      if (auto* req = std::get_if<sdk::Request>(&m)) {
        o["type"] = "request";
        o["from"] = st.from;
        o["method"] = upper(req->method);
        o["url"] = req->url;
        if (!req->meta.empty()) o["meta"] = req->meta;
        if (!req->headers.empty()) o["headers"] = headers_object(req->headers);
        if (!req->body.empty()) o["body_sha256"] = sha256_hex(req->body);
        if (!req->user_agent_note.empty()) o["user_agent_note"] = req->user_agent_note;
        st.line(o);
        if (upper(req->method) == "GET" && !seen_get.insert(req->url).second) continue;
        queue.push_back(std::move(*req));
      } else if (auto* doc = std::get_if<sdk::Document>(&m)) {
        ++report.documents;
        const std::string url = doc->url.empty() ? response_url : doc->url;
        o["type"] = "document";
        o["from"] = st.from;
        o["url"] = url;
        o["media_type"] = doc->media_type;
        if (!doc->title.empty()) o["title"] = doc->title;
        if (!doc->rank.empty()) o["rank"] = doc->rank;
        o["bytes"] = doc->body.size();
        o["sha256"] = sha256_hex(doc->body);
        st.line(o);
        if (!st.options.extract) continue;
        auto extraction = extract_document(doc->body, doc->media_type, url);
        if (!extraction) {
          json::object e;
          e["type"] = "error";
          e["from"] = st.from;
          e["message"] = extraction.error().message;
          e["url"] = url;
          ++report.errors;
          st.line(e);
          continue;
        }
        if (extraction->conventions.empty()) continue;  // not about a convention: no observation
        const std::string hash = extraction->document.content_hash;
        const std::string title = doc->title.empty() ? extraction->document.title : doc->title;
        for (Observation& obs : observations_of(*extraction, url, title, hash)) {
          fill_source(obs.source, doc->rank);
          ++report.observations;
          json::object l;
          l["type"] = "observation";
          l["from"] = st.from;
          l["origin"] = "extraction";
          l["observation"] = to_json(obs);
          st.line(l);
        }
      } else if (auto* om = std::get_if<sdk::ObservationMessage>(&m)) {
        auto obs = parse_model<Observation>(om->json, observation_from_json, "observation");
        if (!obs) {
          ++report.errors;
          o["type"] = "error";
          o["from"] = st.from;
          o["message"] = obs.error().message;
          st.line(o);
          continue;
        }
        if (obs->source.url.empty()) obs->source.url = response_url;
        fill_source(obs->source, "");
        ++report.observations;
        o["type"] = "observation";
        o["from"] = st.from;
        o["origin"] = "connector";
        o["observation"] = to_json(*obs);
        st.line(o);
      } else if (auto* im = std::get_if<sdk::IndicatorMessage>(&m)) {
        auto ind = parse_model<Indicator>(im->json, indicator_from_json, "indicator");
        if (!ind) {
          ++report.errors;
          o["type"] = "error";
          o["from"] = st.from;
          o["message"] = ind.error().message;
          st.line(o);
          continue;
        }
        if (ind->source.url.empty()) ind->source.url = response_url;
        fill_source(ind->source, "");
        ++report.indicators;
        o["type"] = "indicator";
        o["from"] = st.from;
        o["indicator"] = to_json(*ind);
        st.line(o);
      } else if (auto* err = std::get_if<sdk::ErrorMessage>(&m)) {
        ++report.errors;
        o["type"] = "error";
        o["from"] = st.from;
        o["message"] = err->message;
        if (!err->url.empty()) o["url"] = err->url;
        st.line(o);
      }
    }
  };

  const auto call_failed = [&](const char* call, const std::string& url, const Error& e) {
    ++report.call_failures;
    json::object o;
    o["type"] = "call_failed";
    o["call"] = call;
    if (!url.empty()) o["url"] = url;
    o["message"] = e.message;
    st.line(o);
  };

  st.from = "start";
  if (auto first = instance.start(); first) {
    // As in a harvest, a document from start() answers no request: reported, not extracted.
    for (const sdk::Message& m : *first) {
      if (std::holds_alternative<sdk::Document>(m)) {
        json::object o;
        o["type"] = "error";
        o["from"] = "start";
        o["message"] = "a document emitted by start() is ignored (documents answer requests)";
        ++report.errors;
        st.line(o);
      }
    }
    std::erase_if(*first,
                  [](const sdk::Message& m) { return std::holds_alternative<sdk::Document>(m); });
    handle(*first, "");
  } else {
    call_failed("start", "", first.error());
  }

  while (!queue.empty()) {
    sdk::Request request = std::move(queue.front());
    queue.pop_front();
    if (report.requests >= st.options.max_requests) {
      if (!limit_reported) {
        limit_reported = true;
        json::object o;
        o["type"] = "limit";
        o["message"] = "max_requests (" + std::to_string(st.options.max_requests) +
                       ") reached: " + std::to_string(queue.size() + 1) + " request(s) not made";
        st.line(o);
      }
      break;
    }
    ++report.requests;
    const std::string method = upper(request.method);
    auto answer = respond(request);
    const bool http_failure = answer && answer->status >= 400 && answer->status != 401;
    if (!answer || http_failure) {
      ++report.fetch_failed;
      json::object o;
      o["type"] = "fetch_failed";
      o["method"] = method;
      o["url"] = request.url;
      if (!answer) {
        if (answer.error().code == "missing") {
          ++report.missing;
          report.missing_urls.push_back(method + " " + request.url);
        }
        o["status"] = answer.error().code == "missing" ? 404 : 0;
        o["message"] = answer.error().message;
      } else {
        o["status"] = answer->status;
        o["message"] = "HTTP status " + std::to_string(answer->status);
      }
      st.line(o);
      continue;
    }
    sdk::Response response = std::move(*answer);
    response.meta = request.meta;
    json::object o;
    o["type"] = "response";
    o["method"] = method;
    o["url"] = response.url;
    if (response.url != request.url) o["requested"] = request.url;
    o["status"] = response.status;
    o["media_type"] = response.media_type();
    o["bytes"] = response.body.size();
    o["sha256"] = sha256_hex(response.body);
    if (!response.meta.empty()) o["meta"] = response.meta;
    st.line(o);
    st.from = response.url;
    auto messages = instance.parse(response);
    if (!messages) {
      call_failed("parse", response.url, messages.error());
      continue;
    }
    handle(*messages, response.url);
  }
  st.from = "end";

  json::object s;
  s["type"] = "summary";
  s["plugin"] = info.name;
  s["requests"] = report.requests;
  s["documents"] = report.documents;
  s["observations"] = report.observations;
  s["indicators"] = report.indicators;
  s["errors"] = report.errors;
  s["fetch_failed"] = report.fetch_failed;
  s["missing"] = report.missing;
  s["call_failures"] = report.call_failures;
  st.line(s);
  return report;
}

}  // namespace conventiond::testkit
