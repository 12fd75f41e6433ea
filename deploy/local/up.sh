#!/usr/bin/env bash
# Runs the whole Passwordless system locally: PostgreSQL, Redis, a build, the
# migrations and the three services. Safe to run again: whatever is already up
# is reused (services are restarted when their binary was rebuilt).
#
# Environment:
#   BUILD_CONFIGURATION      debug (default) or release
#   PASSWORDLESS_SKIP_BUILD  1 to use the binaries already built
#   PASSWORDLESS_PG_PORT     PostgreSQL port (55432)
#   PASSWORDLESS_REDIS       single (default), tls or cluster: which Redis the services use
#   PASSWORDLESS_REDIS_PORT  Redis port (56379)
#   PASSWORDLESS_REDIS_TLS_PORT      the TLS Redis's port (57030; PASSWORDLESS_REDIS=tls)
#   PASSWORDLESS_REDIS_CLUSTER_PORT  the Redis Cluster's first port (57021: 57021-57026; cluster)
#   REDIS_MIN_REPLICAS, REDIS_WAIT_TIMEOUT, REDIS_MODE, QUEUE_PARTITIONS  passed to the services when set
#   GATEWAY_PORT, TOKEN_PORT, DISPATCHER_PORT  (8080, 8081, 8082)
#   (/metrics: gateway 9080, token 9081 — their METRICS_PORT defaults —, dispatcher on its port)
#   LOG_LEVEL                (info)
#
# Stop everything with: bash deploy/local/down.sh
set -euo pipefail
# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CONF="${BUILD_CONFIGURATION:-debug}"
REDIS_PORT="${PASSWORDLESS_REDIS_PORT:-56379}"
REDIS_KIND="${PASSWORDLESS_REDIS:-single}"
REDIS_TLS_PORT="${PASSWORDLESS_REDIS_TLS_PORT:-57030}"
REDIS_CLUSTER_PORT="${PASSWORDLESS_REDIS_CLUSTER_PORT:-57021}"
GATEWAY_PORT="${GATEWAY_PORT:-8080}"
TOKEN_PORT="${TOKEN_PORT:-8081}"
DISPATCHER_PORT="${DISPATCHER_PORT:-8082}"

ensure_packages
start_postgres
# Only the chosen Redis runs: the others of the local stack are stopped, so nothing is left behind.
redis_variables=(REDIS_URL)
case "$REDIS_KIND" in
single)
    stop_redis_tls dev "$REDIS_TLS_PORT" 2>/dev/null
    stop_redis_cluster dev "$REDIS_CLUSTER_PORT" 2>/dev/null
    start_redis dev "$REDIS_PORT"
    REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
    redis_log="$STATE/redis-dev/redis.log"
    ;;
tls)
    stop_redis dev "$REDIS_PORT" 2>/dev/null
    stop_redis_cluster dev "$REDIS_CLUSTER_PORT" 2>/dev/null
    start_redis_tls dev "$REDIS_TLS_PORT"
    REDIS_URL="rediss://127.0.0.1:$REDIS_TLS_PORT/0"
    export REDIS_TLS_CA_FILE="$REDIS_TLS_DIR/ca.crt" REDIS_TLS_CERT_FILE="$REDIS_TLS_DIR/client.crt"
    export REDIS_TLS_KEY_FILE="$REDIS_TLS_DIR/client.key"
    redis_variables+=(REDIS_TLS_CA_FILE REDIS_TLS_CERT_FILE REDIS_TLS_KEY_FILE)
    redis_log="$STATE/redis-tls-dev/redis.log"
    ;;
cluster)
    stop_redis dev "$REDIS_PORT" 2>/dev/null
    stop_redis_tls dev "$REDIS_TLS_PORT" 2>/dev/null
    start_redis_cluster dev "$REDIS_CLUSTER_PORT" "appendonly yes"
    REDIS_URL="redis://$REDIS_CLUSTER_SEEDS"
    redis_log="$REDIS_CLUSTER_DIR/<port>/redis.log"
    ;;
*) die "PASSWORDLESS_REDIS must be single, tls or cluster, not '$REDIS_KIND'" ;;
esac
export REDIS_URL
for var in REDIS_MIN_REPLICAS REDIS_WAIT_TIMEOUT REDIS_MODE QUEUE_PARTITIONS; do
    if [[ -n "${!var:-}" ]]; then
        redis_variables+=("$var")
        export "${var?}"
    fi
