#pragma once
// Helpers shared by the plugin host tests.

#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <unistd.h>

#include <conventiond/sdk/messages.hpp>

namespace conventiond::test {

namespace fs = std::filesystem;

// A fresh directory, removed (with its content) at the end of the test.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    std::random_device random;
    path_ =
        fs::temp_directory_path() / ("conventiond-test-" + std::to_string(::getpid()) + "-" +
                                     std::to_string(counter++) + "-" + std::to_string(random()));
    fs::create_directories(path_);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }

  const fs::path& path() const { return path_; }

  // Copies a plugin of the test plugin directory here.
  fs::path add_test_plugin(std::string_view file_name) const {
    const fs::path to = path_ / file_name;
    fs::copy_file(fs::path(CONVENTIOND_TEST_PLUGIN_DIR) / file_name, to);
    return to;
  }

  fs::path write(std::string_view file_name, std::string_view text) const {
    const fs::path to = path_ / file_name;
    std::ofstream(to, std::ios::binary) << text;
    return to;
  }

 private:
  fs::path path_;
};

inline std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The messages of one kind among those a plugin emitted.
template <class T>
std::vector<T> only(const std::vector<sdk::Message>& messages) {
  std::vector<T> out;
  for (const auto& m : messages) {
    if (const T* t = std::get_if<T>(&m)) out.push_back(*t);
  }
  return out;
}

// The URLs of the requests among messages.
inline std::vector<std::string> request_urls(const std::vector<sdk::Message>& messages) {
  std::vector<std::string> urls;
  for (const auto& r : only<sdk::Request>(messages)) urls.push_back(r.url);
  return urls;
}

}  // namespace conventiond::test
