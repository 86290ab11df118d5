#!/usr/bin/env bash
# Installs exactly the Debian 12 packages that conventiond's build, tests and demo need.
# Idempotent and quick when everything is present. Run as root (or with sudo available).
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git python3
  dpkg-dev                       # dpkg-shlibdeps, for cpack's .deb (also pulled by build-essential)
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libboost-program-options1.81-dev libboost-filesystem1.81-dev libboost-regex1.81-dev
  libcurl4-openssl-dev libssl-dev
  libpugixml-dev libgumbo-dev libpoppler-cpp-dev libpoppler-private-dev libmd-dev
  libsqlite3-dev libpq-dev
  libzip-dev                     # GET /v1/export's ZIP data package
  librdkafka-dev libtomlplusplus-dev catch2
)
# `--test`: what the tests, fuzzers and benchmarks need besides (scripts/test.sh passes it);
# the demo does not pull a PostgreSQL server, clang or a browser.
if [ "${1:-}" = "--test" ]; then
  PACKAGES+=(
    postgresql                     # the real server of the PostgreSQL tests (loopback)
    clang-14 libclang-rt-14-dev    # libFuzzer targets
    poppler-utils qpdf hyperfine wrk nginx-light  # benchmarks beside pdftotext and nginx
    chromium nodejs                # headless, for the console's browser tests (tests/console;
                                   # node drives it over the DevTools protocol, no npm package)
    systemd groff-base             # systemd-analyze verify of the unit; groff reads the man pages
    debootstrap                    # a fresh Debian 12 root to install the .deb into
  )
fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

echo "setup-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
