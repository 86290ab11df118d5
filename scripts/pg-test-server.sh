#!/usr/bin/env bash
# A private, throw-away PostgreSQL server for tests (never for production data).
#
#   scripts/pg-test-server.sh start DIR [OWNER_PID]   prints postgresql://USER@127.0.0.1:PORT/DB
#   scripts/pg-test-server.sh stop DIR                 stops it and removes DIR
#
# start: initdb into DIR/data (as the `postgres` user when run as root; DIR is then chowned to
# it), a unix socket directory of its own (DIR/sock), listening on 127.0.0.1 only, on a free
# port, fsync off, trust authentication (loopback only, a private cluster). Waits until the
# server answers (bounded), creates the database `conventiond_test`, then prints its URL on
# stdout and nothing else. Logs go to DIR/server.log. With OWNER_PID, a watchdog stops the
# server and removes DIR once that process is gone (a test killed by a timeout leaves nothing).
#
# Server binaries: $PG_BINDIR, else the newest /usr/lib/postgresql/*/bin, else initdb on PATH.
set -euo pipefail

die() { echo "pg-test-server: $*" >&2; exit 1; }

find_bindir() {
  if [ -n "${PG_BINDIR:-}" ]; then
    [ -x "$PG_BINDIR/initdb" ] || die "PG_BINDIR=$PG_BINDIR has no initdb"
    echo "$PG_BINDIR"; return
  fi
  local d best=""
  # Version directories sorted numerically, newest last.
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5,5n); do
    [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ] && best="$d"
  done
  if [ -z "$best" ] && command -v initdb >/dev/null 2>&1; then
    best=$(dirname "$(readlink -f "$(command -v initdb)")")
  fi
  [ -n "$best" ] || die "no PostgreSQL server binaries (initdb, pg_ctl, postgres) found; install the postgresql package (scripts/setup-deps.sh)"
  echo "$best"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Runs a command as the cluster's owner.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

stop_server() {
  local dir=$1 bindir
  if [ -f "$dir/data/postmaster.pid" ]; then
    bindir=$(cat "$dir/bindir" 2>/dev/null || find_bindir)
    if ! as_owner "$bindir/pg_ctl" stop -D "$dir/data" -m immediate -w -t 20 \
        >>"$dir/server.log" 2>&1; then
      # pg_ctl could not stop it: end the postmaster by its recorded pid.
      local pid
      pid=$(head -n 1 "$dir/data/postmaster.pid" 2>/dev/null || true)
      if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" 2>/dev/null || true; fi
    fi
  fi
}

cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || die "usage: $0 start|stop DIR [OWNER_PID]"

case "$cmd" in
  start)
    owner_pid=${3:-}
    command -v python3 >/dev/null 2>&1 || die "python3 is needed to pick a free port"
    bindir=$(find_bindir)
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    [ ! -e "$dir/data" ] || die "$dir/data already exists"
    user=$(id -un)
    if [ "$(id -u)" -eq 0 ]; then
      id postgres >/dev/null 2>&1 || die "running as root but there is no 'postgres' user"
      command -v runuser >/dev/null 2>&1 || die "running as root but runuser is missing"
      chown postgres: "$dir"
      user=postgres
      as_owner test -w "$dir" || die "the postgres user cannot write to $dir (check its parents' permissions)"
    fi
    chmod 700 "$dir"
    echo "$bindir" >"$dir/bindir"
    sock="$dir/sock"
    as_owner mkdir -p "$sock"
    # The socket path must fit in sun_path (107 bytes): DIR/sock/.s.PGSQL.NNNNN
    [ ${#sock} -le 90 ] || die "directory path too long for a unix socket: $sock"
    log="$dir/server.log"
    touch "$log"
    [ "$(id -u)" -ne 0 ] || chown postgres: "$log"

    if ! as_owner "$bindir/initdb" -D "$dir/data" -U "$user" --auth=trust -E UTF8 \
        --locale=C -N >>"$log" 2>&1; then
      tail -n 20 "$log" >&2
      die "initdb failed (log: $log)"
    fi
    cat >>"$dir/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$sock'
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 16MB
max_connections = 50
log_min_messages = warning
EOF

    started=""
    for attempt in 1 2 3; do
      port=$(free_port)
      if as_owner "$bindir/pg_ctl" start -D "$dir/data" -l "$log" -w -t 30 \
          -o "-p $port" >>"$log" 2>&1; then
        started=1
        break
      fi
      echo "pg-test-server: start on port $port failed (attempt $attempt)" >>"$log"
    done
    if [ -z "$started" ]; then
      tail -n 20 "$log" >&2
      rm -rf "$dir"
      die "the server did not start (log above)"
    fi

    ready=""
    for _ in $(seq 1 60); do
      if "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port" -t 1 >/dev/null 2>&1; then
        ready=1
        break
      fi
      sleep 0.5
    done
    if [ -z "$ready" ]; then
      tail -n 20 "$log" >&2
      stop_server "$dir"
      rm -rf "$dir"
      die "the server on 127.0.0.1:$port did not become ready within 30 s"
    fi
    if ! "$bindir/createdb" -h 127.0.0.1 -p "$port" -U "$user" conventiond_test >>"$log" 2>&1; then
      tail -n 20 "$log" >&2
      stop_server "$dir"
      rm -rf "$dir"
      die "createdb failed"
    fi
    echo "$port" >"$dir/port"

    if [ -n "$owner_pid" ]; then
      # Watchdog: once the owner is gone, stop the server and remove DIR. Detached, with its
      # output closed, so that the caller reading our stdout sees EOF now.
      script=$(readlink -f "$0")
      setsid bash -c '
        while kill -0 "$1" 2>/dev/null && [ -d "$2/data" ]; do sleep 1; done
        [ -d "$2" ] && bash "$3" stop "$2"
      ' watchdog "$owner_pid" "$dir" "$script" </dev/null >/dev/null 2>&1 &
    fi

    echo "postgresql://$user@127.0.0.1:$port/conventiond_test"
    ;;
  stop)
    [ -d "$dir" ] || exit 0
    dir=$(cd "$dir" && pwd)
    stop_server "$dir"
    rm -rf "$dir"
    ;;
  *)
    die "usage: $0 start|stop DIR [OWNER_PID]"
    ;;
esac
