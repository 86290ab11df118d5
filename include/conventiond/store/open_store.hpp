#pragma once
// Opens the store a URL names: "sqlite:PATH" (or "sqlite://PATH") or a plain path -> SqliteStore;
// "postgresql://..." or "postgres://..." -> PostgresStore. Errors name the URL with its password
// masked: "invalid" (empty, or an unknown scheme), else the back end's own codes (store.hpp).

#include <memory>
#include <string>
#include <string_view>

#include <conventiond/result.hpp>
#include <conventiond/store/store.hpp>

namespace conventiond {

Result<std::unique_ptr<Store>> open_store(std::string_view url);

// The URL with any password replaced by "***" (user-info "user:pw@" and "password=" pairs),
// for logs and messages.
std::string redact_store_url(std::string_view url);

}  // namespace conventiond
