#pragma once
// Which URLs a webhook subscription may target: http(s) only, and not an address inside the
// daemon's own network (loopback, private, link-local, unspecified, multicast) unless allowed,
// so that a subscriber cannot make the daemon POST to internal services.

#include <string>
#include <string_view>

#include <conventiond/result.hpp>

namespace conventiond {

struct WebhookTarget {
  std::string scheme;  // "http" or "https"
  std::string host;    // as written (brackets removed from an IPv6 literal), lower case
  std::string port;    // as written, or the scheme's default ("80", "443")
};

// Parses an absolute http(s) URL with a host. "invalid" naming the URL and the problem: not
// a URL, another scheme, no host, a port that is not 1-65535, longer than 2048 bytes.
Result<WebhookTarget> parse_webhook_url(std::string_view url);

// True for an IP literal (IPv4 dotted or IPv6) the daemon must not POST to: loopback
// (127/8, ::1), private (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7), link-local
// (169.254/16, fe80::/10), unspecified (0/8, ::), multicast and broadcast; IPv4-mapped IPv6
// addresses as their IPv4 address. Text that is not an IP literal is also true (refused).
bool is_forbidden_webhook_address(std::string_view ip);

// parse_webhook_url(), then (unless allow_private_targets) resolves the host — blocking, the
// system resolver — and refuses it ("forbidden") when any address it resolves to is
// forbidden, or ("invalid") when it does not resolve. The check is made when a subscription
// is created; deliveries do not follow redirects.
Status check_webhook_url(std::string_view url, bool allow_private_targets);

}  // namespace conventiond
