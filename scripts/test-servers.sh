#!/usr/bin/env bash
# Starts and stops the real servers MailMesh's tests use, on 127.0.0.1 only, each in its own
# directory under the run dir, and stops them by process id / process group (never by name).
#
#   scripts/test-servers.sh up [SERVER...]     start (all, or the named ones); no-op for running ones
#   scripts/test-servers.sh down [SERVER...]   stop what this script started; waits for the ports to close
#   scripts/test-servers.sh status             one line per server: running/stopped, pid, address
#   scripts/test-servers.sh env                print `export NAME=value` lines for the tests
#
# SERVER is one of: postgres rabbitmq dovecot smtp smtpsink azurite spamd.
# `up` also writes the env lines to $MAILMESH_RUN_DIR/env.sh (source it before `dotnet test`).
# Install the servers first with scripts/install-deps.sh. Ports and dirs: see docs/testing.md.
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUN_DIR=${MAILMESH_RUN_DIR:-/tmp/mailmesh-test-servers}
START_TIMEOUT=${MAILMESH_TEST_START_TIMEOUT:-120}   # seconds per server
STOP_TIMEOUT=${MAILMESH_TEST_STOP_TIMEOUT:-30}     # seconds per server
# RabbitMQ boots in 10-20 s on an idle 2-core machine but took 100 s while the machine was
# busy compiling: it gets a longer bound.
RMQ_START_TIMEOUT=${MAILMESH_TEST_RABBITMQ_START_TIMEOUT:-300}

HOST=127.0.0.1
PG_PORT=${MAILMESH_TEST_POSTGRES_PORT:-25432}
RMQ_PORT=${MAILMESH_TEST_RABBITMQ_PORT:-25672}
RMQ_DIST_PORT=${MAILMESH_TEST_RABBITMQ_DIST_PORT:-25673}
EPMD_PORT=${MAILMESH_TEST_EPMD_PORT:-24369}
IMAP_PORT=${MAILMESH_TEST_IMAP_PORT:-21143}
IMAPS_PORT=${MAILMESH_TEST_IMAPS_PORT:-21993}
POP3_PORT=${MAILMESH_TEST_POP3_PORT:-21110}
LMTP_PORT=${MAILMESH_TEST_LMTP_PORT:-21024}
SMTP_PORT=${MAILMESH_TEST_SMTP_PORT:-22525}
SMTPSINK_PORT=${MAILMESH_TEST_SMTPSINK_PORT:-22526}
SMTP_CHUNKING_PORT=${MAILMESH_TEST_SMTP_CHUNKING_PORT:-22527}   # the smtp server's second port, offering CHUNKING
SMTP_STARTTLS_PORT=${MAILMESH_TEST_SMTP_STARTTLS_PORT:-22528}   # ... offering STARTTLS (test CA in smtp/ssl/ca.pem)
SMTPS_PORT=${MAILMESH_TEST_SMTPS_PORT:-22529}                   # ... TLS from the first byte
AZURITE_PORT=${MAILMESH_TEST_AZURITE_PORT:-20000}

PG_DB=maildb PG_USER=mailtest PG_PASSWORD=mailtest
RMQ_USER=mailtest RMQ_PASSWORD=mailtest RMQ_VHOST=mailmesh
AZ_ACCOUNT=devstoreaccount1
# The public, well-known development key of the storage emulator (not a secret).
AZ_KEY='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='

ALL_SERVERS=(postgres rabbitmq dovecot smtp smtpsink azurite)
SPAMD_PORT=${MAILMESH_TEST_SPAMD_PORT:-22783}
ALL_SERVERS+=(spamd)   # rules: spamtest scoring (start_spamd below)

log() { printf 'test-servers: %s\n' "$*"; }
err() { printf 'test-servers: ERROR: %s\n' "$*" >&2; }
die() { err "$*"; exit 1; }
now_ms() { date +%s%3N; }

# ---------------------------------------------------------------- helpers: ports and processes

port_open() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

# The pid file of a server holds the id of the process it started in its own session (setsid),
# so that id is also its process group. A pid counts as ours only when its working directory is
# inside the server's directory (guards against a recycled pid after a reboot or a crash).
server_dir() { printf '%s/%s' "$RUN_DIR" "$1"; }
pid_file() { printf '%s/%s/pid' "$RUN_DIR" "$1"; }

