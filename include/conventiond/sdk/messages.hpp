#pragma once
// The JSON messages exchanged through the plugin ABI, in one place for both sides: the SDK
// writes requests, documents, observations, indicators and errors and reads responses; the
// host does the reverse. docs/plugin-abi.md describes each message's fields.

#include <cctype>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <conventiond/sdk/base64.hpp>
#include <conventiond/sdk/json.hpp>

namespace conventiond::sdk {

// A message that does not follow the protocol (missing or mistyped field, unknown type).
class ProtocolError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

// Something for the host to fetch. The host owns the network: politeness, robots.txt,
// conditional GET, retries and limits are its business, not the connector's.
struct Request {
  std::string url;              // http(s):// or file://
  std::string method = "GET";   // GET, HEAD or POST
  Headers headers;              // extra request headers
  std::string body;             // raw bytes (POST)
  std::string meta;             // opaque text, echoed back in the Response
  std::string user_agent_note;  // the fetcher appends it to its User-Agent, in parentheses
};

// What the host fetched for a Request.
struct Response {
  std::string url;   // final URL, after redirects
  int status = 0;    // HTTP status; 200 for a file:// read
  Headers headers;   // names in lower case
  std::string body;  // raw bytes
  std::string meta;  // the Request's meta

  // The value of header name (any case), or "" when absent.
  std::string_view header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
      if (equal_ignoring_case(key, name)) return value;
    }
    return {};
  }

  // The Content-Type without parameters, in lower case ("text/html").
  std::string media_type() const {
    std::string_view v = header("content-type");
    v = v.substr(0, v.find(';'));
    std::string out;
    for (const char c : v) {
      if (std::isspace(static_cast<unsigned char>(c)) == 0) {
        out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
      }
    }
    return out;
  }

 private:
  static bool equal_ignoring_case(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (std::tolower(static_cast<unsigned char>(a[i])) !=
          std::tolower(static_cast<unsigned char>(b[i]))) {
        return false;
      }
    }
    return true;
  }
};

// A document for the host to extract (text, dates, amounts, tables) into observations.
struct Document {
  std::string url;         // where it was read
  std::string media_type;  // "text/html", "application/pdf", "text/plain", ...
  std::string body;        // raw bytes
  std::string title;       // when the connector knows it better than the document
  std::string rank;        // "convention_text", "official_release", "news" or "" (unknown)

  static Document from_response(const Response& response) {
    return Document{response.url, response.media_type(), response.body, {}, {}};
  }
};

struct ObservationMessage {
  std::string json;  // a model Observation object (docs/ JSON Schema)
};

struct IndicatorMessage {
  std::string json;  // a model Indicator object
};

// A problem with one item (a page, a file): reported, the run goes on.
struct ErrorMessage {
  std::string message;
  std::string url;  // the item concerned, when known
};

using Message = std::variant<Request, Document, ObservationMessage, IndicatorMessage, ErrorMessage>;

namespace detail {

inline std::string headers_json(const Headers& headers) {
  json::ObjectWriter w;
  for (const auto& [name, value] : headers) w.field(name, value);
  return w.str();
}

inline const json::Value& member(const json::Value& object, std::string_view key,
                                 bool (json::Value::*is_type)() const, const char* type) {
  const json::Value* v = object.find(key);
  if (v == nullptr || !(v->*is_type)()) {
    throw ProtocolError("message member '" + std::string(key) + "' must be a " + type);
  }
  return *v;
}

inline std::string required_string(const json::Value& object, std::string_view key) {
  return member(object, key, &json::Value::is_string, "string").as_string();
}

inline std::string optional_string(const json::Value& object, std::string_view key) {
  return object.find(key) == nullptr ? std::string() : required_string(object, key);
}

inline std::string optional_bytes(const json::Value& object, std::string_view key) {
  auto bytes = base64::decode(optional_string(object, key));
  if (!bytes) throw ProtocolError("message member '" + std::string(key) + "' is not base64");
  return std::move(*bytes);
}

inline Headers headers_from(const json::Value& object) {
  Headers out;
  const json::Value* h = object.find("headers");
  if (h == nullptr) return out;
  if (!h->is_object()) throw ProtocolError("message member 'headers' must be an object");
  for (const json::Member& m : h->as_object()) {
    if (!m.value.is_string()) throw ProtocolError("header '" + m.key + "' must be a string");
    out.emplace_back(m.key, m.value.as_string());
  }
  return out;
}

// The JSON text of an object payload, checked.
inline std::string checked_object_json(std::string_view text, const char* what) {
  if (!json::parse(text).is_object()) {
    throw ProtocolError(std::string(what) + " must be a JSON object");
  }
  return std::string(text);
}

}  // namespace detail

