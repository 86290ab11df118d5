#pragma once
// Bearer-token authentication: "Authorization: Bearer <token>" checked against a set of
// tokens in constant time (the time does not depend on where a wrong token differs).

#include <string>
#include <string_view>
#include <vector>

namespace conventiond::http {

class BearerAuth {
 public:
  BearerAuth() = default;  // no token: every check fails
  explicit BearerAuth(std::vector<std::string> tokens);

  // True when `authorization` (the header's value) is "Bearer <t>" (scheme in any case) with
  // t one of the tokens. Empty tokens are never accepted.
  bool check(std::string_view authorization) const;
  bool empty() const noexcept { return tokens_.empty(); }

  // Compares two strings in time that depends only on their lengths.
  static bool constant_time_equal(std::string_view a, std::string_view b);

 private:
  std::vector<std::string> tokens_;
};

}  // namespace conventiond::http
