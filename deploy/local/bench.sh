#!/usr/bin/env bash
# The benchmark: a release build of every service, measured against the performance targets
# and against the machine's raw limits in the same run, printed as one Markdown table.
#
#   bash deploy/local/bench.sh            # about 6 minutes after the release build
#   bash deploy/local/bench.sh --duration 20 --users 2000000
#   bash deploy/local/bench.sh --redis single,cluster --only start,token
#   bash deploy/local/bench.sh --redis cluster --service-env REDIS_MIN_REPLICAS=1
#
# --redis KIND[,KIND…] picks the Redis the services use, one full run each, in that order, so
# that they can be compared in one session (default: single):
#   single   one redis-server on port 56390 (PASSWORDLESS_BENCH_REDIS_PORT), append-only file on
#   cluster  a Redis Cluster of six nodes on 57041-57046 (PASSWORDLESS_BENCH_REDIS_CLUSTER_PORT),
#            three masters and three replicas, append-only files on like the single node
#   tls      one redis-server speaking only TLS on port 57050 (PASSWORDLESS_BENCH_REDIS_TLS_PORT)
#
# It uses a database of its own (passwordless_bench, dropped and made again before every run)
# in the local PostgreSQL cluster, and Redis servers of its own (flushed before every run,
# stopped after), so it never touches the development or test data. Other arguments go to
# passwordless-bench (--help). Service logs: .local/bench/<kind>/. Each table is also written to
# .local/bench/results-<kind>.md, and all of them to .local/bench/results.md.
set -euo pipefail
# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

BENCH_REDIS_PORT="${PASSWORDLESS_BENCH_REDIS_PORT:-56390}"
BENCH_REDIS_CLUSTER_PORT="${PASSWORDLESS_BENCH_REDIS_CLUSTER_PORT:-57041}"
BENCH_REDIS_TLS_PORT="${PASSWORDLESS_BENCH_REDIS_TLS_PORT:-57050}"
BENCH_DIR="$STATE/bench"

kinds="single"
args=()
while (($# > 0)); do
    case "$1" in
    --redis) (($# >= 2)) || die "--redis needs a value: single, cluster, tls or a comma list"; kinds="$2"; shift 2 ;;
    --redis=*) kinds="${1#--redis=}"; shift ;;
    *) args+=("$1"); shift ;;
    esac
done
IFS=, read -r -a kinds <<<"$kinds"
for kind in "${kinds[@]}"; do
    [[ "$kind" =~ ^(single|cluster|tls)$ ]] || die "--redis takes single, cluster or tls (comma-separated), not '$kind'"
done

ensure_packages
start_postgres

cd "$ROOT"
command -v swift >/dev/null 2>&1 || die "swift is not on PATH"
log "swift build -c release"
swift build -c release
BIN="$(swift build -c release --show-bin-path)"

mkdir -p "$BENCH_DIR"
: >"$BENCH_DIR/results.md"
status=0
for kind in "${kinds[@]}"; do
    redis_args=()
    case "$kind" in
    single)
        start_redis bench "$BENCH_REDIS_PORT"
        redis-cli -h 127.0.0.1 -p "$BENCH_REDIS_PORT" flushall >/dev/null
        redis_url="redis://127.0.0.1:$BENCH_REDIS_PORT/0"
        ;;
    cluster)
        start_redis_cluster bench "$BENCH_REDIS_CLUSTER_PORT" "appendonly yes"
        for port in $(redis_cluster_ports "$BENCH_REDIS_CLUSTER_PORT"); do
            if redis-cli -h 127.0.0.1 -p "$port" role | head -n 1 | grep -qx master; then
                redis-cli -h 127.0.0.1 -p "$port" flushall >/dev/null
            fi
        done
        redis_url="redis://$REDIS_CLUSTER_SEEDS"
        ;;
    tls)
        start_redis_tls bench "$BENCH_REDIS_TLS_PORT"
        redis_tls_cli bench "$BENCH_REDIS_TLS_PORT" flushall >/dev/null
        redis_url="rediss://127.0.0.1:$BENCH_REDIS_TLS_PORT/0"
        # For the services, and for the benchmark's own client and redis-benchmark.
        export REDIS_TLS_CA_FILE="$REDIS_TLS_DIR/ca.crt" REDIS_TLS_CERT_FILE="$REDIS_TLS_DIR/client.crt"
        export REDIS_TLS_KEY_FILE="$REDIS_TLS_DIR/client.key"
        for var in REDIS_TLS_CA_FILE REDIS_TLS_CERT_FILE REDIS_TLS_KEY_FILE; do
            redis_args+=(--service-env "$var=${!var}")
        done
        ;;
    esac
    psql_admin -c "DROP DATABASE IF EXISTS passwordless_bench" -c "CREATE DATABASE passwordless_bench OWNER passwordless"
    log "benchmark against Redis: $kind ($redis_url)"
    mkdir -p "$BENCH_DIR/$kind"
    run_status=0
    "$BIN/passwordless-bench" \
        --bin-directory "$BIN" \
        --database-url "postgres://passwordless:passwordless@127.0.0.1:$PG_PORT/passwordless_bench" \
        --redis-url "$redis_url" \
        --log-directory "$BENCH_DIR/$kind" \
        "${redis_args[@]}" "${args[@]}" | tee "$BENCH_DIR/results-$kind.md" || run_status=$?
    {
        printf '## Redis: %s\n\n' "$kind"
        cat "$BENCH_DIR/results-$kind.md"
        printf '\n'
    } >>"$BENCH_DIR/results.md"
    ((run_status == 0)) || status=$run_status
    case "$kind" in
    single) stop_redis bench "$BENCH_REDIS_PORT" ;;
    cluster) stop_redis_cluster bench "$BENCH_REDIS_CLUSTER_PORT" ;;
    tls)
        stop_redis_tls bench "$BENCH_REDIS_TLS_PORT"
        unset REDIS_TLS_CA_FILE REDIS_TLS_CERT_FILE REDIS_TLS_KEY_FILE
        ;;
    esac
done
exit "$status"
