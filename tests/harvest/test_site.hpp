#pragma once
// The loopback test site of the harvesting tests: a préfecture-like site with an RSS feed,
// paginated listings, articles, linked PDFs, and every misbehaviour a harvester meets.

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include <conventiond/config/daemon_config.hpp>

#include "../support/test_http_server.hpp"

namespace conventiond::test {

inline std::string read_source_file(const std::string& relative) {
  std::ifstream in(std::string(CONVENTIOND_SOURCE_DIR) + "/" + relative, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Articles the feed lists, and what each does.
struct TestSite {
  TestHttpServer server;
  std::atomic<int> feed_version{1};
  std::chrono::milliseconds article_delay{0};

  TestSite() {
    using namespace std::chrono_literals;
    server.route("/robots.txt", {200, {{"Content-Type", "text/plain"}},
                                 "User-agent: *\nDisallow: /private/\n"});
    server.route("/rss.xml", [this](const TestRequest&) { return feed(); });
    // Paginated listing: /actualites -> ?page=2 -> ?page=3 (the last).
    server.route("/actualites", [](const TestRequest& r) {
      int p = 1;
      if (const auto q = r.target.find("page="); q != std::string::npos) p = std::atoi(r.target.c_str() + q + 5);
      if (p < 1 || p > 3) return TestResponse{404, {}, "no such page"};
      std::string body = "<html><body><h1>Actualités</h1><ul>";
      body += "<li><a href=\"/actualites/liste-" + std::to_string(p) + ".html\">Article " +
              std::to_string(p) + "</a></li></ul>";
      if (p < 3) {
        body += "<a rel=\"next\" href=\"/actualites?page=" + std::to_string(p + 1) +
                "\">Page suivante</a>";
      }
      body += "</body></html>";
      return TestResponse{200, {{"Content-Type", "text/html; charset=utf-8"}}, body};
    });
    const std::string relevant = read_source_file("demo/site/communiques/haute-garonne-signature.html");
    const std::string irrelevant =
        "<html><head><title>Fête de la musique</title></head><body><h1>Fête de la musique</h1>"
        "<p>" + read_source_file("demo/documents/annonce-sans-rapport.txt") + "</p></body></html>";
    const std::string pdf = read_source_file("tests/fixtures/documents/corpus/bas-rhin-convention.pdf");
    const std::string html = "text/html; charset=utf-8";

    server.route("/actualites/convention.html", [this, relevant, html](const TestRequest& r) {
      // Answers 304 to a conditional request with its ETag.
      if (r.header("if-none-match") == "\"conv-v1\"") return TestResponse{304, {{"ETag", "\"conv-v1\""}}, ""};
      return TestResponse{200, {{"Content-Type", html}, {"ETag", "\"conv-v1\""}},
                          relevant + "<p><a href=\"/documents/convention.pdf\">Télécharger la convention (PDF - 35 ko)</a></p>",
                          article_delay};
    });
    server.route("/actualites/fete.html", [this, irrelevant, html](const TestRequest&) {
      return TestResponse{200, {{"Content-Type", html}}, irrelevant, article_delay};
    });
    server.route("/actualites/stable.html", [this, html](const TestRequest& r) {
      if (r.header("if-none-match") == "\"same\"") return TestResponse{304, {{"ETag", "\"same\""}}, ""};
      return TestResponse{200, {{"Content-Type", html}, {"ETag", "\"same\""}},
                          "<html><body><h1>Horaires</h1><p>La préfecture est ouverte.</p></body></html>",
                          article_delay};
    });
    for (int p = 1; p <= 3; ++p) {
      server.route("/actualites/liste-" + std::to_string(p) + ".html",
                   TestResponse{200, {{"Content-Type", html}},
                                "<html><body><h1>Article " + std::to_string(p) +
                                    "</h1><p>Rien à signaler.</p></body></html>"});
    }
    server.route("/private/secret.html", TestResponse{200, {{"Content-Type", html}}, "secret"});
    server.route("/actualites/missing.html", TestResponse{404, {{"Content-Type", html}}, "not here"});
    server.route_sequence("/actualites/flaky.html",
                          {TestResponse{500, {}, "oops"},
                           TestResponse{200, {{"Content-Type", html}}, irrelevant}});
    server.route_sequence("/actualites/busy.html",
                          {TestResponse{429, {{"Retry-After", "1"}}, "slow down"},
                           TestResponse{200, {{"Content-Type", html}}, irrelevant}});
    server.route("/actualites/slow.html", TestResponse{200, {{"Content-Type", html}}, "late", 3000ms});
    server.route("/actualites/huge.html",
                 TestResponse{200, {{"Content-Type", html}}, std::string(600'000, 'x')});
    server.route("/actualites/loop.html", TestResponse{302, {{"Location", "/actualites/loop2.html"}}, ""});
    server.route("/actualites/loop2.html", TestResponse{302, {{"Location", "/actualites/loop.html"}}, ""});
    // A PDF the server calls text/html.
    server.route("/documents/convention.pdf", TestResponse{200, {{"Content-Type", "text/html"}}, pdf});
  }

  TestResponse feed() {
    const char* items[] = {"/actualites/convention.html", "/actualites/fete.html",
                           "/actualites/stable.html",     "/private/secret.html",
                           "/actualites/missing.html",    "/actualites/flaky.html",
                           "/actualites/busy.html",       "/actualites/slow.html",
                           "/actualites/huge.html",       "/actualites/loop.html"};
    std::string body =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel>"
        "<title>Préfecture — actualités</title><link>" + server.origin() + "/</link>"
        "<lastBuildDate>version " + std::to_string(feed_version.load()) + "</lastBuildDate>";
    for (const char* item : items) {
      body += "<item><title>Article</title><link>" + server.origin() + item + "</link></item>";
    }
    body += "</channel></rss>";
    return TestResponse{200, {{"Content-Type", "application/rss+xml"}}, body};
  }

  // The job harvesting the site: the feed, the paginated listing, linked documents.
  JobConfig job(std::string name = "site") const {
    using namespace std::chrono_literals;
    JobConfig j;
    j.name = std::move(name);
    j.connector = "press_releases";
    j.config["feeds"] = boost::json::array{boost::json::value(server.url("/rss.xml"))};
    j.config["listing_pages"] = boost::json::array{boost::json::value(server.url("/actualites"))};
    j.config["include_linked_documents"] = true;
    j.fetch.per_host_min_delay = 0ms;
    j.fetch.max_concurrent_per_host = 4;
    j.fetch.total_timeout = 1000ms;
    j.fetch.connect_timeout = 1000ms;
    j.fetch.max_body_bytes = 500'000;
    j.fetch.max_redirects = 3;
    j.fetch.max_attempts = 3;
    j.fetch.backoff_base = 10ms;
    j.fetch.backoff_max = 50ms;
    j.fetch.max_retry_after = 5000ms;
    j.fetch.max_attempts = 2;
    j.max_in_flight = 4;
    return j;
  }
};

}  // namespace conventiond::test
