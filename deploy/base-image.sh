#!/usr/bin/env bash
# Makes the base image the compose images build on, for a machine that reaches Debian's package mirror but
# no image registry: debootstrap (minbase bookworm) imported with `docker import`. Prints the image name.
#   deploy/base-image.sh [NAME]      (default cdc-pipeline/base:bookworm; nothing to do if it exists)
# Needs root and debootstrap. Online, skip it: BASE_IMAGE defaults to debian:bookworm-slim.
set -euo pipefail
name=${1:-cdc-pipeline/base:bookworm}
if docker image inspect "$name" >/dev/null 2>&1; then
  echo "$name"
  exit 0
fi
mirror=http://deb.debian.org/debian
if [ -f /etc/apt/sources.list.d/debian.sources ]; then
  mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)
fi
rootfs=$(mktemp -d)
trap 'rm -rf "$rootfs"' EXIT
echo "debootstrap bookworm from $mirror ..." >&2
debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >/dev/null
tar -C "$rootfs" -c . | docker import - "$name" >/dev/null
echo "$name"
