#!/bin/bash
# One-shot: a CA, server certificates for postgres, kafka and redis, the client certificate of cdc_user,
# the audit checkpoint signing key pair and random passwords, into /certs (a volume). Made at first start,
# kept while the volume lives, never committed. Run as root; each file is readable only by the user that needs it.
set -euo pipefail
out=/certs
if [ -f "$out/.done" ]; then
  echo "certificates and secrets already in $out"
  exit 0
fi
mkdir -p "$out/secrets"
cd "$out"
days=825
openssl req -x509 -newkey rsa:3072 -nodes -keyout ca.key -out ca.crt -days "$days" -subj "/CN=cdc-pipeline compose CA" 2>/dev/null
issue() { # name CN SAN
  openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "/CN=$2" 2>/dev/null
  printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth,clientAuth\n' "$3" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -out "$1.crt" -days "$days" -extfile "$1.ext" 2>/dev/null
  # PKCS-8, what pgjdbc and Kafka's PEM key store read.
  openssl pkcs8 -topk8 -nocrypt -in "$1.key" -out "$1.pk8"
  mv "$1.pk8" "$1.key"
  rm -f "$1.csr" "$1.ext"
}
issue postgres postgres DNS:postgres
issue kafka kafka DNS:kafka
issue redis redis DNS:redis
issue cdc_user cdc_user DNS:cdc_user
cat kafka.key kafka.crt > kafka-keystore.pem
openssl genpkey -algorithm ed25519 -out checkpoint.key
openssl pkey -in checkpoint.key -pubout -out checkpoint.pub
for name in postgres admin_user app_user read_only_user audit_user analytics_user monitor_user redis; do
  openssl rand -hex 24 > "secrets/$name"
done
printf 'rediss://:%s@redis:6380' "$(cat secrets/redis)" > secrets/redis-url
rm -f ca.key ca.srl
# The CA certificate and public keys for everyone; private keys and passwords for their users only.
chown -R root:10001 "$out" && chmod 0750 "$out" "$out/secrets" && chmod 0644 ca.crt checkpoint.pub ./*.crt
chown postgres:postgres postgres.key && chmod 0600 postgres.key
chown postgres:10001 secrets/postgres && chmod 0440 secrets/postgres
chmod 0755 "$out"
for f in kafka.key kafka-keystore.pem redis.key cdc_user.key checkpoint.key; do chown 10001:10001 "$f" && chmod 0600 "$f"; done
for f in secrets/*; do [ "$f" = secrets/postgres ] || { chown 10001:10001 "$f" && chmod 0400 "$f"; }; done
chmod 0755 secrets
touch .done
echo "certificates and secrets written to $out"
