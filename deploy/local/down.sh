#!/usr/bin/env bash
# Stops what deploy/local/up.sh started: the three services, the dev Redis and
# PostgreSQL. Safe to run when nothing is running. Data in .local/ is kept.
set -euo pipefail
# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

for name in passwordless-gateway passwordless-token passwordless-dispatcher; do
    stop_service "$name"
done
stop_redis dev "${PASSWORDLESS_REDIS_PORT:-56379}"
stop_postgres
log "stopped (the test Redis, if any, is stopped with: source deploy/local/lib.sh; stop_redis test ${PASSWORDLESS_TEST_REDIS_PORT:-56380})"
