#!/usr/bin/env bash
# Stop the Kafka servers (kafka.Kafka JVMs) of this installation, as the official script does.
# SIGNAL overrides the signal (default TERM: a controlled shutdown).
# Unlike upstream, which signals every kafka.Kafka JVM the host can see (other installations,
# and containers' processes too), only JVMs whose classpath is this installation's libs/ match.

base_dir="$(cd "$(dirname "$0")/.." && pwd -P)"
SIGNAL="${SIGNAL:-TERM}"
# -ww: never truncate the command line, the main class comes after a long classpath.
PIDS="$(ps -eww -o pid= -o args= |
  awk -v libs="$base_dir/libs/" '/java/ && / kafka\.Kafka / && index($0, libs) && !/awk/ {print $1}')"

if [ -z "$PIDS" ]; then
  echo "No kafka server to stop"
  exit 1
fi
# shellcheck disable=SC2086 # one word per PID
kill -s "$SIGNAL" $PIDS
