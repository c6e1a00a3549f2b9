#!/usr/bin/env bash
# A private RabbitMQ node for cluster tests and development, apart from the shared test broker of
# scripts/test-servers.sh: its own node name, ports, epmd and data directory, so it can be stopped,
# restarted or killed without touching anybody else's broker.
#
#   scripts/cluster-rabbitmq.sh up NAME          start node NAME (no-op when it runs); prints its AMQP URI last
#   scripts/cluster-rabbitmq.sh stop-app NAME    rabbitmqctl stop_app: every connection closes, the queues stop
#   scripts/cluster-rabbitmq.sh start-app NAME   rabbitmqctl start_app, then wait until it serves again
#   scripts/cluster-rabbitmq.sh kill NAME        kill -9 the broker (its data directory stays)
#   scripts/cluster-rabbitmq.sh start NAME       start the node again on its existing data (after kill)
#   scripts/cluster-rabbitmq.sh down NAME        stop the node and its epmd (SIGTERM, then SIGKILL)
#   scripts/cluster-rabbitmq.sh status NAME      running/stopped, pid, URI
#   scripts/cluster-rabbitmq.sh url NAME         the AMQP URI (user mailtest, vhost mailmesh)
#
# Settings (read by `up`, remembered in DIR/ports.env for the other commands):
#   MAILMESH_RABBITMQ_DIR        data and logs (default /tmp/mailmesh-rabbitmq/NAME)
#   MAILMESH_RABBITMQ_PORT       AMQP port on 127.0.0.1 (default 26672)
#   MAILMESH_RABBITMQ_DIST_PORT  Erlang distribution port (default AMQP port + 1)
#   MAILMESH_RABBITMQ_EPMD_PORT  the node's own epmd (default 26369)
#   MAILMESH_RABBITMQ_START_TIMEOUT  seconds to wait for the broker (default 300; boots take 10-100 s under load)
# Processes are stopped by their pid / process group, never by name. Needs RabbitMQ from scripts/install-deps.sh.
set -euo pipefail

HOST=127.0.0.1
USER_NAME=mailtest PASSWORD=mailtest VHOST=mailmesh
STOP_TIMEOUT=30

log() { printf 'cluster-rabbitmq: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
port_open() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }
group_alive() { kill -0 -- "-$1" 2>/dev/null; }

