// libFuzzer target for the webhook URL checks (include/conventiond/publish/webhook_url.hpp).
// Input: a URL. parse_webhook_url() and check_webhook_url() with private targets allowed (no
// name resolution), and is_forbidden_webhook_address() on the input and on the parsed host.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <conventiond/publish/webhook_url.hpp>

namespace {

bool is_invalid_error(const conventiond::Error& e) {
  // The URL is shown cut to 200 bytes and a refused scheme to 16: errors stay short.
  return e.code == "invalid" && e.message.rfind("webhook url '", 0) == 0 &&
         e.message.size() < 600;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view url(reinterpret_cast<const char*>(data), size);

  const auto target = conventiond::parse_webhook_url(url);
  if (target) {
    const conventiond::WebhookTarget& t = *target;
    if (url.size() > 2048) std::abort();
    if (t.scheme != "http" && t.scheme != "https") std::abort();
    if (t.host.empty() || t.host.find('\0') != std::string::npos) std::abort();
    for (char c : t.host)
      if (c >= 'A' && c <= 'Z') std::abort();  // lower case
    // The port as written (leading zeros allowed: "0080" is 80), 1 to 65535.
    if (t.port.empty()) std::abort();
    long port = 0;
    for (char c : t.port) {
      if (c < '0' || c > '9') std::abort();
      port = port * 10 + (c - '0');
      if (port > 65535) std::abort();
    }
    if (port < 1 || port > 65535) std::abort();
    // The same answer twice.
    const auto again = conventiond::parse_webhook_url(url);
    if (!again || again->scheme != t.scheme || again->host != t.host || again->port != t.port)
      std::abort();
    (void)conventiond::is_forbidden_webhook_address(t.host);
  } else if (!is_invalid_error(target.error())) {
    std::abort();
  }

  // With private targets allowed the check is the parse: no resolution.
  const conventiond::Status checked = conventiond::check_webhook_url(url, true);
  if (checked.ok() != target.ok()) std::abort();
  if (!checked.ok() && !is_invalid_error(checked.error())) std::abort();

  // An address: deterministic; the loopback literals are always forbidden.
  const bool forbidden = conventiond::is_forbidden_webhook_address(url);
  if (conventiond::is_forbidden_webhook_address(url) != forbidden) std::abort();
  if ((url == "127.0.0.1" || url == "::1" || url.empty()) && !forbidden) std::abort();
  // The range named is given exactly when the address is forbidden.
  if (conventiond::forbidden_webhook_range(url).empty() == forbidden) std::abort();
  return 0;
}
