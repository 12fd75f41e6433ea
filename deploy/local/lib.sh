#!/usr/bin/env bash
# Shared helpers for the local stack. Sourced by deploy/local/{up,down,test}.sh;
# not meant to be executed on its own.
#
#   ROOT   repository root (found from this file's location)
#   STATE  $ROOT/.local — everything the local stack writes (git-ignored)
#
# Functions: ensure_packages, ensure_pip_packages, start_postgres, stop_postgres,
# start_redis NAME PORT, stop_redis NAME PORT,
# start_redis_cluster NAME FIRST_PORT [CONFIG_LINE...], stop_redis_cluster NAME FIRST_PORT,
# start_redis_tls NAME PORT, stop_redis_tls NAME PORT, wait_http URL TIMEOUT [PID],
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
    python3-venv
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
    _await_redis_ping "'$name'" "$dir" "$port" redis_ping "$port"
}

# _await_redis_ping LABEL DIR PORT PING_COMMAND… — waits up to 10 s for PING_COMMAND to succeed,
# else prints the end of DIR/redis.log and stops.
_await_redis_ping() {
    local label="$1" dir="$2" port="$3" i
    shift 3
    for ((i = 0; i < 100; i++)); do
        "$@" && return 0
        sleep 0.1
    done
    tail -n 20 "$dir/redis.log" >&2 || true
    die "Redis $label did not answer PING on port $port (log: $dir/redis.log)"
}

# stop_redis NAME PORT — stops only the Redis this script started (same dir).
stop_redis() {
    local name="$1" port="$2"
    _stop_owned_redis "'$name'" "$STATE/redis-$name" "$port" "" redis-cli -h 127.0.0.1 -p "$port"
}