usage() { sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

[[ $# -eq 2 ]] || usage
COMMAND=$1 NAME=$2
[[ $NAME =~ ^[a-z0-9][a-z0-9-]{0,30}$ ]] || die "node name '$NAME' must be 1-31 lower-case letters, digits or '-'"
DIR=${MAILMESH_RABBITMQ_DIR:-/tmp/mailmesh-rabbitmq/$NAME}

load_ports() {
    if [[ -f $DIR/ports.env ]]; then
        # shellcheck disable=SC1091
        source "$DIR/ports.env"
    else
        PORT=${MAILMESH_RABBITMQ_PORT:-26672}
        DIST_PORT=${MAILMESH_RABBITMQ_DIST_PORT:-$((PORT + 1))}
        EPMD_PORT=${MAILMESH_RABBITMQ_EPMD_PORT:-26369}
    fi
    for p in "$PORT" "$DIST_PORT" "$EPMD_PORT"; do
        if ! [[ $p =~ ^[0-9]+$ ]] || ((p < 1 || p > 65535)); then die "port '$p' is not a TCP port number"; fi
    done
}

uri() { echo "amqp://$USER_NAME:$PASSWORD@$HOST:$PORT/$VHOST"; }

node_env() {
    export HOME=$DIR   # .erlang.cookie: server and CLI must agree
    export RABBITMQ_NODENAME=mailmesh-$NAME@localhost
    export RABBITMQ_NODE_IP_ADDRESS=$HOST RABBITMQ_NODE_PORT=$PORT RABBITMQ_DIST_PORT=$DIST_PORT
    export ERL_EPMD_ADDRESS=$HOST ERL_EPMD_PORT=$EPMD_PORT
    export RABBITMQ_CONF_ENV_FILE=$DIR/rabbitmq-env.conf RABBITMQ_CONFIG_FILE=$DIR/rabbitmq.conf
    export RABBITMQ_ENABLED_PLUGINS_FILE=$DIR/enabled_plugins RABBITMQ_MNESIA_BASE=$DIR/mnesia
    export RABBITMQ_LOG_BASE=$DIR/log RABBITMQ_PID_FILE=$DIR/rabbit.pid
    export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
    export RABBITMQ_CTL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
    export PATH=/usr/lib/rabbitmq/bin:$PATH   # the real scripts; the /usr/sbin wrappers switch user
}

# A pid counts as ours only while its working directory is inside DIR (guards against recycled pids).
ours() { [[ -f $1 ]] || return 1; local pid; pid=$(cat "$1"); [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null && [[ $(readlink "/proc/$pid/cwd" 2>/dev/null) == "$DIR"* ]]; }
broker_pid() { ours "$DIR/broker.pid" && cat "$DIR/broker.pid"; }

stop_group() { # PIDFILE WHAT SIGNAL
    local pid
    ours "$1" || { rm -f "$1"; return 0; }
    pid=$(cat "$1")
    kill "-$3" -- "-$pid" 2>/dev/null || true
    local deadline=$((SECONDS + STOP_TIMEOUT))
    while group_alive "$pid"; do
        if ((SECONDS >= deadline)); then
            log "$2 (process group $pid) still running ${STOP_TIMEOUT}s after SIG$3; sending SIGKILL"
            kill -KILL -- "-$pid" 2>/dev/null || true
            deadline=$((SECONDS + 10))
        fi
        sleep 0.1
    done
    rm -f "$1"
}

wait_serving() {
    local timeout=${MAILMESH_RABBITMQ_START_TIMEOUT:-300}
    if ! timeout "$timeout" rabbitmqctl await_startup --timeout "$timeout" >"$DIR/log/wait.log" 2>&1; then
        tail -n 25 "$DIR/log/wait.log" "$DIR/log/stdout.log" >&2 || true
        die "node $NAME did not start within ${timeout}s (MAILMESH_RABBITMQ_START_TIMEOUT); logs in $DIR/log"
    fi
    local deadline=$((SECONDS + 30))
    until port_open "$PORT"; do
        ((SECONDS < deadline)) || die "node $NAME runs but $HOST:$PORT does not accept connections"
        sleep 0.05
    done
}

launch_broker() {
    rm -f "$RABBITMQ_PID_FILE"   # a killed node's file would name a dead process
    (cd "$DIR" && exec setsid rabbitmq-server >>"$DIR/log/stdout.log" 2>&1 </dev/null 8>&- 9>&-) &
    printf '%s' "$!" >"$DIR/broker.pid"
    local timeout=${MAILMESH_RABBITMQ_START_TIMEOUT:-300}
    if ! timeout "$timeout" rabbitmqctl wait --timeout "$timeout" "$RABBITMQ_PID_FILE" >"$DIR/log/wait.log" 2>&1; then
        tail -n 25 "$DIR/log/wait.log" "$DIR/log/stdout.log" >&2 || true
        die "node $NAME did not start within ${timeout}s (MAILMESH_RABBITMQ_START_TIMEOUT); logs in $DIR/log"
    fi
    wait_serving
}

cmd_up() {
    if pid=$(broker_pid); then
        log "node $NAME already running (pid $pid)"
        uri
        return
    fi
    [[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ]] || die "RabbitMQ is not installed; run scripts/install-deps.sh"
    for p in "$PORT" "$DIST_PORT" "$EPMD_PORT"; do
        port_open "$p" && die "port $HOST:$p is in use; choose others with MAILMESH_RABBITMQ_PORT / _DIST_PORT / _EPMD_PORT"
    done
    stop_group "$DIR/epmd.pid" epmd TERM
    rm -rf "$DIR" && mkdir -p "$DIR/mnesia" "$DIR/log" && chmod 700 "$DIR"
    printf 'PORT=%s\nDIST_PORT=%s\nEPMD_PORT=%s\n' "$PORT" "$DIST_PORT" "$EPMD_PORT" >"$DIR/ports.env"
    node_env
    : >"$RABBITMQ_CONF_ENV_FILE"
    printf '[].\n' >"$RABBITMQ_ENABLED_PLUGINS_FILE"
    local hash
    hash=$(/usr/bin/python3 -c 'import os,hashlib,base64,sys
s=os.urandom(4); print(base64.b64encode(s+hashlib.sha256(s+sys.argv[1].encode()).digest()).decode())' "$PASSWORD")
    cat >"$DIR/definitions.json" <<JSON
{"users":[{"name":"$USER_NAME","password_hash":"$hash","hashing_algorithm":"rabbit_password_hashing_sha256","tags":["administrator"]}],
 "vhosts":[{"name":"$VHOST"}],
 "permissions":[{"user":"$USER_NAME","vhost":"$VHOST","configure":".*","write":".*","read":".*"}]}
JSON
    cat >"$RABBITMQ_CONFIG_FILE" <<CONF
listeners.tcp.default = $HOST:$PORT
loopback_users.guest = true
load_definitions = $DIR/definitions.json
log.console = false
log.file.level = info
CONF
    # Its own epmd first, so this script owns its pid (a CLI call would otherwise spawn one that outlives the node).
    (cd "$DIR" && exec setsid epmd -address "$HOST" -port "$EPMD_PORT" >"$DIR/log/epmd.log" 2>&1 </dev/null 8>&- 9>&-) &
    printf '%s' "$!" >"$DIR/epmd.pid"
    local deadline=$((SECONDS + 30))
    until port_open "$EPMD_PORT"; do
        ((SECONDS < deadline)) || die "epmd did not listen on $HOST:$EPMD_PORT (log: $DIR/log/epmd.log)"
        sleep 0.05
    done
    local t0=$SECONDS
    launch_broker
    log "node $NAME ready in $((SECONDS - t0)) s (pid $(cat "$DIR/broker.pid")), data in $DIR"
    uri
}

cmd_start() {
    broker_pid >/dev/null && { log "node $NAME already running"; return; }
    [[ -f $DIR/ports.env && -d $DIR/mnesia ]] || die "node $NAME has no data in $DIR; use 'up' first"
    ours "$DIR/epmd.pid" || die "the epmd of node $NAME is not running; use 'down' then 'up'"
    node_env
    local t0=$SECONDS
    launch_broker
    log "node $NAME started again in $((SECONDS - t0)) s"
}

running() { broker_pid >/dev/null || die "node $NAME is not running (start it with 'up')"; }

case $COMMAND in
    up) load_ports; cmd_up ;;
    start) load_ports; cmd_start ;;
    stop-app) load_ports; running; node_env; timeout 120 rabbitmqctl stop_app >&2 ;;
    start-app) load_ports; running; node_env; timeout 120 rabbitmqctl start_app >&2; wait_serving ;;
    kill) load_ports; running; stop_group "$DIR/broker.pid" broker KILL ;;
    down) load_ports; stop_group "$DIR/broker.pid" broker TERM; stop_group "$DIR/epmd.pid" epmd TERM; log "node $NAME stopped" ;;
    status) load_ports; if pid=$(broker_pid); then echo "running pid $pid $(uri)"; else echo stopped; exit 1; fi ;;
    url) load_ports; uri ;;
    *) usage ;;
esac
