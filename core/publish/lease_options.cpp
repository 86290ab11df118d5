#include <conventiond/publish/lease_options.hpp>

#include <unistd.h>

#include <array>
#include <cstdio>
#include <random>

namespace conventiond {

std::string LeaseOptions::default_lease_owner_name() {
  std::array<char, 256> host{};
  if (gethostname(host.data(), host.size() - 1) != 0) host[0] = '\0';
  std::random_device rd;
  std::array<char, 16> suffix{};
  std::snprintf(suffix.data(), suffix.size(), "%08x", static_cast<unsigned>(rd()));
  return std::string(host[0] != '\0' ? host.data() : "localhost") + ":" +
         std::to_string(static_cast<long long>(getpid())) + ":" + suffix.data();
}

}  // namespace conventiond
