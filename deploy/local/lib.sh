#!/usr/bin/env bash
# Shared helpers for the local stack. Sourced by deploy/local/{up,down,test}.sh;
# not meant to be executed on its own.
#
#   ROOT   repository root (found from this file's location)
#   STATE  $ROOT/.local — everything the local stack writes (git-ignored)
#
# Functions: ensure_packages, ensure_pip_packages, start_postgres, stop_postgres,
# start_redis NAME PORT, stop_redis NAME PORT, wait_http URL TIMEOUT [PID],
# master_key, start_service NAME PORT BIN_DIR, stop_service NAME.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STATE="$ROOT/.local"

# Debian packages the local stack, the build and the tests need. Add to this list freely.
APT_PACKAGES=(
    postgresql
    redis-server
    redis-tools
    libhiredis-dev
    libcurl4-openssl-dev
    libssl-dev
    pkg-config
    python3
    python3-pip
    curl
    ca-certificates
    openssl
    systemd
)

PG_PORT="${PASSWORDLESS_PG_PORT:-55432}"
PG_DIR="$STATE/postgres"
PG_DATA="$PG_DIR/data"
PG_RUN="$PG_DIR/run"
PG_LOG="$PG_DIR/postgres.log"
PG_OS_USER=postgres   # only used when running as root

