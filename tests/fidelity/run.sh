#!/usr/bin/env bash
# The official Python SDKs (dashscope, openai; pinned in requirements.txt) against the Bailian
# emulator binary. Creates tests/fidelity/.venv on first use, reinstalls only when requirements.txt
# or the interpreter changed, then runs pytest. Exits non-zero on any failure, including "no tests".
#
#   BAILIAN_EMULATOR=path   the emulator binary (default: target/debug/bailian-emulator, built with
#                           `cargo build -p bailian-emulator` when missing)
#   PYTHON=path             the interpreter to build the venv from (default: python3 >= 3.10)
#   extra arguments go to pytest, e.g. `bash tests/fidelity/run.sh -k openai`
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
venv="$here/.venv"
target="$here/.pip-target" # only where venv is unavailable
export PYTHONDONTWRITEBYTECODE=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1

say() { echo "fidelity: $*"; }

# An interpreter new enough for pytest 9 and openai (>= 3.10).
new_enough() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; }
find_python() {
  local candidate
  for candidate in "${PYTHON:-}" python3 python3.11 python3.12 python3.13 python3.10 \
    "$HOME"/.pyenv/versions/3.1[0-9]*/bin/python3; do
    [ -n "$candidate" ] || continue
    command -v "$candidate" >/dev/null 2>&1 || continue
    if new_enough "$candidate"; then
      command -v "$candidate"
      return 0
    fi
  done
  return 1
}

python="$(find_python)" || {
  say "no Python >= 3.10 found (tried \$PYTHON, python3, python3.1x, ~/.pyenv/versions)" >&2
  exit 1
}

# The venv, or (where the venv module is missing, e.g. Debian's python3 without python3-venv)
# a plain `pip install --target` directory on PYTHONPATH.
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c '' 2>/dev/null; then
  run_python="$venv/bin/python"
  stamp="$venv/.requirements.stamp"
elif rm -rf "$venv" && "$python" -m venv "$venv" >/dev/null 2>&1 && [ -x "$venv/bin/python" ]; then
  say "created $venv from $python"
  run_python="$venv/bin/python"
  stamp="$venv/.requirements.stamp"
else
  rm -rf "$venv"
  say "python -m venv is unavailable for $python (on Debian: apt-get install python3-venv);" \
    "falling back to pip install --target $target"
  if ! "$python" -m pip --version >/dev/null 2>&1; then
    say "pip is unavailable too (on Debian: apt-get install python3-venv or python3-pip)" >&2
    exit 1
  fi
  mkdir -p "$target"
  run_python="$python"
  stamp="$target/.requirements.stamp"
  export PYTHONPATH="$target${PYTHONPATH:+:$PYTHONPATH}"
fi

# Install only when the pins or the interpreter changed since the last successful install.
wanted="$(sha256sum "$here/requirements.txt" | cut -d' ' -f1) $("$run_python" -c 'import sys; print(sys.executable, sys.version)' | head -1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
  say "installing $(tr '\n' ' ' <"$here/requirements.txt")"
  if [ "$run_python" = "$venv/bin/python" ]; then
    "$run_python" -m pip install -q -r "$here/requirements.txt"
  else
    "$run_python" -m pip install -q --upgrade --target "$target" -r "$here/requirements.txt"
  fi
  echo "$wanted" >"$stamp"
fi

if [ -z "${BAILIAN_EMULATOR:-}" ]; then
  BAILIAN_EMULATOR="${CARGO_TARGET_DIR:-$repo/target}/debug/bailian-emulator"
  if [ ! -x "$BAILIAN_EMULATOR" ]; then
    say "no emulator binary at $BAILIAN_EMULATOR: cargo build -p bailian-emulator"
    (cd "$repo" && cargo build -p bailian-emulator --quiet)
  fi
fi
export BAILIAN_EMULATOR

cd "$here"
status=0
timeout --kill-after=10 900 "$run_python" -m pytest -q -p no:cacheprovider "$@" || status=$?
case "$status" in
  0) ;;
  5) say "pytest collected no tests: counted as a failure" >&2; exit 1 ;;
  124 | 137) say "pytest did not finish within 900 s" >&2; exit 1 ;;
  *) exit "$status" ;;
esac
