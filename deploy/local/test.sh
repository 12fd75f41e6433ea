#!/usr/bin/env bash
# Sets up everything the tests need and runs every test:
#   PostgreSQL (shared local cluster), the test Redis servers (a single node, a Redis Cluster of
#   six nodes and a TLS node), Python packages, one debug build with tests, then
#   `swift test --skip-build` (serial: tests restart servers).
#
# Ports (environment overrides): PASSWORDLESS_TEST_REDIS_PORT (56380),
#   PASSWORDLESS_TEST_REDIS_CLUSTER_PORT (57001: the cluster uses 57001-57006, and its bus
#   47001-47006), PASSWORDLESS_TEST_REDIS_TLS_PORT (57010).
# Extra arguments go to `swift test`, e.g.: bash deploy/local/test.sh --filter RedisClientTests
# Exit code: the test run's (or the build's, if the build fails).
set -euo pipefail
# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Python packages the tests need (pip requirement specs); installed only when missing.
TEST_PIP_PACKAGES=(aiosmtpd auth0-python PyYAML schemathesis selenium)
# The browser tests (Tests/support/browser.py) drive Debian's Chromium through its chromedriver;
# browsers cannot be downloaded at test time, so they come from apt with the rest.
APT_PACKAGES+=(chromium chromium-driver)

TEST_REDIS_PORT="${PASSWORDLESS_TEST_REDIS_PORT:-56380}"
TEST_REDIS_CLUSTER_PORT="${PASSWORDLESS_TEST_REDIS_CLUSTER_PORT:-57001}"
TEST_REDIS_TLS_PORT="${PASSWORDLESS_TEST_REDIS_TLS_PORT:-57010}"

ensure_packages
start_postgres
start_redis test "$TEST_REDIS_PORT"
redis_start=$SECONDS
start_redis_cluster test "$TEST_REDIS_CLUSTER_PORT"
start_redis_tls test "$TEST_REDIS_TLS_PORT"
redis_secs=$((SECONDS - redis_start))
ensure_pip_packages "${TEST_PIP_PACKAGES[@]}"

cd "$ROOT"
command -v swift >/dev/null 2>&1 || die "swift is not on PATH"

export PASSWORDLESS_TEST_DATABASE_URL="$DATABASE_URL"
export PASSWORDLESS_TEST_REDIS_URL="redis://127.0.0.1:$TEST_REDIS_PORT/0"
REDIS_SERVER_BIN="$(command -v redis-server)"
REDIS_CLI_BIN="$(command -v redis-cli)"
export REDIS_SERVER_BIN REDIS_CLI_BIN
# The Redis Cluster: all six nodes as seeds; <dir>/<port>/redis.conf restarts a killed node.
export PASSWORDLESS_TEST_REDIS_CLUSTER_URL="redis://$REDIS_CLUSTER_SEEDS"
PASSWORDLESS_TEST_REDIS_CLUSTER_PORTS="$(redis_cluster_ports "$TEST_REDIS_CLUSTER_PORT" | paste -sd,)"
export PASSWORDLESS_TEST_REDIS_CLUSTER_PORTS
export PASSWORDLESS_TEST_REDIS_CLUSTER_DIR="$REDIS_CLUSTER_DIR"
# The TLS node, its CA and a client certificate; a CA and a client certificate it does not trust;
# its own certificate (for tests that start a TLS Redis of their own).
export PASSWORDLESS_TEST_REDIS_TLS_URL="rediss://127.0.0.1:$TEST_REDIS_TLS_PORT/0"
export PASSWORDLESS_TEST_REDIS_TLS_CA_FILE="$REDIS_TLS_DIR/ca.crt"
export PASSWORDLESS_TEST_REDIS_TLS_CERT_FILE="$REDIS_TLS_DIR/client.crt"
export PASSWORDLESS_TEST_REDIS_TLS_KEY_FILE="$REDIS_TLS_DIR/client.key"
export PASSWORDLESS_TEST_REDIS_WRONG_CA_FILE="$REDIS_TLS_DIR/wrong-ca.crt"
export PASSWORDLESS_TEST_REDIS_TLS_WRONG_CERT_FILE="$REDIS_TLS_DIR/wrong-client.crt"
export PASSWORDLESS_TEST_REDIS_TLS_WRONG_KEY_FILE="$REDIS_TLS_DIR/wrong-client.key"
export PASSWORDLESS_TEST_REDIS_TLS_SERVER_CERT_FILE="$REDIS_TLS_DIR/server.crt"
export PASSWORDLESS_TEST_REDIS_TLS_SERVER_KEY_FILE="$REDIS_TLS_DIR/server.key"

# The code's shape: Package.swift declares every import, and the tree is formatted as
# .swift-format says. Both take seconds and fail before the build does.
log "python3 deploy/check_imports.py"
python3 deploy/check_imports.py
log "swift format lint --strict"
swift format lint --strict --recursive --parallel Package.swift Shared Services Tests

build_start=$SECONDS
log "swift build --build-tests"
build_rc=0
swift build --build-tests || build_rc=$?
build_secs=$((SECONDS - build_start))
if ((build_rc != 0)); then
    printf '\nbuild: %ss (FAILED, exit %s)\n' "$build_secs" "$build_rc"
    exit "$build_rc"
fi

PASSWORDLESS_BIN_DIR="$(swift build --show-bin-path)"
export PASSWORDLESS_BIN_DIR

test_start=$SECONDS
log "swift test --skip-build --no-parallel $*"
test_rc=0
swift test --skip-build --no-parallel "$@" || test_rc=$?
test_secs=$((SECONDS - test_start))

printf '\nredis cluster + TLS: %ss\nbuild: %ss\ntests: %ss (exit %s)\n' "$redis_secs" "$build_secs" "$test_secs" "$test_rc"
exit "$test_rc"
