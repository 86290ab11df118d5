#pragma once
// Base64 (RFC 4648, standard alphabet, padded): how raw bytes (response and document
// bodies) travel inside the JSON messages of the plugin ABI.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace conventiond::sdk::base64 {

namespace detail {
inline constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// 0..63 for an alphabet character, 64 otherwise.
inline constexpr std::array<std::uint8_t, 256> kDecodeTable = [] {
  std::array<std::uint8_t, 256> t{};
  t.fill(64);
  for (std::size_t i = 0; i < kAlphabet.size(); ++i) {
    t[static_cast<unsigned char>(kAlphabet[i])] = static_cast<std::uint8_t>(i);
  }
  return t;
}();
}  // namespace detail

inline std::string encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  auto byte = [&](std::size_t i) -> std::uint32_t {
    return i < bytes.size() ? static_cast<unsigned char>(bytes[i]) : 0u;
  };
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::uint32_t n = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
    const std::size_t available = bytes.size() - i;
    out.push_back(detail::kAlphabet[n >> 18 & 63]);
    out.push_back(detail::kAlphabet[n >> 12 & 63]);
    out.push_back(available > 1 ? detail::kAlphabet[n >> 6 & 63] : '=');
    out.push_back(available > 2 ? detail::kAlphabet[n & 63] : '=');
  }
  return out;
}

// The decoded bytes, or nullopt when text is not padded standard base64.
inline std::optional<std::string> decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    const bool pad3 = last && text[i + 3] == '=';
    const bool pad2 = last && text[i + 2] == '=';
    if (pad2 && !pad3) return std::nullopt;
    const std::size_t pad = pad2 ? 2 : pad3 ? 1 : 0;
    std::uint32_t n = 0;
    for (std::size_t k = 0; k < 4 - pad; ++k) {
      const std::uint8_t d = detail::kDecodeTable[static_cast<unsigned char>(text[i + k])];
      if (d == 64) return std::nullopt;
      n |= std::uint32_t{d} << (18 - 6 * k);
    }
    out.push_back(static_cast<char>(n >> 16 & 0xFF));
    if (pad < 2) out.push_back(static_cast<char>(n >> 8 & 0xFF));
    if (pad < 1) out.push_back(static_cast<char>(n & 0xFF));
  }
  return out;
}

}  // namespace conventiond::sdk::base64