pid_is_ours() { # NAME PID
  local cwd
  kill -0 "$2" 2>/dev/null || return 1
  cwd=$(readlink "/proc/$2/cwd" 2>/dev/null) || return 1
  [[ "$cwd" == "$(server_dir "$1")"* ]]
}

running_pid() { # NAME -> prints pid if running; cleans a stale pid file
  local f pid
  f=$(pid_file "$1")
  [ -f "$f" ] || return 1
  pid=$(cat "$f")
  if [[ "$pid" =~ ^[0-9]+$ ]] && pid_is_ours "$1" "$pid"; then
    printf '%s' "$pid"
    return 0
  fi
  log "$1: removing stale pid file ($f: process ${pid:-?} is gone)" >&2
  # Linux does not hand out a pid that is still some group's id, so live members of group $pid
  # are leftovers of that server (e.g. the broker after its wrapper script was killed).
  if [[ "$pid" =~ ^[0-9]+$ ]] && group_alive "$pid"; then
    log "$1: stopping leftover processes of process group $pid" >&2
    kill -TERM -- "-$pid" 2>/dev/null || true
    wait_group_gone "$pid" "$STOP_TIMEOUT" || kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  rm -f "$f"
  return 1
}

group_alive() { kill -0 -- "-$1" 2>/dev/null; }

wait_group_gone() { # PGID SECONDS
  local deadline=$(( $(date +%s) + $2 ))
  while group_alive "$1"; do
    [ "$(date +%s)" -ge "$deadline" ] && return 1
    sleep 0.1
  done
}

wait_port_closed() { # PORT SECONDS
  local deadline=$(( $(date +%s) + $2 ))
  while port_open "$1"; do
    [ "$(date +%s)" -ge "$deadline" ] && return 1
    sleep 0.1
  done
}

log_tail() { # NAME FILE...
  local f
  for f in "${@:2}"; do
    [ -f "$f" ] || continue
    printf -- '--- last lines of %s ---\n' "$f" >&2
    tail -n 25 "$f" >&2
  done
}

fail_start() { # NAME MESSAGE LOGFILE...
  err "$1 did not become ready: $2"
  log_tail "$@"
  stop_server "$1" || true
  exit 1
}

# Waits until PORT accepts connections while process PID lives; fails with the log tail otherwise.
wait_port_ready() { # NAME PID PORT LOGFILE...
  local name=$1 pid=$2 port=$3 deadline=$(( $(date +%s) + START_TIMEOUT ))
  until port_open "$port"; do
    kill -0 "$pid" 2>/dev/null || fail_start "$name" "process $pid exited before $HOST:$port accepted connections" "${@:4}"
    [ "$(date +%s)" -ge "$deadline" ] && fail_start "$name" "$HOST:$port not accepting connections after ${START_TIMEOUT}s" "${@:4}"
    sleep 0.05
  done
}

check_port_free() { # NAME PORT ENVVAR
  if port_open "$2"; then
    die "$1: port $HOST:$2 is already in use by a process this script did not start; free it or choose another port with $3=PORT"
  fi
}

# Launches "$@" in a new session (so its pid is its process group id) with cwd = the server dir.
launch() { # NAME LOGFILE CMD...
  local name=$1 logfile=$2 dir
  dir=$(server_dir "$name")
  shift 2
  # fds 8/9 are lock files (ours, scripts/test.sh's): a long-lived server must not hold them.
  (cd "$dir" && exec setsid "$@" >"$logfile" 2>&1 </dev/null 8>&- 9>&-) &
  printf '%s' "$!" >"$(pid_file "$name")"
}

# ---------------------------------------------------------------- servers

