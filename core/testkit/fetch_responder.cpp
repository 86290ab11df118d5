#include <conventiond/testkit/fetch_responder.hpp>

#include <cctype>
#include <memory>
#include <optional>
#include <utility>

#include <conventiond/extract/content_hash.hpp>

namespace conventiond::testkit {

Responder fetch_responder(boost::asio::io_context& io, Fetcher& fetcher, ReplayRecorder* recorder,
                          std::function<void(const Error&)> on_error) {
  return [&io, &fetcher, recorder,
          on_error = std::move(on_error)](const sdk::Request& r) -> Result<sdk::Response> {
    std::string method = r.method.empty() ? std::string("GET") : r.method;
    for (char& c : method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    FetchRequest fr(r.url, method == "POST"   ? HttpMethod::post
                           : method == "HEAD" ? HttpMethod::head
                                              : HttpMethod::get);
    fr.headers = r.headers;
    fr.body = r.body;
    fr.user_agent_note = r.user_agent_note;
    // Shared with the callback: were the io_context to run dry before it is called, a later
    // call would not write into this frame.
    auto result = std::make_shared<std::optional<FetchResult>>();
    fetcher.fetch(std::move(fr), [result](FetchResult fetched) { *result = std::move(fetched); });
    io.restart();
    while (!*result && io.run_one() > 0) {
    }
    if (!*result) {
      return Error::make(fetch_error::cancelled, "the fetch of " + r.url + " never completed");
    }
    const FetchResult& got = **result;
    if (recorder != nullptr && got.status != 0) {
      SavedResponse s;
      s.method = method;
      s.url = r.url;
      if (!r.body.empty()) s.request_body_sha256 = sha256_hex(r.body);
      s.status = got.status;
      s.headers = got.headers;
      s.body = got.body;
      s.final_url = got.final_url;
      if (Status st = recorder->add(std::move(s)); !st && on_error) on_error(st.error());
    }
    if (got.error && got.status == 0) return *got.error;
    return sdk::Response{
        got.final_url.empty() ? got.url : got.final_url, got.status, got.headers, got.body, {}};
  };
}

}  // namespace conventiond::testkit
