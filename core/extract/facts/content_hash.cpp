#include "facts/content_hash.hpp"

#include "document/text_util.hpp"

namespace conventiond::extract_detail {

std::string sha256_hash(std::string_view bytes) { return document_detail::sha256_hex(bytes); }

}  // namespace conventiond::extract_detail
