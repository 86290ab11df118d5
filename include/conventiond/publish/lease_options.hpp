#pragma once
// Several daemons on one database: a publisher given LeaseOptions delivers a subscription or a
// sink only while it holds the store's named lease for it ("webhook:<id>", "sink:<name>"),
// renewing it as it goes; a daemon that dies stops renewing and another takes over after ttl.

#include <chrono>
#include <string>

namespace conventiond {

struct LeaseOptions {
  std::string owner = default_lease_owner_name();  // unique per process
  std::chrono::milliseconds ttl{30'000};            // renewed every ttl / 3 while working

  // "<hostname>:<pid>:<8 random hex digits>".
  static std::string default_lease_owner_name();
};

}  // namespace conventiond
