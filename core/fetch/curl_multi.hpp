#pragma once
// libcurl's multi interface driven by an Asio io_context (private to the fetch library).
//
// curl tells us which sockets to watch (CURLMOPT_SOCKETFUNCTION) and when to wake it up
// (CURLMOPT_TIMERFUNCTION); we watch each socket with a posix::stream_descriptor wrapping
// curl's fd and call curl_multi_socket_action when it is ready or the timer fires. Nothing
// blocks the loop and there is no thread per transfer.
//
// Ownership of the fds: curl opens and closes them. A stream_descriptor only borrows one:
// on CURL_POLL_REMOVE (which curl sends before closing) we release() it, which deregisters
// the fd from the reactor and cancels pending waits without closing it. A wait handler keeps
// its Watch alive and checks `removed`, so a late completion never touches a reused fd
// number; handlers hold a weak_ptr to the CurlMulti, so none runs on a destroyed object.

#include <functional>
#include <memory>
#include <unordered_map>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <curl/curl.h>

namespace conventiond::detail {

class CurlMulti : public std::enable_shared_from_this<CurlMulti> {
 public:
  // Called from the loop for each finished transfer, after the easy handle was removed from
  // the multi handle (the caller owns and cleans it up).
  using Done = std::function<void(CURL* easy, CURLcode result)>;

  CurlMulti(boost::asio::io_context& io, Done on_done);
  ~CurlMulti();
  CurlMulti(const CurlMulti&) = delete;
  CurlMulti& operator=(const CurlMulti&) = delete;

  // Starts a transfer; the CURLcode of curl_multi_add_handle (CURLM_OK on success).
  CURLMcode add(CURL* easy);
  // Aborts a transfer without calling Done (the caller cleans the handle up).
  void remove(CURL* easy);
  // Sockets watched now (for tests and metrics).
  std::size_t watched_sockets() const noexcept { return watches_.size(); }

 private:
  struct Watch {
    explicit Watch(boost::asio::io_context& io) : descriptor(io) {}
    boost::asio::posix::stream_descriptor descriptor;
    int what = 0;  // CURL_POLL_IN / OUT / INOUT
    bool reading = false;
    bool writing = false;
    bool removed = false;
  };

  static int on_socket(CURL* easy, curl_socket_t fd, int what, void* self, void* socketp);
  static int on_timer(CURLM* multi, long timeout_ms, void* self);

  void watch(curl_socket_t fd, int what);
  void unwatch(curl_socket_t fd);
  void arm(const std::shared_ptr<Watch>& w, curl_socket_t fd);
  void action(curl_socket_t fd, int events);
  void drain();

  boost::asio::io_context& io_;
  CURLM* multi_ = nullptr;
  boost::asio::steady_timer timer_;
  std::unordered_map<curl_socket_t, std::shared_ptr<Watch>> watches_;
  Done on_done_;
};

}  // namespace conventiond::detail