start_postgres() {
  local d bin
  d=$(server_dir postgres)
  bin=/usr/lib/postgresql/15/bin
  [ -x "$bin/postgres" ] || die "postgres: $bin/postgres not found; run scripts/install-deps.sh"
  check_port_free postgres "$PG_PORT" MAILMESH_TEST_POSTGRES_PORT
  rm -rf "$d" && mkdir -p "$d" && chmod 755 "$d"
  local as=()
  if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$d"; as=(runuser -u postgres --); fi
  (cd "$d" && "${as[@]}" "$bin/initdb" -D "$d/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
      -E UTF8 --locale=C.UTF-8 >"$d/initdb.log" 2>&1) || { err "postgres: initdb failed"; log_tail postgres "$d/initdb.log"; exit 1; }
  # pg_ctl detaches the postmaster into its own session; -w waits until it accepts connections.
  (cd "$d" && timeout "$START_TIMEOUT" "${as[@]}" "$bin/pg_ctl" -D "$d/data" -l "$d/postgres.log" -w -t "$START_TIMEOUT" \
      -o "-p $PG_PORT -c listen_addresses=$HOST -k $d -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
      start >"$d/pg_ctl.log" 2>&1 </dev/null 8>&- 9>&-) || { err "postgres: pg_ctl start failed"; log_tail postgres "$d/pg_ctl.log" "$d/postgres.log"; exit 1; }
  head -1 "$d/data/postmaster.pid" >"$(pid_file postgres)"
  (cd "$d" && timeout 30 "${as[@]}" psql -h "$d" -p "$PG_PORT" -U postgres -d postgres -qX -v ON_ERROR_STOP=1 \
      -c "CREATE ROLE $PG_USER LOGIN CREATEDB PASSWORD '$PG_PASSWORD'" \
      -c "CREATE DATABASE $PG_DB OWNER $PG_USER" >"$d/setup.log" 2>&1) \
    || fail_start postgres "creating role $PG_USER and database $PG_DB failed" "$d/setup.log" "$d/postgres.log"
  wait_port_ready postgres "$(cat "$(pid_file postgres)")" "$PG_PORT" "$d/postgres.log"
}

rabbitmq_env() { # exports the environment the RabbitMQ scripts read
  local d
  d=$(server_dir rabbitmq)
  export HOME=$d   # .erlang.cookie: server and CLI must agree
  export RABBITMQ_NODENAME=mailmesh-test@localhost
  export RABBITMQ_NODE_IP_ADDRESS=$HOST
  export RABBITMQ_NODE_PORT=$RMQ_PORT
  export RABBITMQ_DIST_PORT=$RMQ_DIST_PORT
  export ERL_EPMD_ADDRESS=$HOST
  export ERL_EPMD_PORT=$EPMD_PORT
  export RABBITMQ_CONF_ENV_FILE=$d/rabbitmq-env.conf
  export RABBITMQ_CONFIG_FILE=$d/rabbitmq.conf
  export RABBITMQ_ENABLED_PLUGINS_FILE=$d/enabled_plugins
  export RABBITMQ_MNESIA_BASE=$d/mnesia
  export RABBITMQ_LOG_BASE=$d/log
  export RABBITMQ_PID_FILE=$d/rabbit.pid
  export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
  export RABBITMQ_CTL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
  export PATH=/usr/lib/rabbitmq/bin:$PATH   # the real scripts; the /usr/sbin wrappers switch user
}

