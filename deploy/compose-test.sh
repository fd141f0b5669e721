#!/usr/bin/env bash
# The compose stack, tested end to end from the images this tree builds, offline if need be:
#  1. the base image (deploy/base-image.sh unless BASE_IMAGE names one), the distribution and the broker's jars;
#  2. every image built, the stack up (audit-sink at 2 replicas), every container healthy (/health/ready);
#  3. changes made through PostgreSQL: audit rows exact by op, view counts exact, a cached key deleted;
#  4. Prometheus scrapes every service's /metrics;
#  5. audit-sink scaled to 3 and back to 1 while changes go on: no audit row lost or doubled;
#  6. everything torn down (containers, volumes).
# Needs a running Docker engine and docker-compose (or the compose plugin). Exit status 0 only if every check passed.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
project=cdcci$$
if command -v docker-compose >/dev/null 2>&1; then compose=(docker-compose); else compose=(docker compose); fi
compose+=(-p "$project" -f "$root/docker-compose.yml")
step() { printf '\n== %s (%s)\n' "$*" "$(date +%T)"; }
fail() { echo "FAILED: $*" >&2; "${compose[@]}" ps >&2 || true; "${compose[@]}" logs --tail=60 >&2 || true; exit 1; }
cleanup() { "${compose[@]}" down -v --remove-orphans >/dev/null 2>&1 || true; }
trap cleanup EXIT

docker info >/dev/null 2>&1 || fail "no Docker engine answers: install docker.io and docker-compose and start dockerd (see deploy/README.md)"

step "base image, distribution, broker jars"
export BASE_IMAGE=${BASE_IMAGE:-$(deploy/base-image.sh)}
echo "BASE_IMAGE=$BASE_IMAGE"
if [ ! -d dist/target/cdc-pipeline/lib ] || [ ! -d dist/kafka-broker/target/lib ]; then
  ./mvnw -B -q -DskipTests -pl dist,dist/kafka-broker -am package
