#!/usr/bin/env bash
# A local MailMesh cluster for development and tests: PostgreSQL and RabbitMQ (started by
# scripts/test-servers.sh) and N silo processes on loopback ports, all in one run directory.
#
#   scripts/cluster.sh up [N]        build the silo once, start N silos (default 3); no-op for running ones
#   scripts/cluster.sh down          stop every silo gracefully (SIGTERM: hand-over, leave), then wait
#   scripts/cluster.sh kill I        kill -9 silo I (as a crash; its peers declare it dead within ~10 s)
#   scripts/cluster.sh start I       start silo I again (after kill or down)
#   scripts/cluster.sh status        one line per silo: running/stopped, pid, gRPC address
#   scripts/cluster.sh env           export lines: MAILMESH_URL (silo 1), MAILMESH_KEY (operator admin key)
#
# Silo I serves gRPC on 127.0.0.1:$((BASE_PORT + 2I - 1)) and HTTP (health, metrics) on the port after it,
# e.g. silo 1: gRPC 5181, HTTP 5182; silo 2: gRPC 5183, HTTP 5184. Logs: $RUN_DIR/silo-I.log.
# Settings: MAILMESH_CLUSTER_DIR (default /tmp/mailmesh-cluster), MAILMESH_CLUSTER_BASE_PORT (5180),
# MAILMESH_CLUSTER_SCHEMA (cluster), MAILMESH_CLUSTER_QUEUE_PREFIX (cluster), MAILMESH_CLUSTER_SHARDS (256).
# Stops only the processes it started, by pid (never by name).
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUN_DIR=${MAILMESH_CLUSTER_DIR:-/tmp/mailmesh-cluster}
BASE_PORT=${MAILMESH_CLUSTER_BASE_PORT:-5180}
SCHEMA=${MAILMESH_CLUSTER_SCHEMA:-cluster}
QUEUE_PREFIX=${MAILMESH_CLUSTER_QUEUE_PREFIX:-cluster}
SHARDS=${MAILMESH_CLUSTER_SHARDS:-256}
BIN_DIR=$RUN_DIR/bin
STOP_TIMEOUT=${MAILMESH_CLUSTER_STOP_TIMEOUT:-45}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