done

cd "$ROOT"
command -v swift >/dev/null 2>&1 || die "swift is not on PATH"
if [[ "${PASSWORDLESS_SKIP_BUILD:-0}" == 1 ]]; then
    log "skipping build (PASSWORDLESS_SKIP_BUILD=1)"
else
    log "swift build -c $CONF"
    swift build -c "$CONF"
fi
BIN="$(swift build -c "$CONF" --show-bin-path)"

PASSWORDLESS_MASTER_KEY="$(master_key)"
export PASSWORDLESS_MASTER_KEY
export LOG_LEVEL="${LOG_LEVEL:-info}"
# Sign-in links point at the local gateway (production builds them on https://<tenant domain>).
export PUBLIC_BASE_URL="${PUBLIC_BASE_URL:-http://localhost:$GATEWAY_PORT}"
export DATABASE_URL
# The gateway and the token service take their default metrics ports (9080, 9081): one inherited
# METRICS_PORT would be given to both, and the second would fail to bind it.
unset METRICS_PORT

# $STATE/env — `source .local/env` to get the same environment (e.g. to run
# passwordless-admin). Rewritten only when its content changes, because
# start_service restarts services when this file is newer than their pid file.
env_text="$(
    printf '# Written by deploy/local/up.sh. Contains the master key: keep private.\n'
    for var in DATABASE_URL "${redis_variables[@]}" PASSWORDLESS_MASTER_KEY LOG_LEVEL PUBLIC_BASE_URL; do
        printf 'export %s=%q\n' "$var" "${!var}"
    done
    printf 'export PASSWORDLESS_BIN_DIR=%q\n' "$BIN"
    # shellcheck disable=SC2016 # $PATH is expanded when the file is sourced
    printf 'export PATH=%q:"$PATH"\n' "$BIN"
)"
if [[ ! -f "$STATE/env" || "$(cat "$STATE/env")" != "$env_text" ]]; then
    (umask 077 && printf '%s\n' "$env_text" >"$STATE/env.tmp" && mv "$STATE/env.tmp" "$STATE/env")
fi
chmod 600 "$STATE/env"

log "passwordless-admin migrate"
"$BIN/passwordless-admin" migrate

services=(
    "passwordless-gateway:$GATEWAY_PORT"
    "passwordless-token:$TOKEN_PORT"
    "passwordless-dispatcher:$DISPATCHER_PORT"
)
for entry in "${services[@]}"; do
    start_service "${entry%%:*}" "${entry##*:}" "$BIN"
done

failed=0
for entry in "${services[@]}"; do
    name="${entry%%:*}" port="${entry##*:}"
    pid="$(cat "$STATE/run/$name.pid" 2>/dev/null || true)"
    if ! wait_http "http://127.0.0.1:$port/readyz" 60 "$pid"; then
        failed=1
        printf -- '--- last lines of %s ---\n' "$STATE/run/$name.log" >&2
        tail -n 30 "$STATE/run/$name.log" >&2 || true
    fi
done
((failed == 0)) || die "some services are not ready (logs in $STATE/run/; stop with: bash deploy/local/down.sh)"

cat <<EOF

Passwordless is running ($CONF build):
  gateway     http://127.0.0.1:$GATEWAY_PORT
  token       http://127.0.0.1:$TOKEN_PORT
  dispatcher  http://127.0.0.1:$DISPATCHER_PORT
Metrics:      http://127.0.0.1:9080/metrics (gateway), http://127.0.0.1:9081/metrics (token),
              http://127.0.0.1:$DISPATCHER_PORT/metrics (dispatcher); not on the gateway's or token's port

Logs:         $STATE/run/<service>.log   (PostgreSQL: $PG_LOG, Redis ($REDIS_KIND): $redis_log)
DATABASE_URL=$DATABASE_URL
REDIS_URL=$REDIS_URL
Environment:  source .local/env   (includes PASSWORDLESS_MASTER_KEY; then e.g. passwordless-admin --help)
Stop:         bash deploy/local/down.sh
EOF

# demo data and the newcomer's walkthrough
BIN="$BIN" GATEWAY_PORT="$GATEWAY_PORT" bash "$ROOT/deploy/local/demo.sh"