# _stop_owned_redis LABEL DIR PORT SHUTDOWN_ARGS CLI... — stops the redis-server that CLI
# (a redis-cli command line) reaches if its dir is DIR (`SHUTDOWN SHUTDOWN_ARGS`), then makes
# sure the process in DIR/redis.pid has exited (TERM after 5 s, KILL after 10 s). A Redis
# with another dir is left alone.
_stop_owned_redis() {
    local label="$1" dir="$2" port="$3" how="$4" pid=""
    shift 4
    [[ -f "$dir/redis.pid" ]] && pid="$(cat "$dir/redis.pid" 2>/dev/null || true)"
    if [[ "$("$@" ping 2>/dev/null)" == PONG ]]; then
        local other
        other="$("$@" config get dir 2>/dev/null | sed -n 2p || true)"
        if [[ "$other" != "$dir" ]]; then
            warn "Redis on port $port was not started by this script (dir $other); leaving it alone"
            return 0
        fi
        log "stopping Redis $label (port $port)"
        # shellcheck disable=SC2086 # $how is a list of SHUTDOWN modifiers
        "$@" shutdown $how >/dev/null 2>&1 || true
    else
        log "Redis $label not running"
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
# Redis Cluster (six project-local nodes: three masters, three replicas)
# ---------------------------------------------------------------------------
#
# $STATE/redis-cluster-NAME/PORT/ holds each node's redis.conf (daemonizes; restart a killed
# node with `redis-server $STATE/redis-cluster-NAME/PORT/redis.conf`), nodes.conf,
# redis.pid and redis.log. Each node also listens on its cluster bus port: PORT+10000, or
# PORT-10000 for ports above 55535 (57001 → 47001).

# A master that does not answer for this long is failed over: short, so that a failover in a
# test takes seconds, but not so short that a busy CI machine causes one. In ms;
# PASSWORDLESS_REDIS_CLUSTER_NODE_TIMEOUT overrides it.
REDIS_CLUSTER_NODE_TIMEOUT="${PASSWORDLESS_REDIS_CLUSTER_NODE_TIMEOUT:-2000}"

# redis_cluster_dir NAME — prints the cluster's directory.
# (The physical path, symlinks resolved: what redis-server reports as its dir.)
redis_cluster_dir() { realpath -m "$STATE/redis-cluster-$1"; }

# redis_cluster_ports FIRST_PORT — prints the six ports, one a line.
redis_cluster_ports() { seq "$1" $(($1 + 5)); }

# redis_cluster_seeds FIRST_PORT — prints the seed list for REDIS_URL: all six nodes, so any
# one of them may be down: 127.0.0.1:P,127.0.0.1:P+1,…
redis_cluster_seeds() { redis_cluster_ports "$1" | sed 's/^/127.0.0.1:/' | paste -sd,; }

# redis_cluster_healthy NAME FIRST_PORT [quiet] — succeeds when all six nodes are ours (same
# dir), every node reports cluster_state:ok with all 16384 slots served and sees six nodes,
# three masters and three replicas, none failing, and every replica's link to its master is
# up. Otherwise fails, saying why unless a third argument is given.
redis_cluster_healthy() {
    local name="$1" first="$2" quiet="${3:-}" base port out why=""
    base="$(redis_cluster_dir "$name")"
    for port in $(redis_cluster_ports "$first"); do
        # One redis-cli a node: it runs the commands it reads from stdin.
        out="$(printf 'config get dir\ncluster info\ninfo replication\n' |
            redis-cli -h 127.0.0.1 -p "$port" 2>/dev/null | tr -d '\r' || true)"
        if [[ -z "$out" ]]; then
            why="node $port does not answer"
        elif [[ "$(sed -n 2p <<<"$out")" != "$base/$port" ]]; then
            why="node $port is not in $base/$port"
        elif ! grep -qx 'cluster_state:ok' <<<"$out" || ! grep -qx 'cluster_slots_ok:16384' <<<"$out" ||
            ! grep -qx 'cluster_known_nodes:6' <<<"$out" || ! grep -qx 'cluster_size:3' <<<"$out"; then
            why="node $port: $(grep -E '^cluster_(state|slots_ok|known_nodes|size):' <<<"$out" | paste -sd' ')"
        elif grep -qx 'role:slave' <<<"$out" && ! grep -qx 'master_link_status:up' <<<"$out"; then
            why="replica $port is not in sync with its master"
        fi
        [[ -n "$why" ]] && break
    done
    if [[ -z "$why" ]]; then
        # One node's view of the roles: three masters and three replicas, none failing.
        local nodes
        nodes="$(redis-cli -h 127.0.0.1 -p "$first" cluster nodes 2>/dev/null)"
        if [[ "$(awk '$3 ~ /master/ && $3 !~ /fail/' <<<"$nodes" | wc -l)" != 3 ||
            "$(awk '$3 ~ /slave/ && $3 !~ /fail/' <<<"$nodes" | wc -l)" != 3 ]]; then
            why="not three masters and three replicas: $(awk '{print $2, $3}' <<<"$nodes" | paste -sd';')"
        fi
    fi
    [[ -z "$why" ]] && return 0
    [[ -z "$quiet" ]] && log "Redis Cluster '$name' is not healthy: $why"
    return 1
}

