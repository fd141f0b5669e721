#!/bin/bash
# Redis 7 over TLS only (port 6380), with a password; runs as the unprivileged user 10001.
set -euo pipefail
conf=$(mktemp)
chmod 0600 "$conf"
cat > "$conf" <<CONF
port 0
tls-port 6380
tls-cert-file /certs/redis.crt
tls-key-file /certs/redis.key
tls-ca-cert-file /certs/ca.crt
tls-auth-clients no
requirepass $(cat /certs/secrets/redis)
save ""
appendonly no
dir /tmp
CONF
exec redis-server "$conf"
