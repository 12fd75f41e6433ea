#!/usr/bin/env bash
# The benchmark: a release build of every service, measured against the performance targets,
# against the machine's raw limits and against a peer (drfpasswordless) in the same run, printed
# as one Markdown table.
#
#   bash deploy/local/bench.sh            # about 7 minutes after the release build
#   bash deploy/local/bench.sh --duration 20 --users 2000000
#   bash deploy/local/bench.sh --redis single,cluster --only start,token
#   bash deploy/local/bench.sh --redis cluster --service-env REDIS_MIN_REPLICAS=1
#   bash deploy/local/bench.sh --no-peer --only dispatcher
#
# The rows (issue #16's targets): /passwordless/start for new users and for returning (seeded)
# users; /oauth/token through the gateway for an RS256 and an ES256 client; the dispatcher
# against a provider answering at once and one answering in 200 ms (DISPATCHER_CONCURRENCY 2048,
# --slow-dispatcher-concurrency, and its peak RSS); tenant fairness; start → provider latency.
#
# --redis KIND[,KIND…] picks the Redis the services use, one full run each, in that order, so
# that they can be compared in one session (default: single):
#   single   one redis-server on port 56390 (PASSWORDLESS_BENCH_REDIS_PORT), append-only file on
#   cluster  a Redis Cluster of six nodes on 57041-57046 (PASSWORDLESS_BENCH_REDIS_CLUSTER_PORT),
#            three masters and three replicas, append-only files on like the single node
#   tls      one redis-server speaking only TLS on port 57050 (PASSWORDLESS_BENCH_REDIS_TLS_PORT)
#
# The peer: drfpasswordless (deploy/local/peer/, a minimal Django project; versions pinned in its
# requirements.txt) in a virtual environment of its own (.local/bench/peer-venv, made once and
# remade when requirements.txt changes), served by gunicorn with 2 × cores + 1 sync workers (its
# documentation's starting point; PASSWORDLESS_BENCH_PEER_WORKERS overrides) on base port + 20,
# on a PostgreSQL database of its own (passwordless_peer, made afresh before every run). Its start
# (POST /auth/mobile/) and exchange (POST /auth/token/) get the same load as ours; its SMS is
# suppressed by its settings. --no-peer leaves it out; if it cannot be set up, the table says so.
#
# It uses a database of its own (passwordless_bench, dropped and made again before every run)
# in the local PostgreSQL cluster, and Redis servers of its own (flushed before every run,
# stopped after), so it never touches the development or test data. Other arguments go to
# passwordless-bench (--help). Service logs (and the peer's, peer.log): .local/bench/<kind>/. Each
# table is also written to .local/bench/results-<kind>.md, and all of them to .local/bench/results.md.
set -euo pipefail
# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

BENCH_REDIS_PORT="${PASSWORDLESS_BENCH_REDIS_PORT:-56390}"
BENCH_REDIS_CLUSTER_PORT="${PASSWORDLESS_BENCH_REDIS_CLUSTER_PORT:-57041}"
BENCH_REDIS_TLS_PORT="${PASSWORDLESS_BENCH_REDIS_TLS_PORT:-57050}"
BENCH_DIR="$STATE/bench"
PEER_DIR="$ROOT/deploy/local/peer"
PEER_VENV="$BENCH_DIR/peer-venv"
PEER_WORKERS="${PASSWORDLESS_BENCH_PEER_WORKERS:-$((2 * $(nproc) + 1))}"

kinds="single"
peer=1
base_port=18080
args=()
while (($# > 0)); do
    case "$1" in
    --redis) (($# >= 2)) || die "--redis needs a value: single, cluster, tls or a comma list"; kinds="$2"; shift 2 ;;
    --redis=*) kinds="${1#--redis=}"; shift ;;
    --no-peer) peer=0; shift ;;
    --base-port) (($# >= 2)) || die "--base-port needs a value"; base_port="$2"; args+=("$1" "$2"); shift 2 ;;
    --base-port=*) base_port="${1#--base-port=}"; args+=("$1"); shift ;;
    *) args+=("$1"); shift ;;
    esac
done
PEER_PORT=$((base_port + 20))
PEER_DATABASE_URL="postgres://passwordless:passwordless@127.0.0.1:$PG_PORT/passwordless_peer"
IFS=, read -r -a kinds <<<"$kinds"
for kind in "${kinds[@]}"; do
    [[ "$kind" =~ ^(single|cluster|tls)$ ]] || die "--redis takes single, cluster or tls (comma-separated), not '$kind'"
done