start_rabbitmq() {
  local d
  d=$(server_dir rabbitmq)
  [ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || die "rabbitmq: not installed; run scripts/install-deps.sh"
  stop_epmd || true   # a leftover of an earlier broker whose wrapper was killed
  check_port_free rabbitmq "$RMQ_PORT" MAILMESH_TEST_RABBITMQ_PORT
  check_port_free rabbitmq "$RMQ_DIST_PORT" MAILMESH_TEST_RABBITMQ_DIST_PORT
  check_port_free epmd "$EPMD_PORT" MAILMESH_TEST_EPMD_PORT
  rm -rf "$d" && mkdir -p "$d/mnesia" "$d/log" && chmod 700 "$d"
  (
    rabbitmq_env
    : >"$RABBITMQ_CONF_ENV_FILE"
    printf '[rabbitmq_consistent_hash_exchange].\n' >"$RABBITMQ_ENABLED_PLUGINS_FILE"
    local hash
    hash=$(/usr/bin/python3 -c 'import os,hashlib,base64,sys
s=os.urandom(4); print(base64.b64encode(s+hashlib.sha256(s+sys.argv[1].encode()).digest()).decode())' "$RMQ_PASSWORD")
    cat >"$d/definitions.json" <<JSON
{"users":[{"name":"$RMQ_USER","password_hash":"$hash","hashing_algorithm":"rabbit_password_hashing_sha256","tags":["administrator"]}],
 "vhosts":[{"name":"$RMQ_VHOST"},{"name":"/"}],
 "permissions":[{"user":"$RMQ_USER","vhost":"$RMQ_VHOST","configure":".*","write":".*","read":".*"},
                {"user":"$RMQ_USER","vhost":"/","configure":".*","write":".*","read":".*"}]}
JSON
    cat >"$RABBITMQ_CONFIG_FILE" <<CONF
listeners.tcp.default = $HOST:$RMQ_PORT
loopback_users.guest = true
load_definitions = $d/definitions.json
log.console = false
log.file.level = info
CONF
    # Our own epmd first, so we own its pid (an erl/CLI call would otherwise spawn an epmd that outlives us).
    mkdir -p "$d/epmd" && launch_epmd
    wait_port_ready rabbitmq "$(cat "$d/epmd/pid")" "$EPMD_PORT" "$d/epmd/epmd.log"
    launch rabbitmq "$d/log/stdout.log" rabbitmq-server
    if ! timeout "$RMQ_START_TIMEOUT" rabbitmqctl wait --timeout "$RMQ_START_TIMEOUT" "$RABBITMQ_PID_FILE" >"$d/log/wait.log" 2>&1; then
      fail_start rabbitmq "rabbitmqctl wait failed or timed out after ${RMQ_START_TIMEOUT}s (MAILMESH_TEST_RABBITMQ_START_TIMEOUT)" "$d/log/wait.log" "$d/log/stdout.log" "$d/log/$RABBITMQ_NODENAME.log"
    fi
  )
  wait_port_ready rabbitmq "$(cat "$(pid_file rabbitmq)")" "$RMQ_PORT" "$d/log/stdout.log"
}

launch_epmd() {
  local d
  d=$(server_dir rabbitmq)
  (cd "$d/epmd" && exec setsid epmd -address "$HOST" -port "$EPMD_PORT" >"$d/epmd/epmd.log" 2>&1 </dev/null 8>&- 9>&-) &
  printf '%s' "$!" >"$d/epmd/pid"
}

start_dovecot() {
  local d uid gid
  d=$(server_dir dovecot)
  command -v dovecot >/dev/null 2>&1 || die "dovecot: not installed; run scripts/install-deps.sh"
  [ "$(id -u)" -eq 0 ] || die "dovecot: must be started as root (it switches to the vmail user for mail access)"
  id vmail >/dev/null 2>&1 || die "dovecot: system user vmail is missing; run scripts/install-deps.sh"
  check_port_free dovecot "$IMAP_PORT" MAILMESH_TEST_IMAP_PORT
  check_port_free dovecot "$IMAPS_PORT" MAILMESH_TEST_IMAPS_PORT
  check_port_free dovecot "$POP3_PORT" MAILMESH_TEST_POP3_PORT
  check_port_free dovecot "$LMTP_PORT" MAILMESH_TEST_LMTP_PORT
  uid=$(id -u vmail) gid=$(id -g vmail)
  rm -rf "$d" && mkdir -p "$d/run" "$d/state" "$d/mail" "$d/ssl" && chmod 755 "$d" "$d/ssl"
  chown vmail:vmail "$d/mail"
  # A test CA and a server certificate it signs (localhost, 127.0.0.1); tests trust ca.pem.
  (
    cd "$d/ssl"
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=MailMesh Test CA" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
      -keyout ca-key.pem -out ca.pem
    openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout key.pem -out server.csr
    printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n' >server.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 3650 -extfile server.ext -out cert.pem
    chmod 644 ca.pem cert.pem && chmod 600 ca-key.pem key.pem
  ) >"$d/ssl/openssl.log" 2>&1 || { err "dovecot: creating the test certificates failed"; log_tail dovecot "$d/ssl/openssl.log"; exit 1; }
  cat >"$d/users" <<USERS
alice@example.test:{PLAIN}alicepw:$uid:$gid::$d/mail/alice@example.test::
bob@example.test:{PLAIN}bobpw:$uid:$gid::$d/mail/bob@example.test::
carol@example.test:{PLAIN}carolpw:$uid:$gid::$d/mail/carol@example.test::
USERS
  cat >"$d/dovecot.conf" <<CONF
# Standalone Dovecot for MailMesh tests (generated by scripts/test-servers.sh).
base_dir = $d/run
state_dir = $d/state
instance_name = mailmesh-test
log_path = $d/dovecot.log
info_log_path = $d/dovecot.log
protocols = imap pop3 lmtp
listen = $HOST
ssl = yes
ssl_cert = <$d/ssl/cert.pem
ssl_key = <$d/ssl/key.pem
ssl_dh = </usr/share/dovecot/dh.pem
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = dovecot
default_login_user = dovenull
first_valid_uid = $uid
mail_location = maildir:~/Maildir
mail_privileged_group =
namespace inbox {
  inbox = yes
  separator = /
  mailbox Drafts {
    special_use = \\Drafts
    auto = subscribe
  }
  mailbox Sent {
    special_use = \\Sent
    auto = subscribe
  }
  mailbox Trash {
    special_use = \\Trash
    auto = subscribe
  }
  mailbox Junk {
    special_use = \\Junk
  }
}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $d/users
}
userdb {
  driver = passwd-file
  args = username_format=%u $d/users
}
service imap-login {
  inet_listener imap {
    address = $HOST
    port = $IMAP_PORT
  }
  inet_listener imaps {
    address = $HOST
    port = $IMAPS_PORT
    ssl = yes
  }
}
service pop3-login {
  inet_listener pop3 {
    address = $HOST
    port = $POP3_PORT
  }
  inet_listener pop3s {
    port = 0
  }
}
service lmtp {
  inet_listener lmtp {
    address = $HOST
    port = $LMTP_PORT
  }
}
# No growing per-IP delay after failed logins: every test connects from 127.0.0.1, and one
# test's deliberate wrong password must not slow down the others.
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
service imap-urlauth-login {
  inet_listener imap-urlauth {
    port = 0
  }
}
protocol lmtp {
  mail_plugins = \$mail_plugins sieve
  postmaster_address = postmaster@example.test
}
protocol imap {
  # Test assemblies run in parallel and share the users: the default of 10 is too low.
  mail_max_userip_connections = 200
}
protocol pop3 {
  pop3_uidl_format = %08Xu%08Xv
  mail_max_userip_connections = 200
}
plugin {
  sieve = file:~/sieve;active=~/.dovecot.sieve
}
CONF
  launch dovecot "$d/stdout.log" dovecot -F -c "$d/dovecot.conf"
  local pid
  pid=$(cat "$(pid_file dovecot)")
  wait_port_ready dovecot "$pid" "$IMAP_PORT" "$d/stdout.log" "$d/dovecot.log"
  wait_port_ready dovecot "$pid" "$IMAPS_PORT" "$d/stdout.log" "$d/dovecot.log"
  wait_port_ready dovecot "$pid" "$POP3_PORT" "$d/stdout.log" "$d/dovecot.log"
  wait_port_ready dovecot "$pid" "$LMTP_PORT" "$d/stdout.log" "$d/dovecot.log"
}

start_smtp() {
  local d
  d=$(server_dir smtp)
  /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || die "smtp: /usr/bin/python3 cannot import aiosmtpd; run scripts/install-deps.sh"
  check_port_free smtp "$SMTP_PORT" MAILMESH_TEST_SMTP_PORT
  check_port_free smtp "$SMTP_CHUNKING_PORT" MAILMESH_TEST_SMTP_CHUNKING_PORT
  check_port_free smtp "$SMTP_STARTTLS_PORT" MAILMESH_TEST_SMTP_STARTTLS_PORT
  check_port_free smtp "$SMTPS_PORT" MAILMESH_TEST_SMTPS_PORT
  rm -rf "$d" && mkdir -p "$d/messages" "$d/ssl" && chmod 755 "$d" "$d/messages" "$d/ssl"
  # A test CA and a server certificate it signs (localhost, 127.0.0.1) for the STARTTLS and SMTPS ports; tests trust ca.pem.
  (
    cd "$d/ssl"
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=MailMesh SMTP Test CA" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
      -keyout ca-key.pem -out ca.pem
    openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout key.pem -out server.csr
    printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n' >server.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 3650 -extfile server.ext -out cert.pem
    chmod 644 ca.pem cert.pem && chmod 600 ca-key.pem key.pem
  ) >"$d/openssl.log" 2>&1 || { err "smtp: creating the test certificates failed"; log_tail smtp "$d/openssl.log"; exit 1; }
  # Debian's python (not a pyenv python3 from PATH, which cannot see python3-aiosmtpd). aiosmtpd with the
  # address patterns (defer-*, reject-*, drop-*, stall-*, data-*) and DSN; CHUNKING on the second port only.
  launch smtp "$d/smtp.log" env PYTHONPATH="$REPO_ROOT/scripts/lib" /usr/bin/python3 -m smtp_test_server \
    --listen "$HOST:$SMTP_PORT" --chunking-port "$SMTP_CHUNKING_PORT" --starttls-port "$SMTP_STARTTLS_PORT" \
    --smtps-port "$SMTPS_PORT" --tls-cert "$d/ssl/cert.pem" --tls-key "$d/ssl/key.pem" "$d/messages"
  local p
  for p in "$SMTP_PORT" "$SMTP_CHUNKING_PORT" "$SMTP_STARTTLS_PORT" "$SMTPS_PORT"; do
    wait_port_ready smtp "$(cat "$(pid_file smtp)")" "$p" "$d/smtp.log"
  done
}

start_smtpsink() {
  local d as=()
  d=$(server_dir smtpsink)
  [ -x /usr/sbin/smtp-sink ] || die "smtpsink: /usr/sbin/smtp-sink not found (package postfix); run scripts/install-deps.sh"
  check_port_free smtpsink "$SMTPSINK_PORT" MAILMESH_TEST_SMTPSINK_PORT
  rm -rf "$d" && mkdir -p "$d" && chmod 755 "$d"
  [ "$(id -u)" -eq 0 ] && as=(-u nobody)
  # -c: count sessions/messages (printed to its log); 256: listen backlog.
  launch smtpsink "$d/smtp-sink.log" /usr/sbin/smtp-sink -c "${as[@]}" "$HOST:$SMTPSINK_PORT" 256
  wait_port_ready smtpsink "$(cat "$(pid_file smtpsink)")" "$SMTPSINK_PORT" "$d/smtp-sink.log"
}

start_azurite() {
  local d bin
  d=$(server_dir azurite)
  bin="$REPO_ROOT/tests/node/node_modules/.bin/azurite-blob"
  [ -x "$bin" ] || die "azurite: $bin not found; run scripts/install-deps.sh (npm ci in tests/node)"
  check_port_free azurite "$AZURITE_PORT" MAILMESH_TEST_AZURITE_PORT
  rm -rf "$d" && mkdir -p "$d/data"
  launch azurite "$d/azurite.log" "$bin" --blobHost "$HOST" --blobPort "$AZURITE_PORT" --location "$d/data" \
    --skipApiVersionCheck --disableTelemetry --loose
  wait_port_ready azurite "$(cat "$(pid_file azurite)")" "$AZURITE_PORT" "$d/azurite.log"
}

# ---------------------------------------------------------------- spamd (rules: spamtest scoring)
# SpamAssassin's spamd, non-root (nobody), local tests only (-L: no DNS/network rules), no user configs.
# Idempotent like the others: `up` is a no-op while it runs; a fresh directory on each start.

start_spamd() {
  local d as=()
  d=$(server_dir spamd)
  [ -x /usr/sbin/spamd ] || die "spamd: /usr/sbin/spamd not found (packages spamassassin, spamd); run scripts/install-deps.sh"
  check_port_free spamd "$SPAMD_PORT" MAILMESH_TEST_SPAMD_PORT
  rm -rf "$d" && mkdir -p "$d/home" && chmod 755 "$d" && chmod 777 "$d/home"
  # spamd's own -u drops root for the parent and its children (runuser would end with the session).
  [ "$(id -u)" -eq 0 ] && as=(--username=nobody --groupname=nogroup)
  launch spamd "$d/spamd.log" /usr/sbin/spamd "${as[@]}" --listen="$HOST:$SPAMD_PORT" --allowed-ips=127.0.0.1 \
    --min-children=1 --max-children=2 --local --nouser-config --syslog=stderr --helper-home-dir="$d/home"
  wait_port_ready spamd "$(cat "$(pid_file spamd)")" "$SPAMD_PORT" "$d/spamd.log"
}

# ---------------------------------------------------------------- stop

stop_server() { # NAME
  local name=$1 pid stopped=false
  if pid=$(running_pid "$name"); then
    stopped=true
    log "$name: stopping process group $pid"
    case $name in
      postgres) kill -INT "$pid" 2>/dev/null || true ;;   # fast shutdown; the postmaster stops its backends
      *) kill -TERM -- "-$pid" 2>/dev/null || true ;;
    esac
    if ! wait_group_gone "$pid" "$STOP_TIMEOUT"; then
      err "$name: still running ${STOP_TIMEOUT}s after SIGTERM; sending SIGKILL to process group $pid"
      kill -KILL -- "-$pid" 2>/dev/null || true
      wait_group_gone "$pid" 5 || err "$name: process group $pid survived SIGKILL"
    fi
  fi
  rm -f "$(pid_file "$name")"
  [ "$name" = rabbitmq ] && stop_epmd && stopped=true
  # Only after stopping something: a port of a server that was not running may belong to another program.
  if $stopped; then
    local p
    for p in $(server_ports "$name"); do
      wait_port_closed "$p" "$STOP_TIMEOUT" || err "$name: port $HOST:$p still open ${STOP_TIMEOUT}s after stopping (another process listens there?)"
    done
  fi
}

