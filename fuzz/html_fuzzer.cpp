// libFuzzer target: parse_html on arbitrary bytes with small limits. The first byte picks a
// Content-Type header so that the encoding sniffing paths are fuzzed too.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <conventiond/extract/encoding.hpp>
#include <conventiond/extract/html_document.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static constexpr std::string_view kContentTypes[] = {"",
                                                       "text/html; charset=utf-8",
                                                       "text/html; charset=ISO-8859-1",
                                                       "text/html; charset=utf-16",
                                                       "text/html; charset=\"latin9\"",
                                                       "text/html;charset=",
                                                       "text/html; charset=x-unknown"};
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  std::string_view content_type;
  if (!bytes.empty()) {
    content_type = kContentTypes[static_cast<unsigned char>(bytes[0]) % std::size(kContentTypes)];
    bytes.remove_prefix(1);
  }
  conventiond::ExtractLimits limits;
  limits.max_input_bytes = 1u << 20;
  limits.max_text_bytes = 256u * 1024u;
  limits.max_html_depth = 200;
  limits.max_html_elements = 50000;
  limits.max_time = std::chrono::milliseconds(5000);
  auto r = conventiond::parse_html(bytes, content_type, "fuzz.html", limits);
  if (r.ok()) {
    // every block is valid UTF-8 and plain_text() works
    for (const auto& b : r->blocks) {
      if (!conventiond::is_valid_utf8(b.text)) __builtin_trap();
    }
    (void)r->plain_text();
  }
  return 0;
}
