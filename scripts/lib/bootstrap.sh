# Shared set-up for scripts/run and scripts/test (sourced, not executed).
# Creates .venv, installs pinned Python and npm dependencies when their lock files change,
# and starts the embedded PostgreSQL/Redis unless DATABASE_URL/REDIS_URL are set.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
mkdir -p var
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$ROOT/var/run}"
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"

say() { printf '\033[1m[servicehall]\033[0m %s\n' "$*" >&2; }

find_python() {
  for candidate in "${PYTHON:-}" python3.11 python3; do
    if [ -n "$candidate" ] && command -v "$candidate" >/dev/null 2>&1; then
      if "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
        echo "$candidate"; return 0
      fi
    fi
  done
  echo "Python 3.11 or newer is needed" >&2; return 1
}

stamp_matches() {  # stamp_matches NAME FILE...: true when the files are unchanged since the last install
  local stamp="var/.stamp-$1"; shift
  local sum; sum="$(cat "$@" | sha256sum | cut -d' ' -f1)"
  [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ]
}
write_stamp() { local stamp="var/.stamp-$1"; shift; cat "$@" | sha256sum | cut -d' ' -f1 > "$stamp"; }

if [ ! -x .venv/bin/python ]; then
  say "creating the virtual environment (.venv)"
  "$(find_python)" -m venv .venv
  rm -f var/.stamp-python
fi
# shellcheck disable=SC1091
source .venv/bin/activate

if ! stamp_matches python requirements.txt; then
  say "installing Python dependencies (requirements.txt)"
  python -m pip install --quiet --disable-pip-version-check --upgrade pip
  python -m pip install --quiet --disable-pip-version-check -r requirements.txt
  write_stamp python requirements.txt
fi

if ! stamp_matches npm package.json package-lock.json || [ ! -d node_modules ]; then
  say "installing front-end libraries (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  write_stamp npm package.json package-lock.json
fi

# Start what is not configured; export what was started.
eval "$(python scripts/services.py up)"
