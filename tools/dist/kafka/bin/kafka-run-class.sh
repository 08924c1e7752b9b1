#!/usr/bin/env bash
# Run a Java class on the Kafka classpath (every jar in libs/), honouring the same environment as
# the official kafka-run-class.sh of Kafka 3.x. Written for this project: the distribution is
# assembled from Maven Central by tools/build-dist.sh.
# Without -daemon it execs java, so a service manager supervises the JVM itself.

# The *_OPTS variables are word lists: split on purpose (globbing is off there).
# shellcheck disable=SC2086,SC2206

if [ $# -lt 1 ]; then
  echo "USAGE: $0 [-daemon] [-name servicename] [-loggc] classname [opts]" >&2
  exit 1
fi

# Physical path: kafka-server-stop.sh recognises this installation's servers by it.
base_dir="$(cd "$(dirname "$0")/.." && pwd -P)"

# Classpath: a caller's CLASSPATH first, then every jar in libs/ (sorted, so the order is stable).
shopt -s nullglob
for jar in "$base_dir"/libs/*.jar; do
  CLASSPATH="${CLASSPATH:+$CLASSPATH:}$jar"
done
shopt -u nullglob
if [ -z "${CLASSPATH:-}" ]; then
  echo "No jars found in $base_dir/libs" >&2
  exit 1
fi

if [ -z "${KAFKA_JMX_OPTS:-}" ]; then
  KAFKA_JMX_OPTS="-Dcom.sun.management.jmxremote -Dcom.sun.management.jmxremote.authenticate=false -Dcom.sun.management.jmxremote.ssl=false"
fi
if [ -n "${JMX_PORT:-}" ]; then
  KAFKA_JMX_OPTS="$KAFKA_JMX_OPTS -Dcom.sun.management.jmxremote.port=$JMX_PORT"
  # Pin the RMI port too, so only one port has to be opened in a firewall.
  case "$KAFKA_JMX_OPTS" in
    *-Dcom.sun.management.jmxremote.rmi.port=*) ;;
    *) KAFKA_JMX_OPTS="$KAFKA_JMX_OPTS -Dcom.sun.management.jmxremote.rmi.port=$JMX_PORT" ;;
  esac
fi

LOG_DIR="${LOG_DIR:-$base_dir/logs}"

if [ -z "${KAFKA_LOG4J_OPTS:-}" ]; then
  # A tool: log to the console only (Kafka 4 reads log4j 2's configuration, Kafka 3 log4j 1's).
  if [ -f "$base_dir/config/tools-log4j2.yaml" ]; then
    KAFKA_LOG4J_OPTS="-Dlog4j2.configurationFile=$base_dir/config/tools-log4j2.yaml"
  else
    KAFKA_LOG4J_OPTS="-Dlog4j.configuration=file:$base_dir/config/tools-log4j.properties"
  fi
else
  # A server (its start script chose a log4j config that writes under LOG_DIR).
  mkdir -p "$LOG_DIR"
fi
KAFKA_LOG4J_OPTS="-Dkafka.logs.dir=$LOG_DIR $KAFKA_LOG4J_OPTS"

if [ -n "${KAFKA_DEBUG:-}" ]; then
  JAVA_DEBUG_OPTS="${JAVA_DEBUG_OPTS:--agentlib:jdwp=transport=dt_socket,server=y,suspend=${DEBUG_SUSPEND_FLAG:-n},address=${JAVA_DEBUG_PORT:-5005}}"
  echo "Enabling Java debug options: $JAVA_DEBUG_OPTS" >&2
  KAFKA_OPTS="$JAVA_DEBUG_OPTS ${KAFKA_OPTS:-}"
fi

if [ -n "${JAVA_HOME:-}" ]; then
  JAVA="$JAVA_HOME/bin/java"
else
  JAVA="java"
fi

KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xmx256M}"
# MaxInlineLevel=15 is the JDK 14+ default; kept so older JDKs behave the same, as upstream.
KAFKA_JVM_PERFORMANCE_OPTS="${KAFKA_JVM_PERFORMANCE_OPTS:--server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15 -Djava.awt.headless=true}"

DAEMON_MODE=false
GC_LOG_ENABLED=false
while [ $# -gt 0 ]; do
  case "$1" in
    -name)   DAEMON_NAME="$2"; shift 2 ;;
    -loggc)  [ -n "${KAFKA_GC_LOG_OPTS:-}" ] || GC_LOG_ENABLED=true; shift ;;
    -daemon) DAEMON_MODE=true; shift ;;
    *)       break ;;
  esac
done

if [ "$GC_LOG_ENABLED" = true ]; then
  # Unified JVM logging (Java 9+; Kafka 3.9 needs Java 11+ anyway).
  mkdir -p "$LOG_DIR"
  KAFKA_GC_LOG_OPTS="-Xlog:gc*:file=$LOG_DIR/${DAEMON_NAME:-}-gc.log:time,tags:filecount=10,filesize=100M"
fi

# The option variables hold several words each: split them, but never glob them.
set -f
cmd=("$JAVA" $KAFKA_HEAP_OPTS $KAFKA_JVM_PERFORMANCE_OPTS ${KAFKA_GC_LOG_OPTS:-} $KAFKA_JMX_OPTS $KAFKA_LOG4J_OPTS -cp "$CLASSPATH" ${KAFKA_OPTS:-} "$@")
set +f

if [ "$DAEMON_MODE" = true ]; then
  mkdir -p "$LOG_DIR"
  nohup "${cmd[@]}" > "$LOG_DIR/${DAEMON_NAME:-kafka}.out" 2>&1 < /dev/null &
else
  exec "${cmd[@]}"
fi
