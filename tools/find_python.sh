#!/usr/bin/env bash
# Print a command that runs a Python >= 3.12 interpreter, or fail loudly.
# Order: python3.13 / python3.12 on PATH (if they really run), else pyenv's newest 3.12+.
# The default python3 on our machines is 3.11, where pip silently resolves pymc 5 / arviz 0.23.
set -euo pipefail
ok() { "$@" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; }
for cand in python3.13 python3.12; do
  if command -v "$cand" >/dev/null 2>&1 && ok "$cand"; then
    echo "$cand"; exit 0
  fi
done
if command -v pyenv >/dev/null 2>&1; then
  ver=$(pyenv versions --bare 2>/dev/null | grep -E '^3\.(1[2-9]|[2-9][0-9])\.[0-9]+$' | sort -V | tail -n 1 || true)
  if [ -n "$ver" ] && PYENV_VERSION="$ver" ok pyenv exec python; then
    echo "env PYENV_VERSION=$ver pyenv exec python"; exit 0
  fi
fi
echo "error: no Python >= 3.12 found (tried python3.13, python3.12 and pyenv)." >&2
echo "       stattools needs pymc>=6 and arviz>=1, which require Python >= 3.12." >&2
exit 1
