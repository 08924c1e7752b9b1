#!/usr/bin/env bash
# ZooKeeper command-line client, as the official zkCli.sh:
#   zkCli.sh [--config <dir>] [-server host:port[,host:port...]] [command ...]
# CLIENT_JVMFLAGS, JVMFLAGS and ZK_CLIENT_HEAP apply (see zkEnv.sh).

# The *FLAGS variables are word lists: split on purpose (globbing is off there).
# shellcheck source-path=SCRIPTDIR disable=SC2086,SC2206

ZOOBINDIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$ZOOBINDIR/zkEnv.sh"

ZOO_LOG_FILE="zookeeper-$ZOO_USER-cli-$ZOO_HOST.log"

set -f
exec "$JAVA" "-Dzookeeper.log.dir=$ZOO_LOG_DIR" "-Dzookeeper.log.file=$ZOO_LOG_FILE" \
  -cp "$CLASSPATH" $CLIENT_JVMFLAGS $JVMFLAGS \
  org.apache.zookeeper.ZooKeeperMain "$@"
