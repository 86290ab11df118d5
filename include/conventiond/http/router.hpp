#pragma once
// Method + path pattern -> handler. A pattern is a sequence of '/'-separated segments, each
// either literal or a whole-segment parameter: "/v1/conventions/{id}", "/v1/jobs/{name}/run".
// Matching is on the percent-decoded segments, exactly (a trailing '/' is one more, empty,
// segment); at each segment a literal wins over a parameter ("/v1/jobs/stats" before
// "/v1/jobs/{name}"). HEAD is answered by the GET route (the body is not sent).
//
// A path no route matches -> 404; a path some route matches with another method -> 405 with
// an Allow header. Both are JSON errors (see server.hpp).

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <conventiond/http/request.hpp>
#include <conventiond/http/responder.hpp>
#include <conventiond/result.hpp>

namespace conventiond::http {

using Handler = std::function<void(const Request&, Responder)>;

// Who may call a route (see BearerAuth and ServerOptions::reads_public).
enum class Access {
  read,   // public when ServerOptions::reads_public, else a token is needed
  admin,  // a token is always needed ("requires_token")
  open,   // never needs a token (health checks, metrics)
};

struct Route {
  std::string method;   // upper case
  std::string pattern;  // as registered
  Handler handler;
  Access access = Access::read;
  // The pattern's segments; a parameter is stored as its name with param[i] true.
  std::vector<std::string> parts;
  std::vector<bool> param;
};

class Router {
 public:
  // Adds a route. Errors ("route"): method not a token, pattern not starting with '/',
  // a '{' or '}' that is not a whole-segment "{name}", a name used twice, the same method and
  // pattern shape already registered, an empty handler.
  Status add(std::string_view method, std::string_view pattern, Handler handler,
             Access access = Access::read);

  struct Match {
    const Route* route = nullptr;     // set when found
    Headers params;                   // its parameters, decoded
    std::vector<std::string> allowed; // when not found but the path exists: its methods
  };
  Match match(std::string_view method, const std::vector<std::string>& segments) const;

  const std::vector<Route>& routes() const noexcept { return routes_; }

 private:
  std::vector<Route> routes_;
};

}  // namespace conventiond::http
