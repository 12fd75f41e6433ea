#!/usr/bin/env bash
# The benchmark: a release build of every service, measured against the performance targets
# and against the machine's raw limits in the same run, printed as one Markdown table.
#
#   bash deploy/local/bench.sh            # about 6 minutes after the release build
#   bash deploy/local/bench.sh --duration 20 --users 2000000
#
# It uses a database of its own (passwordless_bench, dropped and made again on every run) in
# the local PostgreSQL cluster, and a Redis of its own on port 56390 (flushed), so it never
# touches the development or test data. Extra arguments go to passwordless-bench (--help).
# Service logs: .local/bench/. The table is also written to .local/bench/results.md.
set -euo pipefail
# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

BENCH_REDIS_PORT="${PASSWORDLESS_BENCH_REDIS_PORT:-56390}"
BENCH_DIR="$STATE/bench"

ensure_packages
start_postgres
start_redis bench "$BENCH_REDIS_PORT"
redis-cli -h 127.0.0.1 -p "$BENCH_REDIS_PORT" flushall >/dev/null
psql_admin -c "DROP DATABASE IF EXISTS passwordless_bench" -c "CREATE DATABASE passwordless_bench OWNER passwordless"

cd "$ROOT"
command -v swift >/dev/null 2>&1 || die "swift is not on PATH"
log "swift build -c release"
swift build -c release
BIN="$(swift build -c release --show-bin-path)"

mkdir -p "$BENCH_DIR"
status=0
"$BIN/passwordless-bench" \
    --bin-directory "$BIN" \
    --database-url "postgres://passwordless:passwordless@127.0.0.1:$PG_PORT/passwordless_bench" \
    --redis-url "redis://127.0.0.1:$BENCH_REDIS_PORT/0" \
    --log-directory "$BENCH_DIR" \
    "$@" | tee "$BENCH_DIR/results.md" || status=$?
stop_redis bench "$BENCH_REDIS_PORT"
exit "$status"
