#pragma once
// A complete HTTP response and the helpers that make the JSON ones the API speaks.
//
//   return responder.send(json_response(200, boost::json::object{{"id", id}}));
//   return responder.send(json_error(404, "not_found", "no convention 'x'"));
//
// The server adds Content-Length, Connection, X-Request-Id and Server itself; headers whose
// name or value would break the framing (CR, LF, NUL, bad name characters) are dropped and
// logged, an impossible status (< 100 or > 599) becomes a 500.

#include <memory>
#include <string>
#include <string_view>

#include <conventiond/http/request.hpp>

namespace boost::json {
class value;
}

namespace conventiond::http {

struct Response {
  int status = 200;
  std::string content_type = "application/json";  // "" sends no Content-Type
  Headers headers;                                 // extra headers, sent as given
  std::string body;
  // A body shared with a cache, sent without a copy (the server writes the head and these
  // bytes as two buffers); when set, `body` is ignored. See payload().
  std::shared_ptr<const std::string> shared_body;

  std::string_view payload() const noexcept { return shared_body ? *shared_body : body; }
};

// `value` serialised as compact JSON, Content-Type application/json.
Response json_response(int status, const boost::json::value& value);
// {"error":{"code":CODE,"message":MESSAGE}} with that status.
Response json_error(int status, std::string_view code, std::string_view message);
Response text_response(int status, std::string body,
                       std::string content_type = "text/plain; charset=utf-8");

// The reason phrase of a status ("Not Found"), or "" for an unknown one.
std::string_view status_reason(int status);

}  // namespace conventiond::http
