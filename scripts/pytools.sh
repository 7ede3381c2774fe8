#!/usr/bin/env bash
# Creates (or reuses) the project-local Python venv .cache/pyenv holding the
# pinned AWS CLI v1 and boto3 from scripts/pytools-requirements.txt.
# Debian's boto3 is too old to send the default checksums current clients
# send, so the smoke tests always use this venv. Prints the venv's bin dir.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv=${TARN_PYENV:-$root/.cache/pyenv}
req=$root/scripts/pytools-requirements.txt
stamp=$venv/.tarn-requirements.sha256
want=$(sha256sum "$req" | cut -d' ' -f1)

if [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] &&
	"$venv/bin/python" -c 'import boto3, awscli' 2>/dev/null; then
	echo "$venv/bin"
	exit 0
fi

echo "pytools: installing $(grep -v '^#' "$req" | tr '\n' ' ') into $venv" >&2
python3 -m venv --clear "$venv" >&2
"$venv/bin/python" -m pip install --disable-pip-version-check --no-input -q -r "$req" >&2
"$venv/bin/python" - "$req" >&2 <<'PY'
import sys
from importlib.metadata import version
for line in open(sys.argv[1]):
    line = line.split("#")[0].strip()
    if not line:
        continue
    name, want = line.split("==")
    name = name.split("[")[0]
    have = version(name)
    if have != want:
        sys.exit(f"pytools: {name} is {have}, want {want}")
PY
echo "$want" >"$stamp"
echo "$venv/bin"