fi
export PROMETHEUS_PORT=${PROMETHEUS_PORT:-$(for p in $(seq 19090 19190); do (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null || { echo $p; break; }; done)}

step "build the images"
# The two images that download packages (PostgreSQL, Redis and Prometheus; the JRE layer every Java image
# shares) side by side: most of their time is the mirror's. The rest then reuse the JRE layer from the cache.
docker build -q -f deploy/docker/infra.Dockerfile --build-arg BASE_IMAGE="$BASE_IMAGE" -t cdc-pipeline/infra:latest . >/dev/null &
infra_build=$!
docker build -q -f deploy/docker/kafka.Dockerfile --build-arg BASE_IMAGE="$BASE_IMAGE" -t cdc-pipeline/kafka:latest . >/dev/null &
kafka_build=$!
wait $infra_build || fail "the infra image did not build"
wait $kafka_build || fail "the kafka image did not build"
"${compose[@]}" build

step "up"
"${compose[@]}" up -d --scale audit-sink=2
# psql and redis-cli through `docker exec` on the container: the same as `compose exec -T`, without
# docker-compose 1.29's start-up of about a second per call (the checks below make dozens).
container() { "${compose[@]}" ps -q "$1" | head -n 1; }
pg_container=$(container postgres)
redis_container=$(container redis)
sql() { docker exec -i "$pg_container" psql -X -q -A -t -v ON_ERROR_STOP=1 -d blog -c "$1"; }
healthy() { # every running container of the project with a health check is healthy
  local bad
  bad=$(docker ps --filter "label=com.docker.compose.project=$project" --format '{{.Names}} {{.Status}}' | grep -v '(healthy)' | grep -E 'health|starting' || true)
  [ -z "$bad" ]
}
for i in $(seq 1 240); do
  healthy && [ "$(docker ps --filter "label=com.docker.compose.project=$project" --filter health=healthy -q | wc -l)" -ge 8 ] && break
  sleep 1
  [ "$i" -lt 240 ] || fail "not every container became healthy: $(docker ps --filter "label=com.docker.compose.project=$project" --format '{{.Names}} {{.Status}}')"
done
docker ps --filter "label=com.docker.compose.project=$project" --format '{{.Names}}: {{.Status}}'
[ "$(docker ps --filter "label=com.docker.compose.project=$project" --filter "label=com.docker.compose.service=audit-sink" -q | wc -l)" -eq 2 ] \
  || fail "audit-sink does not run 2 replicas"
[ "$(docker inspect -f '{{.Config.User}}' "$(docker ps -q --filter "label=com.docker.compose.project=$project" --filter "label=com.docker.compose.service=capture")")" = "10001:10001" ] \
  || fail "capture does not run as the unprivileged user"

step "changes through PostgreSQL"
sql "BEGIN; SET LOCAL app.user_id = '7';
     INSERT INTO app.organizations (id, name, slug) VALUES (1, 'Compose', 'compose');
     INSERT INTO app.users (id, org_id, email, username, password_hash) VALUES (1, 1, 'a@compose.invalid', 'author', 'x');
     INSERT INTO app.articles (id, org_id, author_id, slug, title, status, published_at)
       SELECT i, 1, 1, 'a-' || i, 'Article ' || i, 'published', now() FROM generate_series(1, 20) i;
     COMMIT;"
# Every 5th article edited, 100 views of article 3 in one statement, a row deleted.
sql "BEGIN; SET LOCAL app.user_id = '8'; UPDATE app.articles SET title = title || ' (edited)' WHERE id % 5 = 0; COMMIT;"
sql "INSERT INTO app.article_views (article_id, user_id) SELECT 3, 1 FROM generate_series(1, 100)"
sql "DELETE FROM app.articles WHERE id = 20"
redis() { docker exec -i "$redis_container" sh -c 'redis-cli --tls --cacert /certs/ca.crt -p 6380 -a "$(cat /certs/secrets/redis)" --no-auth-warning "$@"' redis "$@"; }
redis SET article:4 cached >/dev/null
sql "UPDATE app.articles SET title = 'changed' WHERE id = 4"

expect() { # description, query, expected value: waits up to 90 s
  local got=""
  for _ in $(seq 1 90); do
    got=$(sql "$2" | tr -d '[:space:]')
    [ "$got" = "$3" ] && { echo "ok: $1 = $got"; return 0; }
    sleep 1
  done
  fail "$1: expected $3, got '$got'"
}
expect "audit rows: inserts" "SELECT count(*) FROM audit.change_log WHERE source_table IN ('app.organizations', 'app.users', 'app.articles') AND op = 'c'" 22
expect "audit rows: updates" "SELECT count(*) FROM audit.change_log WHERE source_table = 'app.articles' AND op = 'u'" 5
expect "audit rows: deletes" "SELECT count(*) FROM audit.change_log WHERE source_table = 'app.articles' AND op = 'd'" 1
expect "the editing actor" "SELECT count(*) FROM audit.changes_with_actor WHERE source_table = 'app.articles' AND op = 'u' AND app_user = '8'" 4
expect "views counted" "SELECT coalesce(sum(views), 0) FROM analytics.article_daily_stats WHERE article_id = 3" 100
for _ in $(seq 1 30); do [ "$(redis EXISTS article:4 | tr -d '[:space:]')" = 0 ] && break; sleep 1; done
[ "$(redis EXISTS article:4 | tr -d '[:space:]')" = 0 ] || fail "the cached article:4 was not invalidated"
echo "ok: article:4 invalidated"

step "Prometheus scrapes every service"
targets() { curl -sf "http://127.0.0.1:$PROMETHEUS_PORT/api/v1/query" --data-urlencode 'query=sum by (component) (up)' ; }
for _ in $(seq 1 30); do
  t=$(targets || true)
  ok=1
  for c in cdc-capture audit-sink analytics-aggregator cache-invalidator db-monitor audit-verify; do
    echo "$t" | grep -q "\"component\":\"$c\"" || ok=0
  done
  [ $ok = 1 ] && echo "$t" | grep -q '"audit-sink"},"value":\[[0-9.]*,"2"\]' && break
  sleep 2
done
[ $ok = 1 ] || fail "Prometheus does not scrape every service: $t"
echo "$t" | grep -q '"audit-sink"},"value":\[[0-9.]*,"2"\]' || fail "Prometheus does not see both audit-sink replicas: $t"
curl -sf "http://127.0.0.1:$PROMETHEUS_PORT/api/v1/rules" | grep -q '"type":"alerting"' || fail "the alert rules are not loaded"
echo "ok: every service's /metrics scraped (both audit-sink replicas), alert rules loaded"

step "scale audit-sink to 3 and back to 1 while changes go on"
before=$(sql "SELECT count(*) FROM audit.change_log")
# 20 transactions of 30 views, one every 0.75 s (15 s in all): they go on through both rebalances.
writer() {
  for i in $(seq 1 20); do
    echo "INSERT INTO app.article_views (article_id, user_id) SELECT 5, 1 FROM generate_series(1, 30); SELECT pg_sleep(0.75);"
  done | docker exec -i "$pg_container" psql -X -q -A -t -v ON_ERROR_STOP=1 -d blog >/dev/null
}
writer &
writer_pid=$!
# --no-deps: the one-shot certs and migrate ran already; scaling is about audit-sink alone.
"${compose[@]}" up -d --no-deps --no-recreate --scale audit-sink=3 audit-sink
sleep 5
"${compose[@]}" up -d --no-deps --no-recreate --scale audit-sink=1 audit-sink
wait $writer_pid
expect "audit rows after scaling (600 views written, no row lost or doubled)" \
  "SELECT count(*) - $before FROM audit.change_log" 600
expect "views counted after scaling" "SELECT coalesce(sum(views), 0) FROM analytics.article_daily_stats WHERE article_id = 5" 600

step "verify the audit log"
"${compose[@]}" run --rm --no-deps audit-verify verify | tail -3 || fail "audit verify failed"

step "down"
"${compose[@]}" down -v --remove-orphans >/dev/null
trap - EXIT
echo "compose test passed"
