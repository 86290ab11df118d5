#include <catch2/catch.hpp>

#include <string>

#include <boost/json/parse.hpp>

#include <conventiond/publish/change_event_json.hpp>
#include <conventiond/publish/event_filter.hpp>

using namespace conventiond;

TEST_CASE("change event JSON: every field, the record verbatim, strings escaped", "[publish]") {
  ChangeEvent e{12, "updated", "pauvrete-67", "67", 3, "{\"id\":\"pauvrete-67\",\"n\":1.50}",
                "2025-01-02T03:04:05Z"};
  CHECK(change_event_json(e) ==
        "{\"seq\":12,\"kind\":\"updated\",\"convention_id\":\"pauvrete-67\",\"departement\":"
        "\"67\",\"revision\":3,\"created_at\":\"2025-01-02T03:04:05Z\",\"record\":{\"id\":"
        "\"pauvrete-67\",\"n\":1.50}}");
  ChangeEvent odd{1, "created", "a\"b\\c\n\x01", "2A", 0, "", ""};
  const std::string text = change_event_json(odd);
  auto v = boost::json::parse(text);
  CHECK(v.at("convention_id").as_string() == "a\"b\\c\n\x01");
  CHECK(v.at("record").is_null());
  CHECK(change_events_json_array({}) == "[]");
  auto arr = boost::json::parse(change_events_json_array({e, odd}));
  REQUIRE(arr.as_array().size() == 2);
  CHECK(arr.as_array()[1].at("seq").as_int64() == 1);
  // An update says what changed, with the previous values; only when the store recorded it.
  ChangeEvent changed = e;
  changed.changes_json = R"([{"field":"signed_on","previous":"2019-06-27"}])";
  CHECK(change_event_json(changed).ends_with(R"("record":{"id":"pauvrete-67","n":1.50},"changed":[{"field":"signed_on","previous":"2019-06-27"}]})"));
  ChangeEvent created = changed;
  created.kind = "created";
  CHECK(change_event_json(created).find("changed") == std::string::npos);
}

TEST_CASE("event filter: departements and kinds, empty lists take everything", "[publish]") {
  ChangeEvent e{1, "updated", "x", "67", 1, "{}", ""};
  CHECK(filter_accepts({}, e));
  CHECK(filter_accepts({{"67", "13"}, {}}, e));
  CHECK_FALSE(filter_accepts({{"13"}, {}}, e));
  CHECK(filter_accepts({{}, {"updated"}}, e));
  CHECK_FALSE(filter_accepts({{}, {"created", "indicators_updated"}}, e));
  CHECK_FALSE(filter_accepts({{"67"}, {"created"}}, e));
}
