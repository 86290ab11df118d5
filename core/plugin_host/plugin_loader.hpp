#pragma once
// Loading one plugin file: open the library, find the entry symbol, check the ABI header,
// read and check the metadata. Each step's failure is one line saying what is wrong.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>

#include <conventiond/plugin_host/plugin_instance.hpp>
#include <conventiond/result.hpp>

namespace conventiond::plugin_loader {

// Oldest and newest ABI versions this host loads.
inline constexpr std::uint32_t kMinAbiVersion = 1;
inline constexpr std::uint32_t kMaxAbiVersion = CONVENTIOND_ABI_VERSION;

// Size of the ABI 1 cvd_plugin: everything up to and including deliver.
inline constexpr std::size_t kPluginSizeV1 = offsetof(cvd_plugin, deliver) + sizeof(void*);

// Size of the ABI 2 cvd_plugin: ABI 1 plus validate.
inline constexpr std::size_t kPluginSizeV2 = offsetof(cvd_plugin, validate) + sizeof(void*);

// The plugin's validate() (ABI 2), or nullptr when its version or struct_size does not cover
// it (ABI 1 plugins) or it is NULL. Never reads past the struct the plugin declared.
inline decltype(cvd_plugin::validate) validate_function(const cvd_plugin& plugin) {
  if (plugin.abi_version < 2 || plugin.struct_size < kPluginSizeV2) return nullptr;
  return plugin.validate;
}

// Keys a schema may declare (guards against a garbage count).
inline constexpr std::size_t kMaxConfigKeys = 1024;

Result<std::shared_ptr<const LoadedPlugin>> load(const std::filesystem::path& file);

}  // namespace conventiond::plugin_loader
