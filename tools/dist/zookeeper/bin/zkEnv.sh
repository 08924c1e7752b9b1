#!/usr/bin/env bash
# Sourced by zkServer.sh and zkCli.sh: finds the configuration, java, the classpath and the heap,
# with the same variables as the official zkEnv.sh. Written for this project (the distribution is
# assembled from Maven Central by tools/build-dist.sh).
#
#   --config <dir>   as the first two arguments: configuration directory (else ZOOCFGDIR, else conf/)
#   ZOOCFG           config file name inside that directory (default zoo.cfg)
#   ZOO_LOG_DIR      log directory (default <install>/logs)
#   ZK_SERVER_HEAP / ZK_CLIENT_HEAP   heap in MB (default 1000 / 256)
#   SERVER_JVMFLAGS / CLIENT_JVMFLAGS / JVMFLAGS / JAVA_HOME

# Sets variables for its callers, and sources site files chosen at run time.
# shellcheck disable=SC2034,SC1090,SC1091

ZOOBINDIR="${ZOOBINDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}"
ZOOKEEPER_PREFIX="${ZOOKEEPER_PREFIX:-$(cd "$ZOOBINDIR/.." && pwd)}"

# Sourced without arguments, this shift consumes the caller's own "--config <dir>".
if [ $# -gt 1 ] && [ "$1" = "--config" ]; then
  ZOOCFGDIR="$2"
  shift 2
fi
ZOOCFGDIR="${ZOOCFGDIR:-$ZOOKEEPER_PREFIX/conf}"

# Site settings, as upstream: zookeeper-env.sh and java.env in the configuration directory.
if [ -f "$ZOOCFGDIR/zookeeper-env.sh" ]; then
  . "$ZOOCFGDIR/zookeeper-env.sh"
fi
ZOOCFG="$ZOOCFGDIR/${ZOOCFG:-zoo.cfg}"
if [ -f "$ZOOCFGDIR/java.env" ]; then
  . "$ZOOCFGDIR/java.env"
fi

ZOO_LOG_DIR="${ZOO_LOG_DIR:-$ZOOKEEPER_PREFIX/logs}"

if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
  JAVA="$JAVA_HOME/bin/java"
elif command -v java >/dev/null; then
  JAVA=java
else
  echo "Error: JAVA_HOME is not set and java could not be found in PATH." >&2
  exit 1
fi

# The configuration directory comes first: logback.xml is read from the classpath.
CLASSPATH="$ZOOCFGDIR${CLASSPATH:+:$CLASSPATH}"
for jar in "$ZOOKEEPER_PREFIX"/lib/*.jar; do
  CLASSPATH="$CLASSPATH:$jar"
done

SERVER_JVMFLAGS="-Xmx${ZK_SERVER_HEAP:-1000}m ${SERVER_JVMFLAGS:-}"
CLIENT_JVMFLAGS="-Xmx${ZK_CLIENT_HEAP:-256}m ${CLIENT_JVMFLAGS:-}"
JVMFLAGS="${JVMFLAGS:-}"
ZOO_USER="${USER:-$(id -un)}"
ZOO_HOST="${HOSTNAME:-$(uname -n)}"
