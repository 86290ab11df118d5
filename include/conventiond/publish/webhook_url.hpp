#pragma once
// Which URLs a webhook subscription may target: http(s) only, and not an address inside the
// daemon's own network or any special-purpose range (loopback, private, link-local, carrier
// NAT, unspecified, multicast, documentation, reserved) unless allowed, so that a subscriber
// cannot make the daemon POST to internal services.

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

// Why the daemon must not POST to IP literal `ip` (IPv4 dotted or IPv6, an IPv6 zone
// ignored): the special range it is in, e.g. "127.0.0.0/8 (loopback)"; "" for a public
// address. IPv4: 0/8, 10/8, 100.64/10 (carrier-grade NAT), 127/8, 169.254/16, 172.16/12,
// 192.0.0/24, 192.0.2/24, 192.88.99/24, 192.168/16, 198.18/15, 198.51.100/24, 203.0.113/24,
// 224/4, 240/4, 255.255.255.255. IPv6: ::/96 (unspecified, loopback, IPv4-compatible),
// ::ffff:0:0:0/96, 64:ff9b:1::/48, 100::/64, 2001::/23, 2001:db8::/32, 3fff::/20, fc00::/7,
// fe80::/10, fec0::/10, ff00::/8, anything outside 2000::/3; and by the IPv4 address they
// embed: ::ffff:0:0/96 (IPv4-mapped), 64:ff9b::/96 (NAT64), 2002::/16 (6to4). Text that is
// not an IP literal: "not an IP address".
std::string forbidden_webhook_range(std::string_view ip);

// !forbidden_webhook_range(ip).empty(): text that is not an IP literal is refused too.
bool is_forbidden_webhook_address(std::string_view ip);

// parse_webhook_url(), then (unless allow_private_targets) resolves the host — blocking, the
// system resolver — and refuses it ("forbidden") when any address it resolves to is
// forbidden, or ("invalid") when it does not resolve. The check is made when a subscription
// is created; deliveries do not follow redirects, and every address a delivery connects to
// is checked again at connect time (WebhookDispatcher), so a name that resolves elsewhere
// later (DNS rebinding) is refused too.
Status check_webhook_url(std::string_view url, bool allow_private_targets);

}  // namespace conventiond
