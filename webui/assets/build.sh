#!/usr/bin/env bash
# Build the web UI's third-party assets into webui/static/vendor/ and compile the
# Flask-Babel catalogs. Called by `make run` and `make test`; see docs/frontend.md.
#
#   bash webui/assets/build.sh          # build when inputs changed (fast no-op otherwise)
#   bash webui/assets/build.sh --force  # rebuild from a clean `npm ci`
#
# Inputs: package.json + package-lock.json (exact versions, installed with `npm ci`),
# this script and src/*.js (the esbuild entry). Their hash is written to vendor/.stamp;
# a later run with the same hash and all outputs present does nothing.
set -euo pipefail

ASSETS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
WEBUI="$(dirname "$ASSETS")"
ROOT="$(dirname "$WEBUI")"
VENDOR="$WEBUI/static/vendor"
NM="$ASSETS/node_modules"

# Every file the pages load; a missing one forces a rebuild even when the stamp matches.
OUTPUTS=(
  bpmn-js/dist/bpmn-navigated-viewer.production.min.js
  bpmn-js/dist/bpmn-viewer.production.min.js
  bpmn-js/dist/bpmn-modeler.production.min.js
  bpmn-js/dist/assets/diagram-js.css
  bpmn-js/dist/assets/bpmn-js.css
  bpmn-js/dist/assets/bpmn-font/css/bpmn.css
  properties-panel/properties-panel.css
  token-simulation/bpmn-js-token-simulation.css
  safeloop-modeler/modeler.bundle.js
  chart.js/chart.umd.min.js
  htmx/htmx.min.js
)

log() { printf 'assets: %s\n' "$*" >&2; }

inputs_hash() {
  (cd "$ASSETS" && cat package.json package-lock.json build.sh src/*.js) | sha256sum | cut -d' ' -f1
}

outputs_present() {
  local f
  for f in "${OUTPUTS[@]}"; do [[ -s "$VENDOR/$f" ]] || return 1; done
}

require_node() {
  if ! command -v npm >/dev/null || ! command -v node >/dev/null; then
    log "Node.js and npm are needed to build the web assets; install them (Debian: apt-get install nodejs npm)."
    exit 1
  fi
}

# Copy the browser builds that packages ship ready-made.
copy_dist() {
  local out="$1"
  mkdir -p "$out/bpmn-js/dist" "$out/properties-panel" "$out/chart.js" "$out/htmx"
  cp "$NM"/bpmn-js/dist/bpmn-{navigated-viewer,viewer,modeler}.production.min.js "$out/bpmn-js/dist/"
  cp -R "$NM/bpmn-js/dist/assets" "$out/bpmn-js/dist/assets"
  cp "$NM/bpmn-js/LICENSE" "$out/bpmn-js/LICENSE"
  cp "$NM/@bpmn-io/properties-panel/dist/assets/properties-panel.css" "$out/properties-panel/"
  mkdir -p "$out/token-simulation"
  cp "$NM/bpmn-js-token-simulation/assets/css/bpmn-js-token-simulation.css" "$out/token-simulation/"
  cp "$NM/bpmn-js-token-simulation/LICENSE" "$out/token-simulation/"
  cp "$NM"/chart.js/dist/chart.umd.min.js{,.map} "$out/chart.js/"
  cp "$NM/chart.js/LICENSE.md" "$out/chart.js/"
  cp "$NM/htmx.org/dist/htmx.min.js" "$out/htmx/"
  cp "$NM/htmx.org/LICENSE" "$out/htmx/"
}

# The properties panel ships no browser build: bundle it with the modeler into one IIFE.
bundle_modeler() {
  local out="$1"
  "$NM/.bin/esbuild" "$ASSETS/src/modeler.js" \
    --bundle --format=iife --global-name=SafeloopModeler \
    --target=es2020 --minify --sourcemap --legal-comments=linked \
    --log-level=warning \
    --outfile="$out/safeloop-modeler/modeler.bundle.js"
}

write_versions() {
  local out="$1"
  (cd "$ASSETS" && node -e '
    const lock = require("./package-lock.json").packages;
    for (const name of Object.keys(require("./package.json").dependencies))
      console.log(name + "@" + lock["node_modules/" + name].version);
  ') > "$out/VERSIONS.txt"
}

BUILD_TMP=""
trap 'if [[ -n "$BUILD_TMP" ]]; then rm -rf "$BUILD_TMP"; fi' EXIT

build_vendor() {
  local hash="$1" tmp
  require_node
  log "npm ci (exact versions from package-lock.json)"
  # --ignore-scripts: nothing here needs an install script (esbuild finds its platform
  # package without its postinstall), and no package gets to run code at install time.
  (cd "$ASSETS" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) >&2
  tmp="$(mktemp -d "$ASSETS/.vendor-tmp.XXXXXX")"
  BUILD_TMP="$tmp"
  copy_dist "$tmp"
  bundle_modeler "$tmp"
  write_versions "$tmp"
  printf '%s\n' "$hash" > "$tmp/.stamp"
  chmod 755 "$tmp"
  mkdir -p "$(dirname "$VENDOR")"
  rm -rf "$VENDOR"
  mv "$tmp" "$VENDOR"
  log "built $VENDOR ($(tr '\n' ' ' < "$VENDOR/VERSIONS.txt"))"
}

find_python() {
  local candidate
  for candidate in "${PYTHON:-}" "$ROOT/.venv/bin/python" python3; do
    [[ -n "$candidate" ]] && "$candidate" -c 'import babel' 2>/dev/null && { echo "$candidate"; return; }
  done
}

# Compile .po → .mo where the .mo is missing or older. The .mo files are committed, so a
# fresh clone works before this runs; this keeps them in step after a catalog edit.
compile_catalogs() {
  local po mo stale=0 python
  shopt -s nullglob
  for po in "$WEBUI"/translations/*/LC_MESSAGES/messages.po; do
    mo="${po%.po}.mo"
    [[ -f "$mo" && ! "$po" -nt "$mo" ]] || stale=1
  done
  (( stale )) || return 0
  python="$(find_python)"
  if [[ -z "$python" ]]; then
    log "Babel is not installed; the committed .mo catalogs are used as they are."
    return 0
  fi
  "$python" -m babel.messages.frontend compile --statistics -d "$WEBUI/translations" -D messages >&2
}

main() {
  local force=0 hash
  [[ "${1:-}" == "--force" ]] && force=1
  exec 9>"$ASSETS/.build.lock"
  flock 9  # `make run` and `make test` may run side by side
  hash="$(inputs_hash)"
  if (( force )) || [[ "$(cat "$VENDOR/.stamp" 2>/dev/null)" != "$hash" ]] || ! outputs_present; then
    build_vendor "$hash"
  fi
  compile_catalogs
}

main "$@"