# start_redis_cluster NAME FIRST_PORT [CONFIG_LINE...] — a Redis Cluster of six nodes on
# 127.0.0.1:FIRST_PORT..FIRST_PORT+5 (three masters, three replicas, all slots assigned),
# waiting until every node reports it healthy. A healthy cluster of ours already running is
# reused; anything else of ours (a node missing, stale directories) is stopped and wiped, and
# the cluster made again (a few seconds). CONFIG_LINEs are added to every node's redis.conf
# (e.g. "appendonly yes"). Sets REDIS_CLUSTER_DIR and REDIS_CLUSTER_SEEDS.
start_redis_cluster() {
    local name="$1" first="$2"
    shift 2
    local base port
    base="$(redis_cluster_dir "$name")"
    # shellcheck disable=SC2034 # for the caller
    REDIS_CLUSTER_DIR="$base"
    # shellcheck disable=SC2034 # for the caller
    REDIS_CLUSTER_SEEDS="$(redis_cluster_seeds "$first")"
    if redis_cluster_healthy "$name" "$first" quiet; then
        log "Redis Cluster '$name' already running on 127.0.0.1:$first-$((first + 5))"
        return 0
    fi
    for port in $(redis_cluster_ports "$first"); do
        if redis_ping "$port"; then
            local other
            other="$(redis-cli -h 127.0.0.1 -p "$port" config get dir 2>/dev/null | sed -n 2p || true)"
            [[ "$other" == "$base/$port" ]] ||
                die "a Redis not started by this script (dir $other) answers on port $port; choose other ports for the cluster"
        fi
    done
    stop_redis_cluster "$name" "$first" >/dev/null 2>&1
    local started=$SECONDS
    log "starting Redis Cluster '$name' on 127.0.0.1:$first-$((first + 5))"
    rm -rf "$base"
    for port in $(redis_cluster_ports "$first"); do
        mkdir -p "$base/$port"
        {
            cat <<CONF
# Written by deploy/local/lib.sh (start_redis_cluster); changes are overwritten.
bind 127.0.0.1
port $port
dir $base/$port
daemonize yes
pidfile $base/$port/redis.pid
logfile $base/$port/redis.log
cluster-enabled yes
cluster-config-file nodes.conf
cluster-node-timeout $REDIS_CLUSTER_NODE_TIMEOUT
# A replica always takes over from a failed master, however long it was disconnected.
cluster-replica-validity-factor 0
appendonly no
save ""
# Replicas (and a killed node that comes back) sync at once, not after 5 s.
repl-diskless-sync yes
repl-diskless-sync-delay 0
CONF
            # The cluster bus listens on PORT+10000; above 55535 that does not exist, so PORT-10000.
            ((port > 55535)) && printf 'cluster-port %s\n' $((port - 10000))
            (($# > 0)) && printf '%s\n' "$@"
        } >"$base/$port/redis.conf"
        redis-server "$base/$port/redis.conf" ||
            die "redis-server did not start on port $port (log: $base/$port/redis.log)"
    done
    local i
    for port in $(redis_cluster_ports "$first"); do
        for ((i = 0; i < 100; i++)); do
            redis_ping "$port" && break
            sleep 0.1
        done
        redis_ping "$port" || {
            tail -n 20 "$base/$port/redis.log" >&2 || true
            die "Redis Cluster node did not answer PING on port $port (log: $base/$port/redis.log)"
        }
    done
    local nodes=()
    mapfile -t nodes < <(redis_cluster_ports "$first" | sed 's/^/127.0.0.1:/')
    redis-cli --cluster create "${nodes[@]}" --cluster-replicas 1 --cluster-yes >"$base/create.log" 2>&1 || {
        cat "$base/create.log" >&2
        die "redis-cli --cluster create failed (log: $base/create.log)"
    }
    for ((i = 0; i < 300; i++)); do
        redis_cluster_healthy "$name" "$first" quiet && break
        sleep 0.1
    done
    redis_cluster_healthy "$name" "$first" || die "Redis Cluster '$name' did not become healthy (logs: $base/*/redis.log)"
    log "Redis Cluster '$name' ready in $((SECONDS - started)) s"
}

# stop_redis_cluster NAME FIRST_PORT — stops the six nodes this script started (same dirs);
# their directories stay until the next start_redis_cluster wipes them.
stop_redis_cluster() {
    local name="$1" first="$2" base port
    base="$(redis_cluster_dir "$name")"
    for port in $(redis_cluster_ports "$first"); do
        _stop_owned_redis "Cluster '$name' node" "$base/$port" "$port" "nosave now" redis-cli -h 127.0.0.1 -p "$port"
    done
}

# ---------------------------------------------------------------------------
# Redis over TLS (a project-local server with throwaway certificates)
# ---------------------------------------------------------------------------
#
# $STATE/redis-tls-NAME/tls/ holds, made with openssl when the server starts (never committed):
#   ca.crt ca.key              the CA the server's and the client's certificates are signed by
#   server.crt server.key      the server's (SAN IP:127.0.0.1, DNS:localhost)
#   client.crt client.key      a client certificate (the server asks for one, optionally)
#   wrong-ca.crt wrong-ca.key  another CA, which signed neither: a client trusting it refuses the server
#   wrong-client.crt wrong-client.key  a client certificate signed by the wrong CA: the server refuses it

# redis_tls_dir NAME — prints the directory holding the server's certificates.
redis_tls_dir() { realpath -m "$STATE/redis-tls-$1/tls"; }

# redis_tls_cli NAME PORT ARG... — redis-cli against the TLS server, trusting its CA.
redis_tls_cli() {
    local tls
    tls="$(redis_tls_dir "$1")"
    redis-cli -h 127.0.0.1 -p "$2" --tls --cacert "$tls/ca.crt" "${@:3}"
}

redis_tls_ping() { [[ -f "$(redis_tls_dir "$1")/ca.crt" && "$(redis_tls_cli "$1" "$2" ping 2>/dev/null)" == PONG ]]; }

# _make_tls_files DIR — a CA, a server and a client certificate signed by it, and a second CA
# with a client certificate of its own; EC P-256 keys, valid 30 days.
_make_tls_files() {
    local dir="$1"
    command -v openssl >/dev/null 2>&1 || die "openssl is not installed (run ensure_packages)"
    rm -rf "$dir"
    mkdir -p "$dir"
    cat >"$dir/openssl.cnf" <<'CNF'
[req]
distinguished_name = dn
prompt = no
[dn]
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[client]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF
    (
        umask 077
        cd "$dir"
        local ca cert
        for ca in ca wrong-ca; do
            openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -config openssl.cnf \
                -extensions ca -days 30 -subj "/O=Passwordless local/CN=Passwordless local Redis $ca" \
                -keyout "$ca.key" -out "$ca.crt" 2>/dev/null
        done
        for cert in server:ca:server:localhost client:ca:client:passwordless wrong-client:wrong-ca:client:passwordless; do
            IFS=: read -r file ca ext cn <<<"$cert"
            openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -config openssl.cnf \
                -subj "/O=Passwordless local/CN=$cn" -keyout "$file.key" -out "$file.csr" 2>/dev/null
            openssl x509 -req -in "$file.csr" -CA "$ca.crt" -CAkey "$ca.key" -set_serial "0x$(openssl rand -hex 16)" \
                -days 30 -extfile openssl.cnf -extensions "$ext" -out "$file.crt" 2>/dev/null
            rm -f "$file.csr"
        done
        chmod 644 ./*.crt
    ) || die "openssl could not make the certificates in $dir"
}

# start_redis_tls NAME PORT — a Redis that speaks only TLS, on 127.0.0.1:PORT, with fresh
# certificates (see above); clients may present a certificate (tls-auth-clients optional). A
# running server of ours is reused with its certificates. Sets REDIS_TLS_DIR.
start_redis_tls() {
    local name="$1" port="$2"
    local dir tls
    dir="$(realpath -m "$STATE/redis-tls-$name")"
    tls="$(redis_tls_dir "$name")"
    # shellcheck disable=SC2034 # for the caller
    REDIS_TLS_DIR="$tls"
    if redis_tls_ping "$name" "$port"; then
        local other
        other="$(redis_tls_cli "$name" "$port" config get dir 2>/dev/null | sed -n 2p || true)"
        if [[ "$other" == "$dir" ]]; then
            log "Redis '$name' (TLS) already running on 127.0.0.1:$port"
            return 0
        fi
    fi
    if redis_ping "$port"; then
        die "a Redis without TLS answers on port $port; choose another port for the TLS Redis"
    fi
    _stop_owned_redis "'$name' (TLS)" "$dir" "$port" "nosave now" false >/dev/null 2>&1
    mkdir -p "$dir"
    _make_tls_files "$tls"
    cat >"$dir/redis.conf" <<EOF
# Written by deploy/local/lib.sh (start_redis_tls); changes are overwritten.
bind 127.0.0.1
port 0
tls-port $port
tls-cert-file $tls/server.crt
tls-key-file $tls/server.key
tls-ca-cert-file $tls/ca.crt
tls-auth-clients optional
dir $dir
daemonize yes
pidfile $dir/redis.pid
logfile $dir/redis.log
appendonly no
save ""
EOF
    log "starting Redis '$name' (TLS) on 127.0.0.1:$port"
    redis-server "$dir/redis.conf" || die "redis-server did not start (log: $dir/redis.log)"
    _await_redis_ping "'$name' (TLS)" "$dir" "$port" redis_tls_ping "$name" "$port"
}

# stop_redis_tls NAME PORT — stops only the TLS Redis this script started (same dir).
stop_redis_tls() {
    local name="$1" port="$2"
    _stop_owned_redis "'$name' (TLS)" "$(realpath -m "$STATE/redis-tls-$name")" "$port" "nosave now" redis_tls_cli "$name" "$port"
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
