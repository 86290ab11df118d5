#pragma once
// `conventiond connector new NAME`: an out-of-tree connector project (CMakeLists.txt using the
// installed SDK, the connector's source, a README of its config keys, a job file and a replay
// folder), from the files of core/app/scaffold/files/ compiled in (scaffold/embed.cmake).

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

#include <conventiond/result.hpp>

namespace conventiond::app {

struct ScaffoldFile {
  const char* path;           // relative to the project folder
  const unsigned char* data;  // UTF-8, with @NAME@ and @CLASS@ placeholders
  std::size_t size;
};
extern const ScaffoldFile kScaffoldFiles[];
extern const std::size_t kScaffoldFileCount;

// "" when name is a valid plugin name ([a-z][a-z0-9_]*, at most 64 characters), else why not.
std::string connector_name_problem(std::string_view name);

// Writes the project into parent/NAME (which must not exist); the folder written.
Result<std::filesystem::path> write_connector_project(std::string_view name,
                                                      const std::filesystem::path& parent);

}  // namespace conventiond::app