# Stops the epmd started for RabbitMQ (its own pid file); true when one was running.
stop_epmd() {
  local d epid
  d=$(server_dir rabbitmq)
  [ -f "$d/epmd/pid" ] || return 1
  epid=$(cat "$d/epmd/pid")
  rm -f "$d/epmd/pid"
  if [[ "$epid" =~ ^[0-9]+$ ]] && kill -0 "$epid" 2>/dev/null && [[ "$(readlink "/proc/$epid/cwd" 2>/dev/null)" == "$d"* ]]; then
    log "epmd: stopping process group $epid"
    kill -TERM -- "-$epid" 2>/dev/null || true
    wait_group_gone "$epid" "$STOP_TIMEOUT" || kill -KILL -- "-$epid" 2>/dev/null || true
    return 0
  fi
  return 1
}

server_ports() {
  case $1 in
    postgres) echo "$PG_PORT" ;;
    rabbitmq) echo "$RMQ_PORT $RMQ_DIST_PORT $EPMD_PORT" ;;
    dovecot) echo "$IMAP_PORT $IMAPS_PORT $POP3_PORT $LMTP_PORT" ;;
    smtp) echo "$SMTP_PORT $SMTP_CHUNKING_PORT $SMTP_STARTTLS_PORT $SMTPS_PORT" ;;
    smtpsink) echo "$SMTPSINK_PORT" ;;
    azurite) echo "$AZURITE_PORT" ;;
    spamd) echo "$SPAMD_PORT" ;;
  esac
}

