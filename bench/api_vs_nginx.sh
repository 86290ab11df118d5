#!/usr/bin/env bash
# The API beside nginx serving the very same JSON bytes from files (docs/benchmarks.md).
#
#   bash bench/api_vs_nginx.sh [BUILD_DIR] [CONVENTIONS]      # default build-release, 101
#
# Needs wrk and nginx (Debian: apt-get install wrk nginx-light; scripts/setup-deps.sh
# installs them). Runs `api_bench serve` (a daemon on SQLite with CONVENTIONS records), an
# nginx on a private config and prefix, then `wrk -t2 -c64 -d10s --latency` against:
# GET /v1/conventions?limit=50, GET /v1/conventions/{id}, /healthz, and the same bytes from
# nginx; last, one client looping on GET /v1/conventions?limit=500&sort=-signed_on (the
# heaviest uncached-looking query; it is memoised too) while 63 others read records.
set -euo pipefail
BUILD=${1:-build-release}
N=${2:-101}
DURATION=${DURATION:-10s}
DIR=$(mktemp -d /tmp/api-vs-nginx.XXXXXX)
# nginx's workers run as another user (nobody when started as root): mktemp's 0700 would make
# every nginx answer a fast 403, which is what earlier figures here measured by mistake.
chmod 755 "$DIR"
cleanup() {
  [[ -n "${API_PID:-}" ]] && kill "$API_PID" 2>/dev/null || true
  [[ -f "$DIR/nginx.pid" ]] && kill "$(cat "$DIR/nginx.pid")" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$DIR"
}
trap cleanup EXIT
command -v wrk >/dev/null || { echo "wrk is missing (apt-get install wrk)"; exit 2; }
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[[ -x "$NGINX" ]] || { echo "nginx is missing (apt-get install nginx-light)"; exit 2; }

"$BUILD/bench/api_bench" serve --conventions "$N" --dir "$DIR" >"$DIR/api.log" 2>&1 &
API_PID=$!
for _ in $(seq 1 600); do [[ -s "$DIR/port" ]] && break; sleep 0.1; done
[[ -s "$DIR/port" ]] || { cat "$DIR/api.log"; exit 1; }
API="http://127.0.0.1:$(cat "$DIR/port")"

NGINX_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$DIR/nginx-tmp"
cat >"$DIR/nginx.conf" <<EOF
worker_processes 2;
pid $DIR/nginx.pid;
error_log $DIR/nginx-error.log;
daemon on;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $DIR/nginx-tmp;
  proxy_temp_path $DIR/nginx-tmp;
  fastcgi_temp_path $DIR/nginx-tmp;
  uwsgi_temp_path $DIR/nginx-tmp;
  scgi_temp_path $DIR/nginx-tmp;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    root $DIR/www;
    default_type application/json;
  }
}
EOF
"$NGINX" -c "$DIR/nginx.conf" -p "$DIR"
sleep 0.3
NG="http://127.0.0.1:$NGINX_PORT"
cmp <(curl -s "$API/v1/conventions?limit=50") "$DIR/www/list.json"
cmp <(curl -s "$API/v1/conventions/pauvrete-2019:67") "$DIR/www/one.json"
chmod -R a+rX "$DIR/www"
# Both servers must answer 200 with the very same bytes, or the comparison means nothing.
cmp <(curl -sf "$NG/list.json") "$DIR/www/list.json"
cmp <(curl -sf "$NG/one.json") "$DIR/www/one.json"
echo "conventions: $N; list page $(stat -c %s "$DIR/www/list.json") bytes, record $(stat -c %s "$DIR/www/one.json") bytes"

run() {  # name url
  local out
  out=$(wrk -t2 -c64 -d"$DURATION" --latency "$2")
  if grep -q "Non-2xx" <<<"$out"; then echo "$1: wrk saw non-2xx answers"; echo "$out"; exit 1; fi
  printf '%-34s %10s req/s  p50 %8s  p99 %8s\n' "$1" \
    "$(awk '/Requests\/sec/ {print $2}' <<<"$out")" \
    "$(awk '$1=="50%" {print $2}' <<<"$out")" "$(awk '$1=="99%" {print $2}' <<<"$out")"
}
run "api   GET /v1/conventions?limit=50" "$API/v1/conventions?limit=50"
run "nginx same bytes"                   "$NG/list.json"
run "api   GET /v1/conventions/{id}"     "$API/v1/conventions/pauvrete-2019:67"
run "nginx same bytes"                   "$NG/one.json"
run "api   GET /healthz"                 "$API/healthz"

# One client looping on the heaviest listing while 63 read records.
wrk -t1 -c1 -d"$DURATION" "$API/v1/conventions?limit=500&sort=-signed_on" >"$DIR/heavy.txt" &
HEAVY=$!
out=$(wrk -t2 -c63 -d"$DURATION" --latency "$API/v1/conventions/pauvrete-2019:67")
wait $HEAVY
printf '%-34s %10s req/s  p50 %8s  p99 %8s   (heavy loop: %s req/s)\n' "api   {id} beside a heavy loop" \
  "$(awk '/Requests\/sec/ {print $2}' <<<"$out")" \
  "$(awk '$1=="50%" {print $2}' <<<"$out")" "$(awk '$1=="99%" {print $2}' <<<"$out")" \
  "$(awk '/Requests\/sec/ {print $2}' "$DIR/heavy.txt")"
