# One image per service, all from the distribution (dist/target/cdc-pipeline: no test kit, no Maven):
#   docker build -f deploy/docker/service.Dockerfile --build-arg SERVICE=cdc-capture --build-arg HEALTH_PORT=9401 .
# SERVICE is the script of bin/ the container runs; HEALTH_PORT the port of its /health/ready and /metrics.
# BASE_IMAGE: debian:bookworm-slim online; offline, the local image deploy/base-image.sh makes. Debian's
# OpenJDK 17 JRE; the processes run as the unprivileged user 10001.
ARG BASE_IMAGE=debian:bookworm-slim
FROM ${BASE_IMAGE}
# Identical in service.Dockerfile and kafka.Dockerfile: built once, then a cache hit for every other image.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends openjdk-17-jre-headless ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 10001 cdc && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin cdc
ARG SERVICE
ARG HEALTH_PORT
COPY dist/target/cdc-pipeline /opt/cdc-pipeline
# The entry point names the consumer after the container (static group membership, KAFKA_GROUP_INSTANCE_ID):
# a container restarted after a crash keeps its host name and takes its partitions back at once.
RUN test -x /opt/cdc-pipeline/bin/${SERVICE} \
 && printf '#!/bin/sh\nexport KAFKA_GROUP_INSTANCE_ID="${KAFKA_GROUP_INSTANCE_ID:-$(cat /etc/hostname)}"\nexec /opt/cdc-pipeline/bin/%s "$@"\n' "${SERVICE}" > /usr/local/bin/service \
 && chmod 0755 /usr/local/bin/service \
 && mkdir -p /var/lib/cdc-pipeline/checkpoints /var/lib/cdc-pipeline/state && chown -R cdc:cdc /var/lib/cdc-pipeline
ENV METRICS_BIND=0.0.0.0 METRICS_PORT=${HEALTH_PORT}
USER 10001:10001
WORKDIR /var/lib/cdc-pipeline
EXPOSE ${HEALTH_PORT}
# Ready means connected and working (each service's /health/ready), not merely started. bash's /dev/tcp: no curl needed.
HEALTHCHECK --interval=3s --timeout=3s --start-period=90s --retries=5 \
  CMD ["/bin/bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${METRICS_PORT} && printf 'GET /health/ready HTTP/1.0\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200'"]
ENTRYPOINT ["/usr/local/bin/service"]
