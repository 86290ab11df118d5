// See curl_multi.hpp.
#include "curl_multi.hpp"

#include <chrono>
#include <cstdio>
#include <mutex>
#include <stdexcept>
#include <utility>
#include <vector>

namespace conventiond::detail {
namespace asio = boost::asio;

namespace {

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      throw std::runtime_error("curl_global_init failed");
    }
  });
}

}  // namespace

CurlMulti::CurlMulti(asio::io_context& io, Done on_done)
    : io_(io), timer_(io), on_done_(std::move(on_done)) {
  global_init();
  multi_ = curl_multi_init();
  if (multi_ == nullptr) throw std::runtime_error("curl_multi_init failed");
  curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &CurlMulti::on_socket);
  curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &CurlMulti::on_timer);
  curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
}

CurlMulti::~CurlMulti() {
  // The owner removed its easy handles. Stop listening to curl, give the fds back (without
  // closing them: curl_multi_cleanup closes the cached connections itself).
  curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, nullptr);
  curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, nullptr);
  for (auto& [fd, w] : watches_) {
    w->removed = true;
    boost::system::error_code ignored;
    w->descriptor.cancel(ignored);
    (void)w->descriptor.release();
  }
  watches_.clear();
  timer_.cancel();
  curl_multi_cleanup(multi_);
}

CURLMcode CurlMulti::add(CURL* easy) { return curl_multi_add_handle(multi_, easy); }

void CurlMulti::remove(CURL* easy) { curl_multi_remove_handle(multi_, easy); }

int CurlMulti::on_socket(CURL* /*easy*/, curl_socket_t fd, int what, void* self,
                         void* /*socketp*/) {
  auto* m = static_cast<CurlMulti*>(self);
  if (what == CURL_POLL_REMOVE) {
    m->unwatch(fd);
  } else {
    m->watch(fd, what);
  }
  return 0;
}

int CurlMulti::on_timer(CURLM* /*multi*/, long timeout_ms, void* self) {
  auto* m = static_cast<CurlMulti*>(self);
  if (timeout_ms < 0) {
    m->timer_.cancel();
    return 0;
  }
  // Never call curl_multi_socket_action from inside a curl callback: wake up on the loop.
  m->timer_.expires_after(std::chrono::milliseconds(timeout_ms));
  m->timer_.async_wait([weak = m->weak_from_this()](const boost::system::error_code& ec) {
    if (ec == asio::error::operation_aborted) return;
    if (auto self_ptr = weak.lock()) self_ptr->action(CURL_SOCKET_TIMEOUT, 0);
  });
  return 0;
}

void CurlMulti::watch(curl_socket_t fd, int what) {
  std::shared_ptr<Watch> w;
  if (auto it = watches_.find(fd); it != watches_.end()) {
    w = it->second;
  } else {
    w = std::make_shared<Watch>(io_);
    boost::system::error_code ec;
    w->descriptor.assign(fd, ec);
    if (ec) {
      // Cannot watch it: curl's own timeouts will end the transfer.
      std::fprintf(stderr, "conventiond fetch: cannot watch socket %d: %s\n", fd,
                   ec.message().c_str());
      return;
    }
    watches_.emplace(fd, w);
  }
  w->what = what;
  arm(w, fd);
}

void CurlMulti::unwatch(curl_socket_t fd) {
  const auto it = watches_.find(fd);
  if (it == watches_.end()) return;
  const std::shared_ptr<Watch> w = std::move(it->second);
  watches_.erase(it);
  w->removed = true;
  boost::system::error_code ignored;
  w->descriptor.cancel(ignored);
  // Deregisters from the reactor and hands the fd back: curl closes it, not Asio.
  (void)w->descriptor.release();
}

void CurlMulti::arm(const std::shared_ptr<Watch>& w, curl_socket_t fd) {
  if (w->removed) return;
  const auto wait = [this, w, fd](asio::posix::descriptor_base::wait_type type, bool Watch::*busy,
                                  int wanted, int event) {
    w.get()->*busy = true;
    w->descriptor.async_wait(
        type, [weak = weak_from_this(), w, fd, busy, wanted, event](const boost::system::error_code& ec) {
          w.get()->*busy = false;
          if (ec == asio::error::operation_aborted || w->removed) return;
          const auto self = weak.lock();
          if (!self) return;
          if ((w->what & wanted) == 0) return;  // curl no longer wants this direction
          self->action(fd, ec ? CURL_CSELECT_ERR : event);
          self->arm(w, fd);
        });
  };
  if ((w->what & CURL_POLL_IN) != 0 && !w->reading) {
    wait(asio::posix::descriptor_base::wait_read, &Watch::reading, CURL_POLL_IN, CURL_CSELECT_IN);
  }
  if ((w->what & CURL_POLL_OUT) != 0 && !w->writing) {
    wait(asio::posix::descriptor_base::wait_write, &Watch::writing, CURL_POLL_OUT,
         CURL_CSELECT_OUT);
  }
}

void CurlMulti::action(curl_socket_t fd, int events) {
  int running = 0;
  curl_multi_socket_action(multi_, fd, events, &running);
  drain();
}

void CurlMulti::drain() {
  // Collect first: curl_multi_info_read's messages die with remove_handle, and Done may
  // add new transfers.
  std::vector<std::pair<CURL*, CURLcode>> finished;
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi_, &left)) {
    if (msg->msg == CURLMSG_DONE) finished.emplace_back(msg->easy_handle, msg->data.result);
  }
  for (auto& [easy, result] : finished) {
    curl_multi_remove_handle(multi_, easy);
    if (on_done_) on_done_(easy, result);
  }
}

}  // namespace conventiond::detail