server_address() {
  case $1 in
    postgres) echo "postgresql://$PG_USER:$PG_PASSWORD@$HOST:$PG_PORT/$PG_DB" ;;
    rabbitmq) echo "amqp://$RMQ_USER:$RMQ_PASSWORD@$HOST:$RMQ_PORT/$RMQ_VHOST" ;;
    dovecot) echo "imap $HOST:$IMAP_PORT, imaps $HOST:$IMAPS_PORT, pop3 $HOST:$POP3_PORT, lmtp $HOST:$LMTP_PORT" ;;
    smtp) echo "smtp $HOST:$SMTP_PORT (CHUNKING $SMTP_CHUNKING_PORT, STARTTLS $SMTP_STARTTLS_PORT, SMTPS $SMTPS_PORT) -> $(server_dir smtp)/messages/new" ;;
    smtpsink) echo "smtp $HOST:$SMTPSINK_PORT (counting, discards)" ;;
    azurite) echo "http://$HOST:$AZURITE_PORT/$AZ_ACCOUNT" ;;
    spamd) echo "spamd $HOST:$SPAMD_PORT (SPAMC/1.5)" ;;
  esac
}

# ---------------------------------------------------------------- env

print_env() {
  cat <<ENV
export MAILMESH_TEST_POSTGRES='Host=$HOST;Port=$PG_PORT;Database=$PG_DB;Username=$PG_USER;Password=$PG_PASSWORD'
export MAILMESH_TEST_RABBITMQ='amqp://$RMQ_USER:$RMQ_PASSWORD@$HOST:$RMQ_PORT/$RMQ_VHOST'
export MAILMESH_TEST_IMAP_HOST='$HOST'
export MAILMESH_TEST_IMAP_PORT='$IMAP_PORT'
export MAILMESH_TEST_IMAPS_PORT='$IMAPS_PORT'
export MAILMESH_TEST_POP3_PORT='$POP3_PORT'
export MAILMESH_TEST_LMTP_PORT='$LMTP_PORT'
export MAILMESH_TEST_IMAP_CA_CERT='$(server_dir dovecot)/ssl/ca.pem'
export MAILMESH_TEST_IMAP_MAIL_ROOT='$(server_dir dovecot)/mail'
export MAILMESH_TEST_IMAP_USERS='alice@example.test:alicepw,bob@example.test:bobpw,carol@example.test:carolpw'
export MAILMESH_TEST_SMTP_HOST='$HOST'
export MAILMESH_TEST_SMTP_PORT='$SMTP_PORT'
export MAILMESH_TEST_SMTP_DIR='$(server_dir smtp)/messages'
export MAILMESH_TEST_SMTP_CHUNKING_PORT='$SMTP_CHUNKING_PORT'
export MAILMESH_TEST_SMTP_STARTTLS_PORT='$SMTP_STARTTLS_PORT'
export MAILMESH_TEST_SMTPS_PORT='$SMTPS_PORT'
export MAILMESH_TEST_SMTP_CA_CERT='$(server_dir smtp)/ssl/ca.pem'
export MAILMESH_TEST_SMTPSINK_PORT='$SMTPSINK_PORT'
export MAILMESH_TEST_AZURITE_BLOB='http://$HOST:$AZURITE_PORT/$AZ_ACCOUNT'
export MAILMESH_TEST_AZURITE_ACCOUNT='$AZ_ACCOUNT'
export MAILMESH_TEST_AZURITE_KEY='$AZ_KEY'
export MAILMESH_TEST_SPAMD='$HOST:$SPAMD_PORT'
ENV
}

