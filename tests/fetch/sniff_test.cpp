#include <catch2/catch.hpp>

#include <string>

#include <conventiond/fetch/sniff.hpp>

using conventiond::sniff_bytes;
using conventiond::sniff_media_type;

TEST_CASE("sniff: a PDF served as text/html is a PDF", "[sniff]") {
  CHECK(sniff_media_type("%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj", "text/html; charset=utf-8") ==
        "application/pdf");
  CHECK(sniff_media_type("\r\n%PDF-1.4 junk before", "text/html") == "application/pdf");
}

TEST_CASE("sniff: HTML that mentions %PDF- stays HTML", "[sniff]") {
  CHECK(sniff_media_type("<html><body>%PDF-1.4 is a header</body></html>", "text/html") ==
        "text/html");
}

TEST_CASE("sniff: the header is trusted when the bytes prove nothing", "[sniff]") {
  CHECK(sniff_media_type("a,b\n1,2\n", "text/csv; charset=utf-8") == "text/csv");
  CHECK(sniff_media_type("{\"a\":1}", "Application/JSON") == "application/json");
  CHECK(sniff_media_type("???", "") == "application/octet-stream");
}

TEST_CASE("sniff: generic headers are refined", "[sniff]") {
  CHECK(sniff_media_type("<?xml version=\"1.0\"?><rss version=\"2.0\">", "text/xml") ==
        "application/rss+xml");
  CHECK(sniff_media_type("<?xml version=\"1.0\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">",
                         "application/octet-stream") == "application/atom+xml");
  CHECK(sniff_media_type("  <!DOCTYPE html><html>", "") == "text/html");
  CHECK(sniff_media_type("<urlset xmlns=\"x\">", "text/plain") == "application/xml");
}

TEST_CASE("sniff: binary signatures", "[sniff]") {
  CHECK(sniff_bytes("\x89PNG\r\n\x1a\n....") == "image/png");
  CHECK(sniff_bytes(std::string("PK\x03\x04rest", 8)) == "application/zip");
  CHECK(sniff_bytes("\x1F\x8B\x08") == "application/gzip");
  CHECK(sniff_bytes("plain words").empty());
  CHECK(conventiond::media_type_of(" Text/HTML ; charset=UTF-8") == "text/html");
}
