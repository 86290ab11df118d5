// Fuzzes the daemon's config file and job files (TOML, validated as a whole), and the
// schedule notations inside them (durations, cron). Every input must give a config or a
// "config" error naming the file; never a crash, a hang or an exception.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <conventiond/config/daemon_config.hpp>
#include <conventiond/config/schedule.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto cfg = conventiond::parse_daemon_config(text, "fuzz.toml", "/tmp");
  if (!cfg && cfg.error().message.rfind("fuzz.toml", 0) != 0) __builtin_trap();
  auto job = conventiond::parse_job_file(text, "job.toml", conventiond::FetchPolicy{});
  if (!job && job.error().message.rfind("job.toml", 0) != 0) __builtin_trap();
  if (size < 300) {
    (void)conventiond::parse_duration(text);
    if (auto cron = conventiond::CronExpression::parse(text)) {
      (void)cron->next_after(std::chrono::sys_seconds(std::chrono::seconds(1'800'000'000)));
    }
  }
  return 0;
}
