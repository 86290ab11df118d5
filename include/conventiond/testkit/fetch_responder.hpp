#pragma once
// The Responder of a live `conventiond connector test` run: each request through the host's
// Fetcher (robots.txt, limits, retries as in a harvest), one at a time, each answer saved in
// a ReplayRecorder when one is given (`--record DIR`).

#include <boost/asio/io_context.hpp>

#include <conventiond/fetch/fetcher.hpp>
#include <conventiond/testkit/connector_test.hpp>
#include <conventiond/testkit/replay.hpp>

namespace conventiond::testkit {

// io, fetcher and recorder must outlive the responder. A response the fetcher could not save
// (its recorder failed to write) is answered all the same; recorder errors go to on_error.
Responder fetch_responder(boost::asio::io_context& io, Fetcher& fetcher,
                          ReplayRecorder* recorder = nullptr,
                          std::function<void(const Error&)> on_error = {});

}  // namespace conventiond::testkit
