// libFuzzer target for the OpenDataSoft feed: the Explore API v2.1 and v1 pages and the CSV
// exports, parsed and mapped to indicators by connectors/common/opendatasoft.hpp with the RSA
// mapping. Input: the first byte picks the kind of answer (v2.1 page, v1 page, CSV), the rest
// is the body.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "../connectors/common/opendatasoft.hpp"

namespace feeds = conventiond::feeds;
namespace sdk = conventiond::sdk;

namespace {

struct Counts {
  std::size_t messages = 0;  // all valid protocol messages (checked as they come)
};

void count(void* ctx, const char* data, std::size_t len) noexcept {
  // Every message the feed emits must be valid JSON of the protocol.
  try {
    (void)sdk::message_from_json(std::string_view(data, len));
  } catch (...) {
    std::abort();
  }
  ++static_cast<Counts*>(ctx)->messages;
}

feeds::OdsFeed make_feed() {
  feeds::DatasetSpec d;
  d.departement_field = "numdep";
  d.period_field = "dtreffre";
  d.values = {{"indfoy_rsa", "caf.foyers_rsa", "foyers", "counts rounded to 5"},
              {"indnbp_rsa", "caf.personnes_{nomdep}", "personnes", ""}};
  d.filters = {{"type", {"RSA", "rsa"}}};
  d.not_departement = {"Total France"};
  d.key = "rsa";
  d.dataset = "rsa";
  feeds::FeedSettings s;
  s.connector = "fuzz";
  s.base_url = "http://127.0.0.1";
  s.page_size = 2;
  s.max_records = 10;
  return feeds::OdsFeed(s, {d});
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static const feeds::OdsFeed feed = make_feed();
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  const char* metas[] = {
      R"({"feed":"ods","dataset":"rsa","api":"v2.1","offset":0,"limit":2,"total":-1})",
      R"({"feed":"ods","dataset":"rsa","api":"v2.1","offset":2,"limit":2,"total":5})",
      R"({"feed":"ods","dataset":"rsa","api":"v1","offset":0,"limit":2,"total":-1})",
      R"({"feed":"ods","dataset":"rsa","api":"export"})"};
  const sdk::Response response{"http://127.0.0.1/page", 200, {}, std::string(body),
                               metas[data[0] % 4]};
  Counts counts;
  sdk::Context ctx(nullptr, &count, &counts);
  feed.parse(response, ctx);
  (void)feeds::parse_records_v21(body);
  (void)feeds::parse_records_v1(body);
  return 0;
}