log()  { printf '==> %s\n' "$*" >&2; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die()  { printf 'error: %s\n' "$*" >&2; exit 1; }

is_root() { [[ "$(id -u)" -eq 0 ]]; }

# ---------------------------------------------------------------------------
# Packages
# ---------------------------------------------------------------------------

_APT_UPDATED=0

ensure_packages() {
    if ! command -v dpkg-query >/dev/null 2>&1; then
        warn "dpkg-query not found (not a Debian system?); make sure these are installed: ${APT_PACKAGES[*]}"
        return 0
    fi
    local missing=() p
    for p in "${APT_PACKAGES[@]}"; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
            missing+=("$p")
        fi
    done
    ((${#missing[@]} == 0)) && return 0

    local sudo=()
    if ! is_root; then
        command -v sudo >/dev/null 2>&1 ||
            die "missing Debian packages: ${missing[*]} (not root and no sudo; install them with: apt-get install ${missing[*]})"
        sudo=(sudo)
    fi
    log "installing Debian packages: ${missing[*]}"
    if ((_APT_UPDATED == 0)); then
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
        _APT_UPDATED=1
    fi
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# ensure_pip_packages SPEC... — installs (python3 -m pip install --quiet) the
# requirement specs whose distribution is not installed yet. Specs may carry a
# version ("name==1.2"); only presence of the name is checked.
ensure_pip_packages() {
    (($# == 0)) && return 0
    local missing
    missing="$(python3 - "$@" <<'PY'
import re, sys
from importlib import metadata
for spec in sys.argv[1:]:
    name = re.split(r"[\s\[<>=!~;@]", spec, maxsplit=1)[0]
    try:
        metadata.version(name)
    except metadata.PackageNotFoundError:
        print(spec)
PY
)"
    [[ -z "$missing" ]] && return 0
    local specs=()
    mapfile -t specs <<<"$missing"
    log "installing Python packages: ${specs[*]}"
    # Debian's own python3 is "externally managed" (PEP 668); this is a throwaway
    # dev/CI machine, so allow pip to install next to the Debian packages.
    PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install --quiet "${specs[@]}"
}

# ---------------------------------------------------------------------------
# PostgreSQL (project-local cluster)
# ---------------------------------------------------------------------------

# Directory holding initdb/pg_ctl/psql. Override with PASSWORDLESS_PG_BIN.
pg_bin() {
    if [[ -n "${PASSWORDLESS_PG_BIN:-}" ]]; then
        printf '%s\n' "$PASSWORDLESS_PG_BIN"
    elif [[ -x /usr/lib/postgresql/15/bin/pg_ctl ]]; then
        printf '%s\n' /usr/lib/postgresql/15/bin
    else
        local d
        d="$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -type d -name bin 2>/dev/null | sort -V | tail -n 1)"
        if [[ -n "$d" && -x "$d/pg_ctl" ]]; then
            printf '%s\n' "$d"
        elif command -v pg_ctl >/dev/null 2>&1; then
            dirname "$(command -v pg_ctl)"
        else
            die "PostgreSQL server binaries not found (install the postgresql package or set PASSWORDLESS_PG_BIN)"
        fi
    fi
}

# Runs a command as the cluster's owner: the postgres OS user when root
# (PostgreSQL refuses to run as root), otherwise the current user.
as_pg() {
    if is_root; then
        (cd / && runuser -u "$PG_OS_USER" -- "$@")
    else
        "$@"
    fi
}

pg_running() {
    [[ -f "$PG_DATA/PG_VERSION" ]] && as_pg "$(pg_bin)/pg_ctl" status -D "$PG_DATA" >/dev/null 2>&1
}

psql_admin() {
    as_pg "$(pg_bin)/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_RUN" -p "$PG_PORT" -U postgres -d postgres "$@"
}

start_postgres() {
    local bin
    bin="$(pg_bin)"

    mkdir -p "$STATE" "$PG_DATA" "$PG_RUN"
    if is_root; then
        id -u "$PG_OS_USER" >/dev/null 2>&1 ||
            die "OS user '$PG_OS_USER' does not exist (install the postgresql package)"
        chmod o+x "$STATE"
        if [[ "$(stat -c %U "$PG_DIR")" != "$PG_OS_USER" || "$(stat -c %U "$PG_DATA")" != "$PG_OS_USER" ]]; then
            chown -R "$PG_OS_USER:$PG_OS_USER" "$PG_DIR"
        fi
        runuser -u "$PG_OS_USER" -- test -x "$PG_DIR" -a -w "$PG_DATA" ||
            die "user '$PG_OS_USER' cannot reach $PG_DIR; make every parent directory of $STATE traversable (chmod o+x)"
    elif [[ ! -w "$PG_DATA" ]]; then
        die "$PG_DATA is not writable by $(id -un) (was it created as root? remove $PG_DIR or run as root)"
    fi

    if [[ ! -f "$PG_DATA/PG_VERSION" ]]; then
        log "initialising PostgreSQL cluster in $PG_DATA"
        # A directory without PG_VERSION never finished initdb: start from scratch.
        find "$PG_DATA" -mindepth 1 -delete
        as_pg chmod 700 "$PG_DATA"
        as_pg "$bin/initdb" -D "$PG_DATA" -U postgres -E UTF8 --no-locale \
            --auth-local=trust --auth-host=scram-sha-256 >"$PG_DIR/initdb.log" 2>&1 ||
            { cat "$PG_DIR/initdb.log" >&2; die "initdb failed"; }
        printf "\ninclude_if_exists = 'passwordless.conf'\n" |
            as_pg tee -a "$PG_DATA/postgresql.conf" >/dev/null
    fi

    # Settings of the local cluster; rewritten every time so PASSWORDLESS_PG_PORT can change.
    local conf="$PG_DATA/passwordless.conf" want
    want="# Written by deploy/local/lib.sh (start_postgres); changes are overwritten.
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_RUN'
max_connections = 200
"
    local changed=0
    if [[ ! -f "$conf" || "$(cat "$conf")"$'\n' != "$want" ]]; then
        printf '%s' "$want" | as_pg tee "$conf" >/dev/null
        changed=1
    fi

    if pg_running; then
        if ((changed)) || [[ ! -S "$PG_RUN/.s.PGSQL.$PG_PORT" ]]; then
            log "restarting PostgreSQL (settings changed)"
            as_pg "$bin/pg_ctl" restart -D "$PG_DATA" -l "$PG_LOG" -m fast -w -t 60 >/dev/null ||
                { tail -n 30 "$PG_LOG" >&2; die "PostgreSQL failed to restart (log: $PG_LOG)"; }
        else
            log "PostgreSQL already running on 127.0.0.1:$PG_PORT"
        fi
    else
        log "starting PostgreSQL on 127.0.0.1:$PG_PORT"
        as_pg "$bin/pg_ctl" start -D "$PG_DATA" -l "$PG_LOG" -w -t 60 >/dev/null ||
            { tail -n 30 "$PG_LOG" >&2; die "PostgreSQL failed to start (log: $PG_LOG)"; }
    fi

    psql_admin -f - <<'SQL'
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'passwordless') THEN
        CREATE ROLE passwordless LOGIN CREATEDB PASSWORD 'passwordless';
    ELSE
        ALTER ROLE passwordless LOGIN CREATEDB PASSWORD 'passwordless';
    END IF;
END
$$;
SELECT 'CREATE DATABASE passwordless OWNER passwordless'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'passwordless')
\gexec
SQL

    export DATABASE_URL="postgres://passwordless:passwordless@127.0.0.1:$PG_PORT/passwordless"
}

stop_postgres() {
    if pg_running; then
        log "stopping PostgreSQL"
        as_pg "$(pg_bin)/pg_ctl" stop -D "$PG_DATA" -m fast -w -t 60 >/dev/null
    else
        log "PostgreSQL not running"
    fi
}

# ---------------------------------------------------------------------------
# Redis (project-local servers)
# ---------------------------------------------------------------------------

redis_ping() { [[ "$(redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null)" == PONG ]]; }

# start_redis NAME PORT
start_redis() {
    local name="$1" port="$2"
    local dir="$STATE/redis-$name"
    if redis_ping "$port"; then
        local other
        other="$(redis-cli -h 127.0.0.1 -p "$port" config get dir 2>/dev/null | sed -n 2p || true)"
        if [[ -n "$other" && "$other" != "$dir" ]]; then
            warn "a Redis not started by this script (dir $other) answers on port $port; reusing it"
        else
            log "Redis '$name' already running on 127.0.0.1:$port"
        fi
        return 0
    fi
    mkdir -p "$dir"
    cat >"$dir/redis.conf" <<EOF
# Written by deploy/local/lib.sh (start_redis); changes are overwritten.
bind 127.0.0.1
port $port
dir $dir
daemonize yes
pidfile $dir/redis.pid
logfile $dir/redis.log
appendonly yes
save ""
EOF
    log "starting Redis '$name' on 127.0.0.1:$port"
    redis-server "$dir/redis.conf"
    local i
    for ((i = 0; i < 100; i++)); do
        redis_ping "$port" && return 0
        sleep 0.1
    done
    tail -n 20 "$dir/redis.log" >&2 || true
    die "Redis '$name' did not answer PING on port $port (log: $dir/redis.log)"
}

# stop_redis NAME PORT — stops only the Redis this script started (same dir).
stop_redis() {
    local name="$1" port="$2"
    local dir="$STATE/redis-$name" pid=""
    [[ -f "$dir/redis.pid" ]] && pid="$(cat "$dir/redis.pid" 2>/dev/null || true)"
    if redis_ping "$port"; then
        local other
        other="$(redis-cli -h 127.0.0.1 -p "$port" config get dir 2>/dev/null | sed -n 2p || true)"
        if [[ "$other" != "$dir" ]]; then
            warn "Redis on port $port was not started by this script (dir $other); leaving it alone"
            return 0
        fi
        log "stopping Redis '$name' (port $port)"
        redis-cli -h 127.0.0.1 -p "$port" shutdown >/dev/null 2>&1 || true
    else
        log "Redis '$name' not running"
    fi
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && grep -q redis-server "/proc/$pid/cmdline" 2>/dev/null; then
        local i
        for ((i = 0; i < 100; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            ((i == 50)) && kill -TERM "$pid" 2>/dev/null
            sleep 0.1
        done
        kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    fi
    rm -f "$dir/redis.pid"
    return 0
}

# ---------------------------------------------------------------------------
# Misc
# ---------------------------------------------------------------------------

# wait_http URL TIMEOUT_SECONDS [PID] — polls URL until it answers 200. With PID,
# gives up early when that process has exited.
wait_http() {
    local url="$1" timeout="$2" pid="${3:-}"
    command -v curl >/dev/null 2>&1 || die "curl is not installed (run ensure_packages)"
    local deadline=$((SECONDS + timeout)) code=""
    while :; do
        code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" 2>/dev/null || true)"
        [[ "$code" == 200 ]] && return 0
        if [[ -n "$pid" ]] && ! kill -0 "$pid" 2>/dev/null; then
            printf 'error: process %s exited before %s answered 200\n' "$pid" "$url" >&2
            return 1
        fi
        if ((SECONDS >= deadline)); then
            printf 'error: %s did not answer 200 within %ss (last status: %s)\n' "$url" "$timeout" "${code:-none}" >&2
            return 1
        fi
        sleep 0.5
    done
}

# master_key — prints the local master key, creating $STATE/master.key (mode 600) once.
master_key() {
    local file="$STATE/master.key"
    if [[ ! -s "$file" ]]; then
        mkdir -p "$STATE"
        (umask 077 && head -c 32 /dev/urandom | base64 >"$file.tmp" && mv "$file.tmp" "$file")
    fi
    cat "$file"
}

# ---------------------------------------------------------------------------
# Services (background processes with pid files in $STATE/run)
# ---------------------------------------------------------------------------

# service_pid NAME — prints the pid from $STATE/run/NAME.pid if that process is alive
# and is NAME; fails otherwise.
service_pid() {
    local name="$1" pidfile="$STATE/run/$1.pid" pid
    [[ -f "$pidfile" ]] || return 1
    pid="$(cat "$pidfile" 2>/dev/null || true)"
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    # argv[0], or argv[1] when started through an interpreter (#! scripts).
    local arg
    while IFS= read -r arg; do
        if [[ "${arg##*/}" == "$name" ]]; then
            printf '%s\n' "$pid"
            return 0
        fi
    done < <(tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | head -n 2)
    return 1
}

# start_service NAME PORT BIN_DIR — starts BIN_DIR/NAME with PORT=PORT in the
# background (nohup), log $STATE/run/NAME.log, pid $STATE/run/NAME.pid. Reuses a
# live instance unless the binary, the port or $STATE/env changed since it started.
start_service() {
    local name="$1" port="$2" bindir="$3"
    local run="$STATE/run" bin="$bindir/$name"
    local pidfile="$run/$name.pid" logfile="$run/$name.log" portfile="$run/$name.port"
    [[ -x "$bin" ]] || die "$bin not found (build first)"
    mkdir -p "$run"
    local pid
    if pid="$(service_pid "$name")"; then
        local why=""
        if [[ "$bin" -nt "$pidfile" ]]; then
            why="binary rebuilt"
        elif [[ "$(cat "$portfile" 2>/dev/null || true)" != "$port" ]]; then
            why="port changed"
        elif [[ -f "$STATE/env" && "$STATE/env" -nt "$pidfile" ]]; then
            why="environment changed"
        fi
        if [[ -z "$why" ]]; then
            log "$name already running (pid $pid, port $port)"
            return 0
        fi
        log "restarting $name ($why)"
        stop_service "$name"
    fi
    log "starting $name on port $port"
    printf '\n===== %s starting %s on port %s =====\n' "$(date -u +%FT%TZ)" "$name" "$port" >>"$logfile"
    PORT="$port" nohup "$bin" >>"$logfile" 2>&1 </dev/null &
    printf '%s\n' "$!" >"$pidfile"
    printf '%s\n' "$port" >"$portfile"
}

# stop_service NAME — SIGTERM, wait up to 10 s, then SIGKILL.
stop_service() {
    local name="$1" pid i
    if pid="$(service_pid "$name")"; then
        log "stopping $name (pid $pid)"
        kill -TERM "$pid" 2>/dev/null || true
        for ((i = 0; i < 100; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            warn "$name did not exit within 10 s; sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    rm -f "$STATE/run/$name.pid" "$STATE/run/$name.port"
}
