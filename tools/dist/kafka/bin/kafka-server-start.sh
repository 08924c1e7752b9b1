#!/usr/bin/env bash
# Start a Kafka server (ZooKeeper-mode broker or KRaft node), as the official script does.
# In the foreground (no -daemon) the JVM replaces this shell, so systemd supervises it directly.

if [ $# -lt 1 ]; then
  echo "USAGE: $0 [-daemon] server.properties [--override property=value]*" >&2
  exit 1
fi

base_dir="$(cd "$(dirname "$0")/.." && pwd -P)"

# Kafka 4 reads log4j 2's configuration, Kafka 3 log4j 1's.
if [ -f "$base_dir/config/log4j2.yaml" ]; then
  export KAFKA_LOG4J_OPTS="${KAFKA_LOG4J_OPTS:--Dlog4j2.configurationFile=$base_dir/config/log4j2.yaml}"
else
  export KAFKA_LOG4J_OPTS="${KAFKA_LOG4J_OPTS:--Dlog4j.configuration=file:$base_dir/config/log4j.properties}"
fi
export KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xmx1G -Xms1G}"

# Upstream default: name the process kafkaServer and write a GC log to LOG_DIR/kafkaServer-gc.log.
EXTRA_ARGS="${EXTRA_ARGS-"-name kafkaServer -loggc"}"
if [ "$1" = "-daemon" ]; then
  EXTRA_ARGS="-daemon $EXTRA_ARGS"
  shift
fi

# EXTRA_ARGS is a list of words on purpose.
# shellcheck disable=SC2086
exec "$base_dir/bin/kafka-run-class.sh" $EXTRA_ARGS kafka.Kafka "$@"
