// Fuzzes what crosses the plugin boundary: the SDK's JSON parser and message reader. Both
// report bad input by throwing inside the SDK, which the SDK's boundary wrappers catch.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <conventiond/sdk/messages.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    (void)conventiond::sdk::json::parse(text);
  } catch (const std::exception&) {
  }
  try {
    (void)conventiond::sdk::message_from_json(text);
  } catch (const std::exception&) {
  }
  return 0;
}
