# PostgreSQL 15, Redis 7 and Prometheus from Debian's packages over BASE_IMAGE, in one image (one package
# download for the three): docker-compose.yml runs each with its own entrypoint. Also openssl for the
# one-shot service that generates the certificates and passwords.
ARG BASE_IMAGE=debian:bookworm-slim
FROM ${BASE_IMAGE}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      postgresql-15 redis-server prometheus openssl ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 10001 cdc && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin cdc
RUN mkdir -p /var/lib/postgresql/data && chown postgres:postgres /var/lib/postgresql/data && chmod 0700 /var/lib/postgresql/data
COPY deploy/docker/infra/ /opt/infra/
RUN chmod 0755 /opt/infra/*.sh
