#!/usr/bin/env bash
# Stops what deploy/local/up.sh started: the three services, the dev Redis (single, TLS or
# cluster) and PostgreSQL. Safe to run when nothing is running. Data in .local/ is kept.
set -euo pipefail
# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

for name in passwordless-gateway passwordless-token passwordless-dispatcher; do
    stop_service "$name"
done
stop_redis dev "${PASSWORDLESS_REDIS_PORT:-56379}"
stop_redis_tls dev "${PASSWORDLESS_REDIS_TLS_PORT:-57030}"
stop_redis_cluster dev "${PASSWORDLESS_REDIS_CLUSTER_PORT:-57021}"
stop_postgres
log "stopped (the test Redis servers, if any, are stopped with: source deploy/local/lib.sh; stop_redis test ${PASSWORDLESS_TEST_REDIS_PORT:-56380}; stop_redis_cluster test ${PASSWORDLESS_TEST_REDIS_CLUSTER_PORT:-57001}; stop_redis_tls test ${PASSWORDLESS_TEST_REDIS_TLS_PORT:-57010})"
