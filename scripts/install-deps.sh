#!/usr/bin/env bash
# Installs everything MailMesh's tests need besides the .NET SDK: the real servers (Debian packages)
# and the Node.js test peers (tests/node). Idempotent and fast when everything is already present:
# it checks first and only runs apt-get / npm when something is missing.
#
#   scripts/install-deps.sh            install what is missing
#   scripts/install-deps.sh --check    only report what is missing (exit 1 if anything is)
#
# Needs root for apt-get (uses sudo when not root and sudo exists). Services are never started by
# the package installs: /usr/sbin/policy-rc.d (exit 101) is created when missing, and postfix is
# installed with "No configuration" so no system MTA is set up.
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
NODE_DIR="$REPO_ROOT/tests/node"
CHECK_ONLY=false
[ "${1:-}" = "--check" ] && CHECK_ONLY=true

log() { printf 'install-deps: %s\n' "$*"; }
die() { printf 'install-deps: ERROR: %s\n' "$*" >&2; exit 1; }

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
  elif ! $CHECK_ONLY; then
    NEED_ROOT_MSG="not root and sudo is not installed: run this script as root"
  fi
fi

# Debian packages: the servers used by tests. postgresql = PostgreSQL 15 on Debian 12.
APT_PACKAGES=(
  postgresql
  rabbitmq-server
  dovecot-imapd dovecot-pop3d dovecot-lmtpd dovecot-sieve
  postfix
  python3-aiosmtpd
  python3-dkim  # independent DKIM verifier (RSA and Ed25519 via python3-nacl) of tests/MailMesh.Campaigns.Tests/Dkim
  spamassassin spamd
  swaks
  wrk nginx-light  # load generator and static-GIF peer of bench/MailMesh.Bench.Engagement (tracking endpoints)
  isync getmail6 fetchmail  # mail sync peers of bench/MailMesh.Bench.Sync (the bench skips one that is missing)
  openssl
  curl
  chromium  # headless browser of the report page test (tests/MailMesh.Reports.Tests, Microsoft.Playwright with ExecutablePath)
  prometheus  # scrapes a running silo in tests/MailMesh.Deploy.Tests (every Grafana panel query); kubectl is not here: Debian 12 has only 1.20 (kustomize v2), too old for k8s/
  iproute2  # `ip`: the pod network namespace of the image test in tests/MailMesh.Deploy.Tests (with util-linux's unshare and setpriv, always present)
)
# Node.js and npm are needed for the npm test peers; installed from Debian only when absent.
command -v node >/dev/null 2>&1 || APT_PACKAGES+=(nodejs)
command -v npm >/dev/null 2>&1 || APT_PACKAGES+=(npm)

is_installed() {
  [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = "install ok installed" ]
}

missing=()
for p in "${APT_PACKAGES[@]}"; do
  is_installed "$p" || missing+=("$p")
done

need_policy=false
[ -x /usr/sbin/policy-rc.d ] || need_policy=true

need_vmail=false
id vmail >/dev/null 2>&1 || need_vmail=true

# npm: the stamp records the sha256 of the lockfile that node_modules was installed from.
LOCK="$NODE_DIR/package-lock.json"
STAMP="$NODE_DIR/node_modules/.mailmesh-lock.sha256"
need_npm=true
if [ -f "$LOCK" ] && [ -f "$STAMP" ] && [ -x "$NODE_DIR/node_modules/.bin/azurite-blob" ]; then
  [ "$(sha256sum "$LOCK" | cut -d' ' -f1)" = "$(cat "$STAMP")" ] && need_npm=false
fi

if $CHECK_ONLY; then
  status=0
  [ ${#missing[@]} -gt 0 ] && { log "missing Debian packages: ${missing[*]}"; status=1; }
  $need_policy && { log "missing /usr/sbin/policy-rc.d"; status=1; }
  $need_vmail && { log "missing system user vmail"; status=1; }
  $need_npm && { log "tests/node/node_modules is missing or out of date"; status=1; }
  [ $status -eq 0 ] && log "everything is installed"
  exit $status
fi

start=$(date +%s)

if [ ${#missing[@]} -gt 0 ] || $need_policy || $need_vmail; then
  [ -n "${NEED_ROOT_MSG:-}" ] && die "$NEED_ROOT_MSG"
fi

if $need_policy; then
  log "creating /usr/sbin/policy-rc.d (exit 101) so package installs never start services"
  printf '#!/bin/sh\n# Installed by MailMesh scripts/install-deps.sh: never start services from package installs.\nexit 101\n' \
    | "${SUDO[@]}" tee /usr/sbin/policy-rc.d >/dev/null
  "${SUDO[@]}" chmod 755 /usr/sbin/policy-rc.d
fi

if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  if [[ " ${missing[*]} " == *" postfix "* ]]; then
    # No system MTA: postfix is only here for its smtp-sink tool.
    log "preseeding postfix: main_mailer_type = No configuration"
    printf 'postfix postfix/main_mailer_type select No configuration\npostfix postfix/mailname string localhost\n' \
      | "${SUDO[@]}" debconf-set-selections
  fi
  log "apt-get update"
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q -o DPkg::Lock::Timeout=300
  log "apt-get install ${missing[*]}"
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    -o DPkg::Lock::Timeout=300 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}"
else
  log "Debian packages: all present (${APT_PACKAGES[*]})"
fi

if $need_vmail; then
  log "creating system user vmail (Dovecot delivers mail as this user)"
  # Another process may have created it meanwhile: useradd's "already exists" (exit 9) is fine then.
  "${SUDO[@]}" useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin vmail \
    || id vmail >/dev/null 2>&1 || die "could not create system user vmail"
fi

if $need_npm; then
  [ -f "$LOCK" ] || die "$LOCK is missing (it is committed with the repository)"
  log "npm ci in tests/node (azurite, @grpc/grpc-js, @grpc/proto-loader, postal-mime, kubernetes-models, yaml, ajv)"
  (cd "$NODE_DIR" && npm ci --no-audit --no-fund --loglevel=error)
  sha256sum "$LOCK" | cut -d' ' -f1 > "$STAMP"
else
  log "tests/node/node_modules: up to date with package-lock.json"
fi

log "done in $(( $(date +%s) - start )) s"
