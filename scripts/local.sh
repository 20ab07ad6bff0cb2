#!/usr/bin/env bash
# make local: the orders API on 127.0.0.1 with no AWS account.
#   1. starts moto's server (a local AWS emulator) on a free loopback port;
#   2. builds and runs cmd/local, which creates the table and the secret from
#      the Api stack's template, starts the real handler with the real SDK
#      clients pointed at moto (AWS_ENDPOINT_URL, dummy credentials) and
#      serves the HTTP API's routes on 127.0.0.1:${PORT:-8080};
#   3. stops moto by its PID when the target ends (Ctrl-C, error or exit).
set -euo pipefail
cd "$(dirname "$0")/.."

PORT=${PORT:-8080}
PYTHON=${PYTHON:-python3}
export GROUNDWORK_LOCAL_T0
GROUNDWORK_LOCAL_T0=$(date +%s.%N)
say() { printf '[local %5.1fs] %s\n' "$(awk -v a="$GROUNDWORK_LOCAL_T0" -v b="$(date +%s.%N)" 'BEGIN{print b-a}')" "$*"; }

say "checking for the AWS emulator (moto)"
# One interpreter start: moto's version and a free loopback port for it.
if ! read -r moto_version moto_port < <("$PYTHON" -c 'import socket, moto, moto.server
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(moto.__version__, s.getsockname()[1])' 2>/dev/null); then
  echo "local: the AWS emulator is missing: install it with  pip install 'moto[server]'  (or set PYTHON=...)" >&2
  exit 1
fi
moto_log=$(mktemp -t groundwork-moto.XXXXXX.log)
say "starting the AWS emulator (moto $moto_version) on 127.0.0.1:$moto_port, log $moto_log"
"$PYTHON" -m moto.server -H 127.0.0.1 -p "$moto_port" >"$moto_log" 2>&1 &
moto_pid=$!
stop_moto() {
  if kill -0 "$moto_pid" 2>/dev/null; then
    kill "$moto_pid" 2>/dev/null || true
    wait "$moto_pid" 2>/dev/null || true
    say "stopped the emulator (pid $moto_pid)"
  fi
}
trap stop_moto EXIT
trap 'exit 0' INT TERM   # Ctrl-C is the normal way to stop

# Build while the emulator starts.
say "building cmd/local (while the emulator starts)"
go build -o bin/local ./cmd/local
say "built bin/local"

# Bounded wait for the emulator: 30 s.
for i in $(seq 1 300); do
  if ! kill -0 "$moto_pid" 2>/dev/null; then
    echo "local: the emulator exited; its log:" >&2; cat "$moto_log" >&2; exit 1
  fi
  if curl -s -o /dev/null "http://127.0.0.1:$moto_port/moto-api/"; then break; fi
  if [ "$i" = 300 ]; then echo "local: the emulator did not answer within 30 s; log $moto_log" >&2; exit 1; fi
  sleep 0.1
done
say "emulator ready (pid $moto_pid)"

bin/local -endpoint "http://127.0.0.1:$moto_port" -addr "127.0.0.1:$PORT" "$@"
