#!/usr/bin/env bash
# Smoke test with real clients: starts bin/tarn on a free loopback port and a
# temporary data dir, runs the AWS CLI and boto3 smoke scripts against it,
# then stops it with SIGTERM and checks it drained and exited 0.
# Env: TARN_BIN (default bin/tarn), SMOKE_KEEP=1 keeps the temp dir and
# server log, SMOKE_ONLY=awscli|boto3 runs one of the two.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${TARN_BIN:-$root/bin/tarn}
[ -x "$bin" ] || { echo "smoke: $bin not found: run make build" >&2; exit 1; }

pybin=$("$root/scripts/pytools.sh")
work=$(mktemp -d "${TMPDIR:-/tmp}/tarn-smoke.XXXXXX")
server_pid=""
log=$work/server.log

cleanup() {
	local rc=$?
	if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
		kill -KILL "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
	if [ "$rc" -ne 0 ] && [ -f "$log" ]; then
		echo "smoke: FAILED (exit $rc); last lines of the server log ($log):" >&2
		tail -n 40 "$log" >&2 || true
	fi
	if [ "${SMOKE_KEEP:-}" = 1 ] || [ "$rc" -ne 0 ]; then
		echo "smoke: kept $work" >&2
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT

port=$("$pybin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
endpoint=http://127.0.0.1:$port
export TARN_ROOT_ACCESS_KEY=TARNSMOKEROOT
export TARN_ROOT_SECRET_KEY=tarn-smoke-root-secret-key

"$bin" server --addr "127.0.0.1:$port" --data "$work/data" --access-log --log-level debug >"$log" 2>&1 &
server_pid=$!

"$pybin/python" - "$endpoint" "$server_pid" <<'PY'
import os, sys, time, urllib.request
url, pid = sys.argv[1] + "/_tarn/health", int(sys.argv[2])
deadline = time.time() + 30
while time.time() < deadline:
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit("smoke: tarn exited before becoming ready")
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            if r.status == 200:
                sys.exit(0)
    except Exception:
        pass
    time.sleep(0.05)
sys.exit("smoke: tarn not ready after 30s")
PY
echo "smoke: tarn ready at $endpoint ($("$bin" version))"

# The clients see only this server and these credentials, never a user's
# ~/.aws config.
export PATH="$pybin:$PATH"
export AWS_ENDPOINT_URL=$endpoint
export AWS_ACCESS_KEY_ID=$TARN_ROOT_ACCESS_KEY
export AWS_SECRET_ACCESS_KEY=$TARN_ROOT_SECRET_KEY
export AWS_DEFAULT_REGION=us-east-1
export AWS_CONFIG_FILE=$work/aws-config
export AWS_SHARED_CREDENTIALS_FILE=$work/aws-credentials
export AWS_PAGER=""
# No retries: a request that times out or fails must fail its step, not
# hide a server bug behind a retry.
export AWS_MAX_ATTEMPTS=1
export AWS_RETRY_MODE=standard
export AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_DEFAULT_PROFILE
: >"$AWS_CONFIG_FILE"
: >"$AWS_SHARED_CREDENTIALS_FILE"

out=$work/clients.out
: >"$out"
if [ "${SMOKE_ONLY:-awscli}" = awscli ]; then
	SMOKE_WORK=$work/awscli "$root/scripts/smoke_awscli.sh" 2>&1 | tee -a "$out"
fi
if [ "${SMOKE_ONLY:-boto3}" = boto3 ]; then
	SMOKE_WORK=$work/boto3 "$pybin/python" -u "$root/scripts/smoke_boto3.py" 2>&1 | tee -a "$out"
fi
passed=$(sed -nE 's/^(awscli|boto3): ([0-9]+) passed, 0 failed$/\2/p' "$out" | awk '{n += $1} END {print n + 0}')

echo "smoke: stopping tarn with SIGTERM"
kill -TERM "$server_pid"
rc=0
wait "$server_pid" || rc=$?
server_pid=""
if [ "$rc" -ne 0 ]; then
	echo "smoke: tarn exited $rc after SIGTERM (want 0)" >&2
	exit 1
fi
grep -q 'msg=stopped' "$log" || { echo "smoke: no 'stopped' line in the server log" >&2; exit 1; }
echo "smoke: tarn stopped cleanly"
echo "smoke: PASS"
echo "smoke: $((passed + 1)) passed, 0 failed"
