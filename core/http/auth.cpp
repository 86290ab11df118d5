// Bearer tokens: see include/conventiond/http/auth.hpp.
#include <conventiond/http/auth.hpp>

#include <algorithm>
#include <cctype>

namespace conventiond::http {

BearerAuth::BearerAuth(std::vector<std::string> tokens) : tokens_(std::move(tokens)) {
  tokens_.erase(std::remove_if(tokens_.begin(), tokens_.end(),
                               [](const std::string& t) { return t.empty(); }),
                tokens_.end());
}

bool BearerAuth::constant_time_equal(std::string_view a, std::string_view b) {
  // Walks all of b whatever a holds: the time depends on the lengths only.
  volatile unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < b.size(); ++i) {
    const auto x = a.empty() ? 0u : static_cast<unsigned char>(a[i % a.size()]);
    diff = static_cast<unsigned char>(diff | (x ^ static_cast<unsigned char>(b[i])));
  }
  return diff == 0;
}

bool BearerAuth::check(std::string_view authorization) const {
  while (!authorization.empty() && (authorization.front() == ' ' || authorization.front() == '\t')) {
    authorization.remove_prefix(1);
  }
  constexpr std::string_view scheme = "bearer";
  if (authorization.size() <= scheme.size()) return false;
  for (std::size_t i = 0; i < scheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != scheme[i]) return false;
  }
  std::string_view token = authorization.substr(scheme.size());
  if (token.front() != ' ' && token.front() != '\t') return false;
  while (!token.empty() && (token.front() == ' ' || token.front() == '\t')) token.remove_prefix(1);
  while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
  if (token.empty()) return false;
  bool found = false;
  for (const std::string& t : tokens_) {
    // Every token is compared: no early exit that would tell which one is close.
    found = constant_time_equal(token, t) || found;
  }
  return found;
}

}  // namespace conventiond::http
