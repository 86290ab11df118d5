#include <conventiond/publish/webhook_url.hpp>

#include <netdb.h>
#include <sys/socket.h>

#include <array>
#include <cctype>
#include <charconv>
#include <memory>

#include <boost/asio/ip/address.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

namespace conventiond {

namespace {

namespace ip = boost::asio::ip;

constexpr std::size_t kMaxUrlBytes = 2048;

// The URL for messages: cut, without control characters.
std::string shown(std::string_view url) {
  std::string out;
  for (char c : url.substr(0, 200)) {
    const auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u == 0x7f) ? '?' : c;
  }
  if (url.size() > 200) out += "...";
  return out;
}

// Which range makes an IPv4 address forbidden (nullptr when it is a public address).
const char* forbidden_v4_range(std::uint32_t v) {
  struct Range {
    std::uint32_t net;
    int bits;
    const char* name;
  };
  // RFC 6890 and the IANA IPv4 special-purpose address registry.
  static constexpr Range kRanges[] = {
      {0x00000000u, 8, "0.0.0.0/8 (this network, unspecified)"},
      {0x0a000000u, 8, "10.0.0.0/8 (private)"},
      {0x64400000u, 10, "100.64.0.0/10 (shared address space, carrier-grade NAT)"},
      {0x7f000000u, 8, "127.0.0.0/8 (loopback)"},
      {0xa9fe0000u, 16, "169.254.0.0/16 (link-local, cloud metadata)"},
      {0xac100000u, 12, "172.16.0.0/12 (private)"},
      {0xc0000000u, 24, "192.0.0.0/24 (IETF protocol assignments)"},
      {0xc0000200u, 24, "192.0.2.0/24 (documentation)"},
      {0xc0586300u, 24, "192.88.99.0/24 (6to4 relay anycast)"},
      {0xc0a80000u, 16, "192.168.0.0/16 (private)"},
      {0xc6120000u, 15, "198.18.0.0/15 (benchmarking)"},
      {0xc6336400u, 24, "198.51.100.0/24 (documentation)"},
      {0xcb007100u, 24, "203.0.113.0/24 (documentation)"},
      {0xe0000000u, 4, "224.0.0.0/4 (multicast)"},
      {0xffffffffu, 32, "255.255.255.255 (broadcast)"},
      {0xf0000000u, 4, "240.0.0.0/4 (reserved)"},
  };
  for (const Range& r : kRanges) {
    const std::uint32_t mask = ~std::uint32_t{0} << (32 - r.bits);
    if ((v & mask) == r.net) return r.name;
  }
  return nullptr;
}

std::string v4_text(std::uint32_t v) { return ip::address_v4(v).to_string(); }

std::uint32_t v4_at(const ip::address_v6::bytes_type& b, std::size_t at) {
  return (std::uint32_t{b[at]} << 24) | (std::uint32_t{b[at + 1]} << 16) |
         (std::uint32_t{b[at + 2]} << 8) | std::uint32_t{b[at + 3]};
}

bool zeros(const ip::address_v6::bytes_type& b, std::size_t from, std::size_t to) {
  for (std::size_t i = from; i < to; ++i)
    if (b[i] != 0) return false;
  return true;
}

// The special range an IPv6 address is in ("" for a global unicast address). Where a range
// embeds an IPv4 address that the packets really go to (IPv4-mapped, NAT64, 6to4), that
// address decides.
std::string forbidden_v6_range(const ip::address_v6& a) {
  const auto b = a.to_bytes();
  auto embedded = [&](std::size_t at, const char* range) -> std::string {
    const std::uint32_t v4 = v4_at(b, at);
    if (const char* why = forbidden_v4_range(v4))
      return std::string(range) + " embedding " + v4_text(v4) + ", " + why;
    return {};
  };
  if (zeros(b, 0, 12)) {
    if (zeros(b, 12, 15) && b[15] == 0) return "::/128 (unspecified)";
    if (zeros(b, 12, 15) && b[15] == 1) return "::1/128 (loopback)";
    return "::/96 (IPv4-compatible, deprecated)";
  }
  if (zeros(b, 0, 10) && b[10] == 0xff && b[11] == 0xff)
    return embedded(12, "::ffff:0:0/96 (IPv4-mapped)");
  if (zeros(b, 0, 8) && b[8] == 0xff && b[9] == 0xff && b[10] == 0 && b[11] == 0)
    return "::ffff:0:0:0/96 (IPv4-translated)";
  if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b) {
    if (zeros(b, 4, 12)) return embedded(12, "64:ff9b::/96 (NAT64)");
    if (b[4] == 0x00 && b[5] == 0x01) return "64:ff9b:1::/48 (local-use NAT64)";
  }
  if (b[0] == 0x01 && b[1] == 0x00 && zeros(b, 2, 8)) return "100::/64 (discard-only)";
  if (b[0] == 0x20 && b[1] == 0x01) {
    if ((b[2] & 0xfe) == 0)
      return "2001::/23 (IETF protocol assignments: Teredo, benchmarking, ORCHID)";
    if (b[2] == 0x0d && b[3] == 0xb8) return "2001:db8::/32 (documentation)";
  }
  if (b[0] == 0x20 && b[1] == 0x02) return embedded(2, "2002::/16 (6to4)");
  if (b[0] == 0x3f && b[1] == 0xff && (b[2] & 0xf0) == 0) return "3fff::/20 (documentation)";
  if ((b[0] & 0xfe) == 0xfc) return "fc00::/7 (unique local)";
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return "fe80::/10 (link-local)";
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) return "fec0::/10 (site-local, deprecated)";
  if (b[0] == 0xff) return "ff00::/8 (multicast)";
  if ((b[0] & 0xe0) != 0x20) return "outside 2000::/3 (reserved, not global unicast)";
  return {};
}

