// Fuzzes the model's JSON readers (stored records, API bodies): parse then read as each type.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <conventiond/model/model_json.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto v = conventiond::parse_json(text);
  if (!v) return 0;
  (void)conventiond::convention_facts_from_json(*v);
  (void)conventiond::observation_from_json(*v);
  (void)conventiond::indicator_from_json(*v);
  if (auto c = conventiond::convention_from_json(*v)) {
    // a record read back must write and read again to the same value
    auto again = conventiond::convention_from_json(conventiond::to_json(*c));
    if (!again || !(*again == *c)) __builtin_trap();
  }
  return 0;
}