# setup_peer_venv — makes .local/bench/peer-venv with the peer's requirements (once, and again
# when requirements.txt changes). Prints why not on failure.
setup_peer_venv() {
    local stamp="$PEER_VENV/requirements.txt"
    if [[ -x "$PEER_VENV/bin/gunicorn" ]] && cmp -s "$PEER_DIR/requirements.txt" "$stamp"; then
        return 0
    fi
    log "peer: virtual environment $PEER_VENV (pip install -r deploy/local/peer/requirements.txt)"
    rm -rf "$PEER_VENV"
    python3 -m venv "$PEER_VENV" >"$BENCH_DIR/peer-install.log" 2>&1 ||
        { echo "python3 -m venv failed (see $BENCH_DIR/peer-install.log)"; return 1; }
    "$PEER_VENV/bin/pip" install --quiet --disable-pip-version-check -r "$PEER_DIR/requirements.txt" \
        >>"$BENCH_DIR/peer-install.log" 2>&1 ||
        { echo "pip could not install the peer's requirements (see $BENCH_DIR/peer-install.log)"; return 1; }
    cp "$PEER_DIR/requirements.txt" "$stamp"
}

peer_pid=""

# start_peer LOG_DIR — a fresh passwordless_peer database, migrated, and gunicorn on PEER_PORT
# (its pid in peer_pid). Sets peer_reason to why not on failure.
start_peer() {
    local logdir="$1"
    psql_admin -c "DROP DATABASE IF EXISTS passwordless_peer" -c "CREATE DATABASE passwordless_peer OWNER passwordless" ||
        { peer_reason="could not make the database passwordless_peer"; return 1; }
    PEER_DATABASE_URL="$PEER_DATABASE_URL" "$PEER_VENV/bin/python" "$PEER_DIR/manage.py" migrate --no-input \
        >"$logdir/peer-migrate.log" 2>&1 ||
        { peer_reason="its migrations failed (see $logdir/peer-migrate.log)"; return 1; }
    log "peer: gunicorn, $PEER_WORKERS workers, on 127.0.0.1:$PEER_PORT"
    PEER_DATABASE_URL="$PEER_DATABASE_URL" "$PEER_VENV/bin/gunicorn" peer.wsgi --chdir "$PEER_DIR" \
        --workers "$PEER_WORKERS" --bind "127.0.0.1:$PEER_PORT" --backlog 2048 --no-control-socket >"$logdir/peer.log" 2>&1 &
    peer_pid=$!
    wait_http "http://127.0.0.1:$PEER_PORT/healthz" 60 "$peer_pid" >>"$logdir/peer.log" 2>&1 ||
        { stop_peer; peer_reason="gunicorn did not answer on port $PEER_PORT (see $logdir/peer.log)"; return 1; }
}

stop_peer() {
    [[ -n "$peer_pid" ]] || return 0
    kill -TERM "$peer_pid" 2>/dev/null || true
    wait "$peer_pid" 2>/dev/null || true
    peer_pid=""
}
trap stop_peer EXIT

peer_description() {
    local versions
    versions="$("$PEER_VENV/bin/python" -c '
from importlib.metadata import version
print(", ".join(f"{n} {version(n)}" for n in ("drfpasswordless", "Django", "djangorestframework", "gunicorn", "psycopg")))
' 2>/dev/null || echo drfpasswordless)"
    printf '%s; gunicorn with %s sync workers; PostgreSQL (its own database, made afresh); ' "$versions" "$PEER_WORKERS"
    printf 'start = POST /auth/mobile/ (SMS suppressed), exchange = POST /auth/token/ (a DRF token, nothing signed)'
}

ensure_packages
start_postgres

cd "$ROOT"
command -v swift >/dev/null 2>&1 || die "swift is not on PATH"
log "swift build -c release"
swift build -c release
BIN="$(swift build -c release --show-bin-path)"

mkdir -p "$BENCH_DIR"
: >"$BENCH_DIR/results.md"
peer_unavailable=""
if ((peer)); then
    peer_unavailable="$(setup_peer_venv)" || true
fi
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
    peer_args=()
    if ((peer)); then
        peer_reason="$peer_unavailable"
        [[ -n "$peer_reason" ]] || start_peer "$BENCH_DIR/$kind" || true
        if [[ -n "$peer_reason" ]]; then
            warn "the peer is not measured: $peer_reason"
            peer_args=(--peer-unavailable "$peer_reason")
        else
            peer_args=(--peer-port "$PEER_PORT" --peer-pid "$peer_pid" --peer-database-url "$PEER_DATABASE_URL"
                --peer-description "$(peer_description)")
        fi
    fi
    run_status=0
    "$BIN/passwordless-bench" \
        --bin-directory "$BIN" \
        --database-url "postgres://passwordless:passwordless@127.0.0.1:$PG_PORT/passwordless_bench" \
        --redis-url "$redis_url" \
        --log-directory "$BENCH_DIR/$kind" \
        "${peer_args[@]}" "${redis_args[@]}" "${args[@]}" | tee "$BENCH_DIR/results-$kind.md" || run_status=$?
    stop_peer
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