std::string forbidden_range(const ip::address& a) {
  if (a.is_v4()) {
    const char* why = forbidden_v4_range(a.to_v4().to_uint());
    return why != nullptr ? why : "";
  }
  return forbidden_v6_range(a.to_v6());
}

struct AddrInfoFree {
  void operator()(addrinfo* a) const noexcept { freeaddrinfo(a); }
};

}  // namespace

Result<WebhookTarget> parse_webhook_url(std::string_view url) {
  auto invalid = [&](const std::string& problem) {
    return Error::make("invalid", "webhook url '" + shown(url) + "': " + problem);
  };
  if (url.empty()) return invalid("empty");
  if (url.size() > kMaxUrlBytes)
    return invalid("longer than " + std::to_string(kMaxUrlBytes) + " bytes");
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) return invalid("not an absolute URL (" + parsed.error().message() + ")");
  const boost::urls::url_view& u = *parsed;
  WebhookTarget t;
  for (char c : u.scheme()) t.scheme += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (t.scheme != "http" && t.scheme != "https")
    return invalid("scheme '" + t.scheme.substr(0, 16) + (t.scheme.size() > 16 ? "..." : "") + "' is not http or https");
  if (!u.has_authority() || u.encoded_host().empty()) return invalid("no host");
  std::string host = u.host_address();  // IPv6 without brackets, percent-decoded
  if (host.empty() || host.find('\0') != std::string::npos) return invalid("no host");
  for (char& c : host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  t.host = std::move(host);
  // After an authority the path is empty or absolute (Boost.URL 1.81 reads "host:8x/" as
  // port "8" and path "x/").
  if (!u.encoded_path().empty() && u.encoded_path().front() != '/')
    return invalid("malformed authority (host and port)");
  // The port as written in the authority (Boost.URL 1.81 reads "host:8x" as port "8").
  std::string_view authority = u.encoded_authority();
  if (const auto at = authority.rfind('@'); at != std::string_view::npos)
    authority.remove_prefix(at + 1);
  std::string_view port;
  const auto close = authority.rfind(']');
  const auto colon = authority.rfind(':');
  if (colon != std::string_view::npos && (close == std::string_view::npos || colon > close))
    port = authority.substr(colon + 1);
  if (!port.empty()) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535)
      return invalid("port '" + std::string(port.substr(0, 16)) + "' is not 1-65535");
    t.port = std::string(port);
  } else {
    t.port = t.scheme == "https" ? "443" : "80";
  }
  return t;
}

std::string forbidden_webhook_range(std::string_view text) {
  if (const auto pct = text.find('%'); pct != std::string_view::npos)
    text = text.substr(0, pct);  // an IPv6 zone
  boost::system::error_code ec;
  const ip::address a = ip::make_address(std::string(text), ec);
  if (ec) return "not an IP address";
  return forbidden_range(a);
}

bool is_forbidden_webhook_address(std::string_view text) {
  return !forbidden_webhook_range(text).empty();
}

Status check_webhook_url(std::string_view url, bool allow_private_targets) {
  auto target = parse_webhook_url(url);
  if (!target) return target.error();
  if (allow_private_targets) return Status::success();
  const std::string what = "webhook url '" + shown(url) + "'";
  boost::system::error_code ec;
  const ip::address literal = ip::make_address(target->host, ec);
  if (!ec) {
    if (const std::string why = forbidden_range(literal); !why.empty())
      return Error::make("forbidden", what + ": " + target->host + " is in " + why);
    return Status::success();
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* raw = nullptr;
  const int rc = getaddrinfo(target->host.c_str(), target->port.c_str(), &hints, &raw);
  std::unique_ptr<addrinfo, AddrInfoFree> list(raw);
  if (rc != 0 || raw == nullptr) {
    return Error::make("invalid", what + ": host '" + target->host +
                                      "' does not resolve (" + gai_strerror(rc) + ")");
  }
  for (const addrinfo* a = raw; a != nullptr; a = a->ai_next) {
    std::array<char, NI_MAXHOST> text{};
    if (getnameinfo(a->ai_addr, a->ai_addrlen, text.data(), static_cast<socklen_t>(text.size()),
                    nullptr, 0, NI_NUMERICHOST) != 0)
      continue;
    std::string_view address(text.data());
    if (const auto pct = address.find('%'); pct != std::string_view::npos)
      address = address.substr(0, pct);  // an IPv6 zone
    if (const std::string why = forbidden_webhook_range(address); !why.empty()) {
      return Error::make("forbidden", what + ": host '" + target->host + "' resolves to " +
                                          std::string(address) + ", in " + why);
    }
  }
  return Status::success();
}

}  // namespace conventiond
