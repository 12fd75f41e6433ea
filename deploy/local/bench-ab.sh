#!/usr/bin/env bash
# Compares two builds in one run: the benchmark against the release executables in BEFORE_DIR and
# against this tree's release build, alternating (before, after, before, after, …), so both see
# the same machine. For before/after figures of a change, e.g.:
#
#   git worktree add ../before <commit> && (cd ../before && swift build -c release)
#   bash deploy/local/bench-ab.sh ../before/.build/release --only start,token --duration 20
#
# ROUNDS (default 2) sets how many times each side runs. Extra arguments go to passwordless-bench.
# Each run's table is printed with its side and round; service logs go to .local/bench-ab/.
set -euo pipefail
# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
(($# >= 1)) || die "usage: bench-ab.sh BEFORE_BIN_DIR [passwordless-bench arguments]"
BEFORE="$(cd "$1" && pwd)"
shift
[[ -x "$BEFORE/passwordless-gateway" ]] || die "$BEFORE has no passwordless-gateway (build the earlier commit with swift build -c release)"
BENCH_REDIS_PORT="${PASSWORDLESS_BENCH_REDIS_PORT:-56390}"
ensure_packages
start_postgres
cd "$ROOT"
swift build -c release
AFTER="$(swift build -c release --show-bin-path)"
for round in $(seq 1 "${ROUNDS:-2}"); do
    for side in before after; do
        bin="$AFTER"
        [[ "$side" == before ]] && bin="$BEFORE"
        start_redis bench "$BENCH_REDIS_PORT"
        redis-cli -h 127.0.0.1 -p "$BENCH_REDIS_PORT" flushall >/dev/null
        psql_admin -c "DROP DATABASE IF EXISTS passwordless_bench" -c "CREATE DATABASE passwordless_bench OWNER passwordless"
        mkdir -p "$STATE/bench-ab/$side-$round"
        log "$side, round $round"
        "$AFTER/passwordless-bench" --bin-directory "$bin" \
            --database-url "postgres://passwordless:passwordless@127.0.0.1:$PG_PORT/passwordless_bench" \
            --redis-url "redis://127.0.0.1:$BENCH_REDIS_PORT/0" --log-directory "$STATE/bench-ab/$side-$round" "$@"
        stop_redis bench "$BENCH_REDIS_PORT"
    done
done
