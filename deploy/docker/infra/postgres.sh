#!/bin/bash
# PostgreSQL 15 with TLS (the compose CA's certificate), wal_level=logical and pg_stat_statements.
# Runs as postgres. Password authentication over TLS only; cdc_user by client certificate.
set -euo pipefail
bin=/usr/lib/postgresql/15/bin
data=/var/lib/postgresql/data
if [ ! -s "$data/PG_VERSION" ]; then
  "$bin/initdb" -D "$data" --username=postgres --pwfile=/certs/secrets/postgres --auth-local=peer --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  cat >> "$data/postgresql.conf" <<CONF
listen_addresses = '*'
wal_level = logical
max_replication_slots = 10
max_wal_senders = 10
shared_preload_libraries = 'pg_stat_statements'
ssl = on
ssl_cert_file = 'server.crt'
ssl_key_file = 'server.key'
ssl_ca_file = 'ca.crt'
password_encryption = 'scram-sha-256'
CONF
  cat > "$data/pg_hba.conf" <<HBA
local    all       all                    peer
hostssl  all       cdc_user  0.0.0.0/0    cert
hostssl  all       all       0.0.0.0/0    scram-sha-256
hostnossl all      all       0.0.0.0/0    reject
HBA
fi
install -m 0600 /certs/postgres.key "$data/server.key"
install -m 0644 /certs/postgres.crt "$data/server.crt"
install -m 0644 /certs/ca.crt "$data/ca.crt"
if [ -n "${POSTGRES_DB:-}" ] && [ ! -f "$data/.db-created" ]; then
  "$bin/pg_ctl" -D "$data" -o "-c listen_addresses=''" -w start >/dev/null
  /usr/bin/psql -v ON_ERROR_STOP=1 -q -d postgres -c "CREATE DATABASE \"$POSTGRES_DB\""
  "$bin/pg_ctl" -D "$data" -w stop >/dev/null
  touch "$data/.db-created"
fi
exec "$bin/postgres" -D "$data"
