#!/bin/bash
# One KRaft node (broker and controller). Clients: TLS on 9093 (the compose CA's certificate, no client
# certificate asked). The broker's own plaintext listener and the controller listen on the container's loopback only.
set -euo pipefail
data=/var/lib/kafka
props=$data/server.properties
cat > "$props" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:9094
listeners=SSL://0.0.0.0:9093,BROKER://127.0.0.1:9092,CONTROLLER://127.0.0.1:9094
advertised.listeners=SSL://${KAFKA_ADVERTISED_HOST:-kafka}:9093,BROKER://127.0.0.1:9092
listener.security.protocol.map=SSL:SSL,BROKER:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=BROKER
controller.listener.names=CONTROLLER
ssl.keystore.type=PEM
ssl.keystore.location=/certs/kafka-keystore.pem
ssl.truststore.type=PEM
ssl.truststore.location=/certs/ca.crt
log.dirs=$data/logs
num.partitions=3
auto.create.topics.enable=false
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
PROPS
cp="/opt/kafka/lib/*"
java_opts=(-Xms512m -Xmx512m -XX:+ExitOnOutOfMemoryError -Dlogback.configurationFile=/opt/kafka/logback.xml)
if [ ! -f "$data/logs/meta.properties" ]; then
  cluster=$(java -cp "$cp" "${java_opts[@]}" kafka.tools.StorageTool random-uuid)
  java -cp "$cp" "${java_opts[@]}" kafka.tools.StorageTool format -t "$cluster" -c "$props" >/dev/null
fi
exec java -cp "$cp" "${java_opts[@]}" kafka.Kafka "$props"
