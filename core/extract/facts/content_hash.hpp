#pragma once
#include <string>
#include <string_view>
namespace conventiond::extract_detail {
// "sha256:<hex>" of the bytes.
std::string sha256_hash(std::string_view bytes);
}  // namespace conventiond::extract_detail
