# Shared by scripts/run, scripts/test and scripts/bench (sourced, not run).
# Installs whatever is missing on a fresh Debian machine that has a Rust
# toolchain, and starts a local PostgreSQL unless DATABASE_URL names one.
# Every step checks first, so a second run skips the slow parts.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

# Builds live outside the clone, so a fresh clone (CI) reuses earlier ones.
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/trove/target}
export PATH="$HOME/.cargo/bin:$PATH"
# mold links the large server and test binaries several times faster.
export CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER=clang
export CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS="-C link-arg=-fuse-ld=mold"
# cargo-leptos sets these when it builds; plain cargo (tests) sets the same so
# the two never invalidate each other's builds.
export LEPTOS_OUTPUT_NAME=trove LEPTOS_SITE_PKG_DIR=pkg \
  LEPTOS_SITE_ADDR=127.0.0.1:3000 LEPTOS_RELOAD_PORT=3001 LEPTOS_LIB_DIR=. LEPTOS_BIN_DIR=. \
  LEPTOS_JS_MINIFY=false LEPTOS_HASH_FILES=true
# Debug builds by cargo-leptos add `--cfg erase_components` to RUSTFLAGS; plain
# cargo commands (tests, checks) run through `debug_cargo` with the same flags,
# or every dependency would be built twice.
debug_cargo() {
  RUSTFLAGS="$CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS --cfg erase_components" cargo "$@"
}
# Builds never need a database: queries are checked against .sqlx/.
export SQLX_OFFLINE=true
export PGOPTIONS="-c client_min_messages=warning"

CARGO_LEPTOS_VERSION=0.3.10
BINARYEN_VERSION=132
WASM_BINDGEN_VERSION=$(sed -n '/^name = "wasm-bindgen"$/{n;s/^version = "\(.*\)"$/\1/p}' Cargo.lock)

