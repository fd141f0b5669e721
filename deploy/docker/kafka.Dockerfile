# Apache Kafka in KRaft mode (one combined broker and controller) from the jars Maven brought
# (dist/kafka-broker/target/lib): clients reach it only over TLS on 9093.
ARG BASE_IMAGE=debian:bookworm-slim
FROM ${BASE_IMAGE}
# Identical in service.Dockerfile and kafka.Dockerfile: built once, then a cache hit for every other image.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends openjdk-17-jre-headless ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 10001 cdc && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin cdc
COPY dist/kafka-broker/target/lib /opt/kafka/lib
COPY deploy/docker/kafka/ /opt/kafka/
RUN chmod 0755 /opt/kafka/start.sh && mkdir -p /var/lib/kafka && chown cdc:cdc /var/lib/kafka
USER 10001:10001
EXPOSE 9093
HEALTHCHECK --interval=2s --timeout=2s --start-period=60s --retries=5 \
  CMD ["/bin/bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/9092"]
ENTRYPOINT ["/opt/kafka/start.sh"]
