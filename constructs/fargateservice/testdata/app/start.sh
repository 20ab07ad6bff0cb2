#!/bin/sh
# Generates a self-signed certificate for this task (valid 1 year; a task
# lives far shorter) and serves /srv/www over HTTPS on $PORT (default 8080).
# openssl s_server -WWW answers "HTTP/1.0 200 ok" with the file named by the
# path, e.g. /health. Writes only to /tmp (read-only root filesystem).
set -eu
PORT="${PORT:-8080}"
dir=/tmp/tls
mkdir -p "$dir"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
  -keyout "$dir/key.pem" -out "$dir/cert.pem" -days 365 \
  -subj "/CN=$(hostname)" 2>/dev/null
exec openssl s_server -accept "$PORT" -cert "$dir/cert.pem" -key "$dir/key.pem" \
  -WWW -quiet