inline std::string to_json(const Request& r) {
  return json::ObjectWriter()
      .field("type", "request")
      .field("url", r.url)
      .field("method", r.method)
      .raw_field("headers", detail::headers_json(r.headers))
      .optional_field("body_base64", base64::encode(r.body))
      .optional_field("meta", r.meta)
      .optional_field("user_agent_note", r.user_agent_note)
      .str();
}

inline std::string to_json(const Response& r) {
  return json::ObjectWriter()
      .field("url", r.url)
      .field("status", r.status)
      .raw_field("headers", detail::headers_json(r.headers))
      .field("body_base64", base64::encode(r.body))
      .optional_field("meta", r.meta)
      .str();
}

inline std::string to_json(const Document& d) {
  return json::ObjectWriter()
      .field("type", "document")
      .field("url", d.url)
      .field("media_type", d.media_type)
      .field("body_base64", base64::encode(d.body))
      .optional_field("title", d.title)
      .optional_field("rank", d.rank)
      .str();
}

inline std::string to_json(const ObservationMessage& o) {
  return json::ObjectWriter()
      .field("type", "observation")
      .raw_field("observation", detail::checked_object_json(o.json, "an observation"))
      .str();
}

inline std::string to_json(const IndicatorMessage& i) {
  return json::ObjectWriter()
      .field("type", "indicator")
      .raw_field("indicator", detail::checked_object_json(i.json, "an indicator"))
      .str();
}

inline std::string to_json(const ErrorMessage& e) {
  return json::ObjectWriter()
      .field("type", "error")
      .field("message", e.message)
      .optional_field("url", e.url)
      .str();
}

inline Response response_from_json(std::string_view text) {
  const json::Value v = json::parse(text);
  const json::Value& status = detail::member(v, "status", &json::Value::is_integer, "integer");
  return Response{detail::required_string(v, "url"), static_cast<int>(status.as_integer()),
                  detail::headers_from(v), detail::optional_bytes(v, "body_base64"),
                  detail::optional_string(v, "meta")};
}

// Decodes one message a plugin emitted. Throws json::ParseError or ProtocolError.
inline Message message_from_json(std::string_view text) {
  const json::Value v = json::parse(text);
  const std::string type = detail::required_string(v, "type");
  if (type == "request") {
    return Request{detail::required_string(v, "url"),
                   detail::required_string(v, "method"),
                   detail::headers_from(v),
                   detail::optional_bytes(v, "body_base64"),
                   detail::optional_string(v, "meta"),
                   detail::optional_string(v, "user_agent_note")};
  }
  if (type == "document") {
    return Document{detail::required_string(v, "url"), detail::required_string(v, "media_type"),
                    detail::optional_bytes(v, "body_base64"), detail::optional_string(v, "title"),
                    detail::optional_string(v, "rank")};
  }
  if (type == "observation" || type == "indicator") {
    const json::Value& payload = detail::member(v, type, &json::Value::is_object, "object");
    if (type == "observation") return ObservationMessage{json::serialize(payload)};
    return IndicatorMessage{json::serialize(payload)};
  }
  if (type == "error") {
    return ErrorMessage{detail::required_string(v, "message"), detail::optional_string(v, "url")};
  }
  throw ProtocolError("unknown message type '" + type + "'");
}

}  // namespace conventiond::sdk