die() { echo "cluster: $*" >&2; exit 1; }
grpc_port() { echo $((BASE_PORT + 2 * $1 - 1)); }
http_port() { echo $((BASE_PORT + 2 * $1)); }
pid_of() { if [[ -f $RUN_DIR/silo-$1.pid ]]; then cat "$RUN_DIR/silo-$1.pid"; fi; }
alive() { local pid; pid=$(pid_of "$1"); [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; }
check_index() { [[ $1 =~ ^[1-9][0-9]?$ ]] || die "silo number '$1' must be 1-99"; }

servers() {
    "$REPO_ROOT/scripts/test-servers.sh" up postgres rabbitmq >&2
    # shellcheck disable=SC1091
    source "${MAILMESH_RUN_DIR:-/tmp/mailmesh-test-servers}/env.sh"
    [[ -n ${MAILMESH_TEST_POSTGRES:-} && -n ${MAILMESH_TEST_RABBITMQ:-} ]] || die "test-servers.sh did not report PostgreSQL and RabbitMQ addresses"
}

build() {
    if [[ ! -x $BIN_DIR/mailmesh-silo || -n ${MAILMESH_CLUSTER_REBUILD:-} ]]; then
        echo "cluster: building the silo into $BIN_DIR" >&2
        dotnet build "$REPO_ROOT/silo/MailMesh.Silo" -c Release -o "$BIN_DIR" -nologo -v quiet >&2 || die "the silo did not build"
    fi
}

credential_key() {
    local file=$RUN_DIR/credential.key
    [[ -f $file ]] || (umask 077 && head -c 32 /dev/urandom | base64 > "$file")
    cat "$file"
}

start_silo() {
    local i=$1
    check_index "$i"
    if alive "$i"; then
        echo "cluster: silo $i already running (pid $(pid_of "$i"))" >&2
        return
    fi
    mkdir -p "$RUN_DIR/silo-$i"
    local grpc http key
    grpc=$(grpc_port "$i")
    http=$(http_port "$i")
    key=$(credential_key)
    (
        cd "$RUN_DIR/silo-$i"
        export MAILMESH__SILO__DATADIRECTORY=$RUN_DIR/silo-$i \
            MAILMESH__KESTREL__ENDPOINTS__GRPC__URL=http://127.0.0.1:$grpc \
            MAILMESH__KESTREL__ENDPOINTS__HTTP__URL=http://127.0.0.1:$http \
            MAILMESH__STORAGE__PROVIDER=PostgreSql \
            MAILMESH__STORAGE__POSTGRESQL__CONNECTIONSTRING="$MAILMESH_TEST_POSTGRES" \
            MAILMESH__STORAGE__POSTGRESQL__SCHEMA=$SCHEMA \
            MAILMESH__CLUSTER__ENABLED=true \
            MAILMESH__CLUSTER__SILOID="silo-$i-$EPOCHSECONDS" \
            MAILMESH__CLUSTER__ADDRESS=127.0.0.1:$grpc \
            MAILMESH__CLUSTER__SHARDCOUNT=$SHARDS \
            MAILMESH__CLUSTER__RABBITMQ__CONNECTIONSTRING="$MAILMESH_TEST_RABBITMQ" \
            MAILMESH__CLUSTER__RABBITMQ__QUEUEPREFIX=$QUEUE_PREFIX \
            MAILMESH__MAILBOXES__CREDENTIALKEY="$key" \
            MAILMESH__API__BOOTSTRAPKEYFILE=$RUN_DIR/admin.key
        exec setsid "$BIN_DIR/mailmesh-silo" >> "$RUN_DIR/silo-$i.log" 2>&1 < /dev/null
    ) &
    echo $! > "$RUN_DIR/silo-$i.pid"
    local deadline=$((SECONDS + 120))
    until curl -fsS "http://127.0.0.1:$(http_port "$i")/healthz/ready" > /dev/null 2>&1; do
        alive "$i" || die "silo $i exited during start-up; see $RUN_DIR/silo-$i.log"
        ((SECONDS < deadline)) || die "silo $i not ready after 120 s; see $RUN_DIR/silo-$i.log"
        sleep 0.5
    done
    echo "cluster: silo $i ready (pid $(pid_of "$i")), gRPC http://127.0.0.1:$(grpc_port "$i")" >&2
}

stop_silo() {
    local i=$1 signal=$2 pid
    pid=$(pid_of "$i")
    [[ -n $pid ]] || return 0
    if kill -0 "$pid" 2>/dev/null; then
        kill "-$signal" "$pid"
        local deadline=$((SECONDS + STOP_TIMEOUT))
        while kill -0 "$pid" 2>/dev/null; do
            ((SECONDS < deadline)) || die "silo $i (pid $pid) did not stop within ${STOP_TIMEOUT} s"
            sleep 0.2
        done
    fi
    rm -f "$RUN_DIR/silo-$i.pid"
}

silos() { find "$RUN_DIR" -maxdepth 1 -name 'silo-*.pid' -printf '%f\n' 2>/dev/null | sed 's/silo-\([0-9]*\)\.pid/\1/' | sort -n; }

command=${1:-}
shift || true
mkdir -p "$RUN_DIR"
case $command in
    up)
        count=${1:-3}
        [[ $count =~ ^[1-9][0-9]?$ ]] || die "the number of silos '$count' must be 1-99"
        servers
        build
        for ((i = 1; i <= count; i++)); do start_silo "$i"; done
        ;;
    start)
        [[ -n ${1:-} ]] || die "usage: scripts/cluster.sh start I"
        servers
        build
        start_silo "$1"
        ;;
    kill)
        [[ -n ${1:-} ]] || die "usage: scripts/cluster.sh kill I"
        check_index "$1"
        alive "$1" || die "silo $1 is not running"
        stop_silo "$1" KILL
        echo "cluster: silo $1 killed" >&2
        ;;
    down)
        for i in $(silos); do stop_silo "$i" TERM; done
        echo "cluster: all silos stopped (PostgreSQL and RabbitMQ keep running; scripts/test-servers.sh down stops them)" >&2
        ;;
    status)
        for i in $(silos); do
            if alive "$i"; then
                echo "silo-$i running  pid $(pid_of "$i")  grpc http://127.0.0.1:$(grpc_port "$i")  http http://127.0.0.1:$(http_port "$i")"
            else
                echo "silo-$i stopped"
            fi
        done
        ;;
    env)
        echo "export MAILMESH_URL=http://127.0.0.1:$(grpc_port 1)"
        [[ -f $RUN_DIR/admin.key ]] && echo "export MAILMESH_KEY=$(cat "$RUN_DIR/admin.key")"
        ;;
    *)
        die "usage: scripts/cluster.sh up [N] | down | kill I | start I | status | env"
        ;;
esac
