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

bool forbidden_v4(const ip::address_v4& a) {
  const std::uint32_t v = a.to_uint();
  auto in = [v](std::uint32_t net, int bits) {
    const std::uint32_t mask = bits == 0 ? 0u : ~std::uint32_t{0} << (32 - bits);
    return (v & mask) == net;
  };
  return in(0x00000000u, 8)       // 0/8: "this network", unspecified
         || in(0x7f000000u, 8)    // 127/8: loopback
         || in(0x0a000000u, 8)    // 10/8
         || in(0xac100000u, 12)   // 172.16/12
         || in(0xc0a80000u, 16)   // 192.168/16
         || in(0x64400000u, 10)   // 100.64/10: shared address space (carrier NAT)
         || in(0xa9fe0000u, 16)   // 169.254/16: link-local (cloud metadata services)
         || in(0xe0000000u, 4)    // 224/4: multicast
         || in(0xf0000000u, 4);   // 240/4: reserved, broadcast
}

bool forbidden(const ip::address& a) {
  if (a.is_v4()) return forbidden_v4(a.to_v4());
  const ip::address_v6 v6 = a.to_v6();
  if (v6.is_v4_mapped()) return forbidden_v4(ip::make_address_v4(ip::v4_mapped, v6));
  const auto b = v6.to_bytes();
  return v6.is_loopback() || v6.is_unspecified() || v6.is_multicast() ||
         (b[0] & 0xfe) == 0xfc                      // fc00::/7: unique local
         || (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)  // fe80::/10: link-local
         || (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0); // fec0::/10: site-local (deprecated)
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

bool is_forbidden_webhook_address(std::string_view text) {
  boost::system::error_code ec;
  const ip::address a = ip::make_address(std::string(text), ec);
  if (ec) return true;
  return forbidden(a);
}

Status check_webhook_url(std::string_view url, bool allow_private_targets) {
  auto target = parse_webhook_url(url);
  if (!target) return target.error();
  if (allow_private_targets) return Status::success();
  const std::string what = "webhook url '" + shown(url) + "'";
  boost::system::error_code ec;
  const ip::address literal = ip::make_address(target->host, ec);
  if (!ec) {
    if (forbidden(literal)) {
      return Error::make("forbidden", what + ": " + target->host +
                                          " is a loopback, private, link-local or unspecified "
                                          "address");
    }
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
    if (is_forbidden_webhook_address(address)) {
      return Error::make("forbidden", what + ": host '" + target->host + "' resolves to " +
                                          std::string(address) +
                                          ", a loopback, private, link-local or unspecified "
                                          "address");
    }
  }
  return Status::success();
}

}  // namespace conventiond
