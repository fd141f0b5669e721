#!/bin/bash
# Prometheus with the compose scrape configuration and the project's alert rules (deploy/prometheus/alerts.yml).
set -euo pipefail
exec prometheus --config.file=/etc/cdc-prometheus/prometheus.yml --storage.tsdb.path=/tmp/prometheus \
  --web.listen-address=0.0.0.0:9090 --storage.tsdb.retention.time=1d
