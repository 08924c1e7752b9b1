#!/usr/bin/env bash
# promtool, Prometheus's checker of configurations and rules: the one on PATH, else the one of the
# distribution's `prometheus` package, unpacked into the cache without installing the package (so no
# Prometheus server gets started on this machine). Arguments are promtool's.
#   tools/promtool.sh check rules roles/prometheus/files/kafka-alerts.yml
set -euo pipefail
cache="${KAFKA_ANSIBLE_CACHE:-$HOME/.cache/kafka-ansible}/promtool"

if command -v promtool >/dev/null; then
  exec promtool "$@"
fi
bin="$cache/usr/bin/promtool"
if [ ! -x "$bin" ]; then
  command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null \
    || { echo "promtool not found: install Prometheus's promtool (Debian: the prometheus package)" >&2; exit 1; }
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && apt-get download prometheus >/dev/null 2>&1) \
    || { apt-get update -qq && (cd "$work" && apt-get download prometheus >/dev/null); }
  mkdir -p "$cache"
  dpkg-deb -x "$work"/prometheus_*.deb "$cache"
fi
exec "$bin" "$@"
