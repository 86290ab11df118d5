#pragma once
// The signature of a webhook delivery (docs/webhooks.md):
//   X-Conventiond-Signature: v1=<hex HMAC-SHA256(secret, timestamp + "." + body)>
// where timestamp is the X-Conventiond-Timestamp header (Unix seconds, as sent). During a
// secret's rotation overlap the header holds one signature per secret, comma-separated:
//   X-Conventiond-Signature: v1=<with the new secret>,v1=<with the previous one>

#include <cstdint>
#include <string>
#include <string_view>

namespace conventiond {

// "v1=" followed by 64 lower-case hex digits.
std::string webhook_signature(std::string_view secret, std::string_view timestamp,
                              std::string_view body);

// Whether `header` (the X-Conventiond-Signature value) holds the signature of timestamp and
// body with secret, alone or among others separated by commas (spaces around them allowed);
// each compared in constant time. Anything malformed is false.
bool verify_webhook_signature(std::string_view secret, std::string_view timestamp,
                              std::string_view body, std::string_view header);

}  // namespace conventiond
