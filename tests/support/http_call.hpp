#pragma once
// One HTTP request of the tests through libcurl (loopback, no proxy, 10 s at most): the status
// (0 when there was no answer), the body, the content type and the raw headers, lower-cased.
#include <catch2/catch.hpp>

#include <curl/curl.h>

#include <cctype>
#include <cstddef>
#include <string>

#include <boost/json.hpp>

namespace conventiond::test {

struct Reply {
  long status = 0;
  std::string body;
  std::string content_type;
  std::string headers;  // raw, lower-cased
  // The body as JSON; the test fails when it is not.
  boost::json::value json() const {
    boost::system::error_code ec;
    auto v = boost::json::parse(body, ec);
    INFO(body);
    REQUIRE_FALSE(ec);
    return v;
  }
};

inline std::size_t append_to_string(char* data, std::size_t size, std::size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

// `token`: sent as a bearer token when not empty; `body`: the body of a POST.
inline Reply call(const std::string& method, const std::string& url, const std::string& token = "",
                  const std::string& body = "") {
  CURL* c = curl_easy_init();
  Reply r;
  curl_slist* headers = nullptr;
  if (!token.empty()) headers = curl_slist_append(headers, ("Authorization: Bearer " + token).c_str());
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
  if (method == "POST") curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, append_to_string);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, append_to_string);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &r.headers);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
  curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
  if (curl_easy_perform(c) == CURLE_OK) {
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    char* ct = nullptr;
    curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
    if (ct != nullptr) r.content_type = ct;
  }
  for (char& ch : r.headers) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  curl_slist_free_all(headers);
  curl_easy_cleanup(c);
  return r;
}

}  // namespace conventiond::test
