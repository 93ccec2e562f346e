#!/usr/bin/env bash
# Installs what the real-editor end-to-end tests need, once, and caches it:
#   Debian chromium (driven by playwright-core), libkrb5-dev and ripgrep, and
#   code-server 4.100.3 (VS Code 1.100.3 + its Node extension host) under
#   .vscode-test/code-server. test/e2e/README.md says why each step.
# Safe to run again: it does nothing when the cached install is complete.
set -euo pipefail

CODE_SERVER_VERSION=4.100.3
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEST="$ROOT/.vscode-test/code-server"
BIN="$DEST/node_modules/.bin/code-server"
VSCODE="$DEST/node_modules/code-server/lib/vscode"
STAMP="$DEST/.installed-$CODE_SERVER_VERSION"
LOG="$DEST/install.log"
APT_PACKAGES=(chromium libkrb5-dev ripgrep)
# code-server writes a config file and logs under XDG folders even for
# --version; keep them in the cache instead of the user's home.
export XDG_CONFIG_HOME="$DEST/.xdg/config" XDG_DATA_HOME="$DEST/.xdg/data"

started=$(date +%s)
log() { printf '[install-e2e] %s\n' "$*" >&2; }
elapsed() { echo "$(($(date +%s) - started))s"; }

# --- Debian packages -------------------------------------------------------
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done
if ((${#missing[@]})); then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  log "installing Debian packages: ${missing[*]}"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${APT_PACKAGES[@]}" >/dev/null
fi

# --- code-server (cached) --------------------------------------------------
installed_version() { "$BIN" --version 2>/dev/null | grep -E '^[0-9]+\.[0-9]+\.[0-9]+ ' || true; }
if [ -f "$STAMP" ] && [ -x "$BIN" ] && installed_version | grep -q "^$CODE_SERVER_VERSION "; then
  log "code-server $CODE_SERVER_VERSION already installed in ${DEST#"$ROOT"/} ($(elapsed))"
  exit 0
fi

log "installing code-server $CODE_SERVER_VERSION into ${DEST#"$ROOT"/} (npm output: ${LOG#"$ROOT"/})"
mkdir -p "$DEST"
: >"$LOG"
# Runs a step with its output in $LOG; on failure shows the end of it.
step() {
  if ! "$@" >>"$LOG" 2>&1; then
    tail -n 40 "$LOG" >&2
    log "failed: $* (full output in $LOG)"
    exit 1
  fi
}
# npm 11 has an install-script policy (package.json "allowScripts"): 11.19 only
# warns about unreviewed scripts and still runs them, a stricter npm skips
# them. These are a pinned release of VS Code whose native modules must be
# compiled, so the commands below (and only they) allow them all; the checks
# at the end catch a build that was skipped anyway.
export npm_config_dangerously_allow_all_scripts=true
export npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false
# npm_config_yes lets node-pty's install script run `npx node-gyp` unattended.
export npm_config_yes=true
# A package.json of its own keeps npm from walking up into the project.
if [ ! -f "$DEST/package.json" ]; then
  printf '{ "name": "vscode-test-code-server", "private": true }\n' >"$DEST/package.json"
fi

cd "$DEST"
step npm install --ignore-scripts "code-server@$CODE_SERVER_VERSION"
cd "$VSCODE"
log "installing VS Code's own dependencies ($(elapsed))"
step npm install --omit=dev --ignore-scripts
# @vscode/ripgrep's install script skips its download when the binary is there.
mkdir -p node_modules/@vscode/ripgrep/bin
cp "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
log "compiling native modules ($(elapsed))"
step npm rebuild --foreground-scripts
ln -sfn node_modules node_modules.asar
(cd bin/remote-cli && ln -sfn code-linux.sh code-server)
(cd bin/helpers && ln -sfn browser-linux.sh browser.sh)
log "installing built-in extensions' dependencies ($(elapsed))"
(cd extensions && step npm install --omit=dev)
cd "$DEST"
step npm rebuild --foreground-scripts argon2

log "checking native modules and the workbench ($(elapsed))"
# npm can skip a build without failing: load every native module VS Code's server needs.
(cd "$VSCODE" && step node -e 'for (const m of ["node-pty", "@vscode/spdlog", "kerberos", "native-watchdog", "@parcel/watcher"]) require(m)')
(cd "$DEST/node_modules/code-server" && step node -e 'require("argon2")')

# Serve the workbench once, on a unix socket so no port can clash.
SOCK="$DEST/.install-check.sock"
CHECK_DIR="$(mktemp -d)"
rm -f "$SOCK"
setsid "$BIN" --auth none --socket "$SOCK" --disable-telemetry --disable-update-check \
  --user-data-dir "$CHECK_DIR/user" --extensions-dir "$CHECK_DIR/ext" "$CHECK_DIR" >>"$LOG" 2>&1 &
server_pid=$!
served=""
for _ in $(seq 1 100); do
  if [ -S "$SOCK" ] && curl -sf --unix-socket "$SOCK" "http://localhost/?folder=$CHECK_DIR" | grep -q 'workbench'; then
    served=yes
    break
  fi
  sleep 0.2
done
kill -- -"$server_pid" 2>/dev/null || true
wait "$server_pid" 2>/dev/null || true
rm -rf "$SOCK" "$CHECK_DIR"
if [ -z "$served" ]; then
  tail -n 40 "$LOG" >&2
  log "code-server did not serve the workbench"
  exit 1
fi

version="$(installed_version)"
case "$version" in
  "$CODE_SERVER_VERSION "*) ;;
  *) log "unexpected code-server version: $version"; exit 1 ;;
esac
touch "$STAMP"
log "installed: $version ($(elapsed))"
