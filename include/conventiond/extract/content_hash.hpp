#pragma once
// The SHA-256 the project hashes with (documents' content hashes, the harvest's change
// detection, the test kit's replay files), from libmd: one implementation for all of them.
#include <string>
#include <string_view>

namespace conventiond {

// The 64 lower-case hex digits of the SHA-256 of `bytes`.
std::string sha256_hex(std::string_view bytes);

}  // namespace conventiond