# ---------------------------------------------------------------- commands

select_servers() { # validates names; prints the selection (all when none given)
  local s a ok
  if [ $# -eq 0 ]; then echo "${ALL_SERVERS[*]}"; return; fi
  for s in "$@"; do
    ok=false
    for a in "${ALL_SERVERS[@]}"; do [ "$s" = "$a" ] && ok=true; done
    $ok || die "unknown server '$s' (known: ${ALL_SERVERS[*]})"
  done
  echo "$*"
}

# Serializes up/down of concurrent callers sharing one run dir (a second caller waits).
take_lock() {
  mkdir -p "$RUN_DIR" && chmod 755 "$RUN_DIR"
  exec 8>"$RUN_DIR/.servers.lock"
  if ! flock -n 8; then
    log "another test-servers.sh up/down is running on $RUN_DIR; waiting for it"
    flock -w 600 8 || die "gave up waiting for $RUN_DIR/.servers.lock"
  fi
}

need_root() {
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || die "$1 needs root (PostgreSQL and Dovecot run as their own users); run as root"
    exec sudo -E "$0" "$@"
  fi
}

cmd_up() {
  local s pid t0
  for s in $(select_servers "$@"); do
    if pid=$(running_pid "$s"); then
      log "$s: already running (pid $pid): $(server_address "$s")"
      continue
    fi
    t0=$(now_ms)
    "start_$s"
    log "$s: ready in $(( $(now_ms) - t0 )) ms (pid $(cat "$(pid_file "$s")")): $(server_address "$s")"
  done
  print_env >"$RUN_DIR/env.sh"
  log "environment written to $RUN_DIR/env.sh (source it before running tests)"
}

cmd_down() {
  local s names i
  read -r -a names <<<"$(select_servers "$@")"
  for (( i=${#names[@]}-1; i>=0; i-- )); do
    s=${names[$i]}
    stop_server "$s"
  done
  log "stopped: ${names[*]}"
}

cmd_status() {
  local s pid any=1
  for s in "${ALL_SERVERS[@]}"; do
    if pid=$(running_pid "$s"); then
      printf '%-9s running  pid %-7s %s\n' "$s" "$pid" "$(server_address "$s")"
    else
      printf '%-9s stopped\n' "$s"
      any=0
    fi
  done
  [ $any -eq 1 ]
}

case ${1:-} in
  up) shift; need_root up "$@"; take_lock; cmd_up "$@" ;;
  down) shift; need_root down "$@"; take_lock; cmd_down "$@" ;;
  status) need_root status; cmd_status ;;
  env) print_env ;;
  *) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
