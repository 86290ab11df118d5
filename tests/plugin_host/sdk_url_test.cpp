#include <catch2/catch.hpp>

#include <string>

#include <conventiond/sdk/url.hpp>

namespace url = conventiond::sdk::url;

TEST_CASE("sdk url: resolves references as RFC 3986 does") {
  const std::string base = "https://www.nord.gouv.fr/Actualites/communiques/page.html?x=1#top";
  const auto [reference, expected] = GENERATE(table<std::string, std::string>({
      {"other.html", "https://www.nord.gouv.fr/Actualites/communiques/other.html"},
      {"./a/b.pdf", "https://www.nord.gouv.fr/Actualites/communiques/a/b.pdf"},
      {"../index.html", "https://www.nord.gouv.fr/Actualites/index.html"},
      {"../../../../up", "https://www.nord.gouv.fr/up"},
      {"/root?q=2", "https://www.nord.gouv.fr/root?q=2"},
      {"?page=2", "https://www.nord.gouv.fr/Actualites/communiques/page.html?page=2"},
      {"#section", "https://www.nord.gouv.fr/Actualites/communiques/page.html?x=1"},
      {"//cdn.example.org/f.pdf", "https://cdn.example.org/f.pdf"},
      {"HTTP://Example.org/a/./b/../c", "http://Example.org/a/c"},
      {"  spaced.html ", "https://www.nord.gouv.fr/Actualites/communiques/spaced.html"},
      {"dir/", "https://www.nord.gouv.fr/Actualites/communiques/dir/"},
  }));
  CAPTURE(reference);
  CHECK(url::resolve(base, reference) == expected);
}

TEST_CASE("sdk url: non-hierarchical references are not resolved") {
  CHECK_FALSE(url::resolve("https://a.fr/", "mailto:x@a.fr").has_value());
  CHECK_FALSE(url::resolve("https://a.fr/", "javascript:void(0)").has_value());
  CHECK_FALSE(url::resolve("not a url", "a.html").has_value());
}

TEST_CASE("sdk url: host drops user info and port and ignores case") {
  CHECK(url::host("https://user:pw@WWW.Nord.gouv.fr:8443/x") == "www.nord.gouv.fr");
  CHECK(url::host("http://[::1]:8080/") == "[::1]");
  CHECK(url::host("https://a.fr") == "a.fr");
  CHECK(url::host("nope").empty());
}

TEST_CASE("sdk url: file_url percent-encodes what URLs do not allow") {
  CHECK(url::file_url("/srv/data/convention 59 é.pdf") ==
        "file:///srv/data/convention%2059%20%C3%A9.pdf");
}
