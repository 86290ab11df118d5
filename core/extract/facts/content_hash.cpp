#include "facts/content_hash.hpp"

#include "document/text_util.hpp"

#include <conventiond/extract/content_hash.hpp>

namespace conventiond::extract_detail {

std::string sha256_hash(std::string_view bytes) { return document_detail::sha256_hex(bytes); }

}  // namespace conventiond::extract_detail

namespace conventiond {

std::string sha256_hex(std::string_view bytes) {
  return document_detail::sha256_hex(bytes).substr(7);  // without "sha256:"
}

}  // namespace conventiond