log() { printf '\033[1;32m==>\033[0m \033[1m%s\033[0m\n' "$*" >&2; }
die() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# apt_ensure PACKAGE... installs the Debian packages that are missing.
APT_UPDATED=
apt_ensure() {
  local missing=() package
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "Installing Debian packages: ${missing[*]}"
  if [ -z "$APT_UPDATED" ]; then as_root apt-get update -qq; APT_UPDATED=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# command_ensure COMMAND PACKAGE...: installs the packages when COMMAND is
# missing (a tool may come from elsewhere, like Node.js with its own npm).
command_ensure() {
  local command=$1
  shift
  command -v "$command" >/dev/null 2>&1 || apt_ensure "$@"
}

# The build tools: linker, wasm target, cargo-leptos, wasm-bindgen, wasm-opt.
ensure_build_tools() {
  apt_ensure clang mold pkg-config ca-certificates curl brotli
  command_ensure node nodejs
  command_ensure npm npm
  rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
  if ! cargo leptos --version 2>/dev/null | grep -qF "$CARGO_LEPTOS_VERSION"; then
    log "Installing cargo-leptos $CARGO_LEPTOS_VERSION (takes a while, once)"
    cargo install "cargo-leptos@$CARGO_LEPTOS_VERSION" --locked --features no_downloads
  fi
  if ! wasm-bindgen --version 2>/dev/null | grep -qF "$WASM_BINDGEN_VERSION"; then
    log "Installing wasm-bindgen-cli $WASM_BINDGEN_VERSION"
    # Not --locked: its lock file names a crate version the registry lacks.
    cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
  fi
  if ! cargo nextest --version >/dev/null 2>&1; then
    log "Installing cargo-nextest"
    cargo install cargo-nextest --locked
  fi
  if ! wasm-opt --version 2>/dev/null | grep -qF "version $BINARYEN_VERSION"; then
    log "Installing binaryen $BINARYEN_VERSION (wasm-opt)"
    as_root npm install -g --silent "binaryen@$BINARYEN_VERSION"
  fi
}

# Python tools the tests run as real servers, in a virtualenv of our own:
# aiosmtpd (an SMTP server that files what it receives into a Maildir) and
# localstripe (a stateful Stripe API double that also serves a fake Stripe.js).
PY_VENV="$HOME/.cache/trove/venv"
ensure_python_tools() {
  command_ensure python3 python3
  if [ ! -x "$PY_VENV/bin/python" ]; then
    python3 -c 'import venv, ensurepip' 2>/dev/null || apt_ensure python3-venv
    log "Creating the Python virtualenv for test servers"
    python3 -m venv "$PY_VENV"
  fi
  if ! "$PY_VENV/bin/python" -c 'import aiosmtpd' 2>/dev/null; then
    log "Installing aiosmtpd (PyPI)"
    "$PY_VENV/bin/pip" install --quiet --disable-pip-version-check 'aiosmtpd==1.4.6'
  fi
  if ! "$PY_VENV/bin/python" -c 'import localstripe' 2>/dev/null; then
    log "Installing localstripe (PyPI)"
    "$PY_VENV/bin/pip" install --quiet --disable-pip-version-check 'localstripe==1.15.10'
  fi
  # An S3-compatible server for the media-bucket tests.
  if ! "$PY_VENV/bin/python" -c 'import moto.server' 2>/dev/null; then
    log "Installing moto's S3 server (PyPI)"
    "$PY_VENV/bin/pip" install --quiet --disable-pip-version-check 'moto[server]==5.1.18'
  fi
}

# start_localstripe PORT: a fresh localstripe; stopped when the calling script exits.
start_localstripe() {
  local port=$1
  "$PY_VENV/bin/python" -m localstripe --from-scratch --port "$port" >/dev/null 2>&1 &
  STRIPE_PID=$!
  trap 'kill ${SMTP_PID:-} ${STRIPE_PID:-} 2>/dev/null || true' EXIT
  wait_for_port "$port" localstripe
}

# start_smtp PORT MAILDIR: a real SMTP server filing every message into MAILDIR;
# stopped when the calling script exits.
start_smtp() {
  local port=$1 maildir=$2
  mkdir -p "$maildir"/{tmp,new,cur}
  "$PY_VENV/bin/python" -m aiosmtpd -n -l "127.0.0.1:$port" -c aiosmtpd.handlers.Mailbox "$maildir" &
  SMTP_PID=$!
  trap 'kill ${SMTP_PID:-} ${STRIPE_PID:-} 2>/dev/null || true' EXIT
  wait_for_port "$port" "the test SMTP server"
}

# wait_for_port PORT WHAT: waits up to 10 s for a server to listen on PORT.
wait_for_port() {
  local i
  for i in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  die "$2 did not start on port $1"
}

# Starts the local PostgreSQL cluster and creates the `trove` role, unless
# DATABASE_URL is set, in which case that server is used as it is.
ensure_postgres() {
  if [ -n "${DATABASE_URL:-}" ]; then
    USING_EXTERNAL_DB=1
    apt_ensure postgresql-client
    return 0
  fi
  USING_EXTERNAL_DB=
  apt_ensure postgresql postgresql-contrib
  local version
  version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
  if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main"' | grep -q .; then
    as_root pg_createcluster "$version" main >/dev/null
  fi
  if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" && $4 == "online"' | grep -q .; then
    log "Starting PostgreSQL $version"
    as_root pg_ctlcluster "$version" main start
  fi
  local port
  port=$(pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" {print $3}')
  as_root runuser -u postgres -- psql -p "$port" -qtAc \
    "DO \$\$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'trove') THEN
       CREATE ROLE trove LOGIN PASSWORD 'trove' CREATEDB; END IF; END\$\$;"
  PG_PORT=$port
  export DATABASE_URL="postgres://trove:trove@127.0.0.1:$port/trove"
}

# database_url NAME: DATABASE_URL with its database name replaced.
database_url() {
  local base=${DATABASE_URL%%\?*}
  echo "${base%/*}/$1"
}

# create_database NAME [fresh]: creates the database if missing; with
# `fresh`, drops it first.
create_database() {
  local name=$1 url
  url=$(database_url postgres)
  if [ "${2:-}" = fresh ]; then
    psql "$url" -qtAc "DROP DATABASE IF EXISTS \"$name\" WITH (FORCE)" >/dev/null
  fi
  if ! psql "$url" -qtAc "SELECT 1 FROM pg_database WHERE datname = '$name'" | grep -q 1; then
    psql "$url" -qtAc "CREATE DATABASE \"$name\"" >/dev/null
  fi
}

# build_site [--release]: the server binary and the hydrated front end. Each
# mode has its own site root (cargo-leptos empties it first), so testing never
# pulls the assets from under a store that is serving.
SITE_RELEASE="$ROOT/target/site"
SITE_DEBUG="$ROOT/target/site-dev"
# Swagger UI for the API's docs page (/api/docs), from npm, served by Trove
# itself from the site's api-docs/ (no CDN; nothing fetched at run time).
SWAGGER_UI_VERSION=5.35.0
SWAGGER_UI_DIR="$HOME/.cache/trove/swagger-ui-$SWAGGER_UI_VERSION"
ensure_api_docs() {
  local site=$1 dist="$SWAGGER_UI_DIR/node_modules/swagger-ui-dist"
  if [ ! -f "$dist/swagger-ui-bundle.js" ]; then
    log "Installing Swagger UI $SWAGGER_UI_VERSION (npm)"
    npm install --silent --no-audit --no-fund --prefix "$SWAGGER_UI_DIR" "swagger-ui-dist@$SWAGGER_UI_VERSION" >/dev/null
  fi
  mkdir -p "$site/api-docs"
  cp "$dist/swagger-ui-bundle.js" "$dist/swagger-ui.css" "$site/api-docs/"
}

build_site() {
  log "Building Trove ${1:-(debug)}"
  if [ "${1:-}" = --release ]; then export LEPTOS_SITE_ROOT=target/site; else export LEPTOS_SITE_ROOT=target/site-dev; fi
  # --split: lazy routes (the admin area) ship as their own WASM chunks.
  cargo leptos build --split "$@"
  ensure_api_docs "$ROOT/$LEPTOS_SITE_ROOT"
  if [ "${1:-}" = --release ]; then
    # Precompressed copies: served as-is to browsers that accept them.
    local file
    for file in "$SITE_RELEASE"/pkg/*.{wasm,js,css}; do
      [ -e "$file" ] || continue
      brotli -f -q 11 -k "$file"
      gzip -f -9 -k "$file"
    done
  fi
}

# An API token made the way a person makes one: signed in at $1 (the store's
# base URL) as $2 with password $3, through the page's server function $4
# (tokens/create, or admin/tokens/create for a client token) with form $5.
# signed_in_cookie BASE LOGIN PASSWORD: the Cookie header value of a fresh
# sign-in (its session and refresh cookies), as a browser would send it.
signed_in_cookie() {
  local jar
  jar=$(mktemp)
  curl -fsS -c "$jar" -o /dev/null -H 'Accept: application/json' \
    --data-urlencode "login=$2" --data-urlencode "password=$3" "$1/api/account/sign_in"
  awk -F'\t' 'NF >= 7 && $1 !~ /^# / { printf "%s%s=%s", sep, $6, $7; sep = "; " } END { print "" }' "$jar"
  rm -f "$jar"
}

api_token() {
  local jar
  jar=$(mktemp)
  curl -fsS -c "$jar" -o /dev/null -H 'Accept: application/json' \
    --data-urlencode "login=$2" --data-urlencode "password=$3" "$1/api/account/sign_in"
  curl -fsS -b "$jar" -H 'Accept: application/json' --data "$5" "$1/api/$4" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["secret"])'
  rm -f "$jar"
}
