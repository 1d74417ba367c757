# shellcheck shell=bash
# Prepares this checkout to run firebreak, idempotently: Node.js 22, the system tools drills and tests use
# (prometheus, prometheus-alertmanager, bubblewrap, chromium), npm dependencies and the build.
#
#   source scripts/setup.sh        # also puts Node 22 on PATH for this shell
#
# Safe to run again: every step checks before it acts. Set FIREBREAK_SETUP_APT=0 to skip system packages.

_fb_setup() {
  local root
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  local want_major=22

  # 1. Node.js >= 22. Node 20 is end-of-life; when the machine's node is older, take Node 22 from the npm
  #    registry (the `node` package ships the binary) into a per-user cache. As root the default is
  #    /opt/firebreak: the sandbox drops runs to uid 65534, which cannot reach a Node under /root (0700).
  local major=0
  command -v node >/dev/null 2>&1 && major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
  if [ "$major" -lt "$want_major" ]; then
    local default_dir="${XDG_CACHE_HOME:-$HOME/.cache}/firebreak/node$want_major"
    [ "$(id -u)" = "0" ] && default_dir="/opt/firebreak/node$want_major"
    local cache="${FIREBREAK_NODE_DIR:-$default_dir}"
    if [ ! -x "$cache/node_modules/.bin/node" ]; then
      echo "[setup] node $(node --version 2>/dev/null || echo none) is older than $want_major; installing node@$want_major from the npm registry into $cache" >&2
      mkdir -p "$cache"
      npm install --prefix "$cache" --no-audit --no-fund --loglevel=error "node@$want_major" >&2 || return 1
    fi
    export PATH="$cache/node_modules/.bin:$PATH"
  fi
  echo "[setup] node $(node --version)" >&2

  # 2. System packages: the real Prometheus for drills and the grafana server's tests, Alertmanager for the
  #    `firebreak serve` end-to-end test, bubblewrap for the sandbox, chromium for the drill report test. Installed with apt when we are root on Debian/Ubuntu.
  if [ "${FIREBREAK_SETUP_APT:-1}" = "1" ]; then
    local missing=()
    command -v prometheus >/dev/null 2>&1 || missing+=(prometheus)
    [ -x /usr/bin/prometheus-alertmanager ] || missing+=(prometheus-alertmanager)
    command -v bwrap >/dev/null 2>&1 || missing+=(bubblewrap)
    command -v chromium >/dev/null 2>&1 || missing+=(chromium)
    command -v git >/dev/null 2>&1 || missing+=(git)
    if [ ${#missing[@]} -gt 0 ]; then
      if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        echo "[setup] installing ${missing[*]} with apt-get" >&2
        apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 || return 1
      else
        echo "[setup] missing ${missing[*]}; install them with: sudo apt-get install ${missing[*]}" >&2
      fi
    fi
  fi

  # 3. npm dependencies (from the lock file) and the build.
  (
    cd "$root" || exit 1
    if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
      echo "[setup] npm ci" >&2
      npm ci --no-audit --no-fund --loglevel=error >&2 || exit 1
    fi
    echo "[setup] building" >&2
    npm run --silent build >&2 || exit 1
  ) || return 1
  export PATH="$root/node_modules/.bin:$PATH"
}

_fb_setup
_fb_status=$?
unset -f _fb_setup
if [ "$_fb_status" -ne 0 ]; then
  echo "[setup] failed" >&2
  # Sourced: return; executed: exit.
  return "$_fb_status" 2>/dev/null || exit "$_fb_status"
fi
