#!/usr/bin/env bash
# Start, stop or query a ZooKeeper server, with the commands and variables of the official
# zkServer.sh (see zkEnv.sh for the variables). Written for this project.
#   zkServer.sh [--config <dir>] {start|start-foreground|stop|restart|status|print-cmd|version} [cfg]
# start-foreground execs java, so systemd supervises the JVM directly; logs go to stdout.

# The *FLAGS variables are word lists: split on purpose (globbing is off there).
# shellcheck source-path=SCRIPTDIR disable=SC2086,SC2206

ZOOBINDIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$ZOOBINDIR/zkEnv.sh"

# JMX as upstream: local by default, remote when JMXPORT is set, none when JMXDISABLE=true.
if [ -z "${JMXDISABLE:-}" ] || [ "$JMXDISABLE" = false ]; then
  ZOOMAIN="-Dcom.sun.management.jmxremote -Dcom.sun.management.jmxremote.local.only=${JMXLOCALONLY:-false}"
  if [ -n "${JMXPORT:-}" ]; then
    ZOOMAIN="$ZOOMAIN -Dcom.sun.management.jmxremote.port=$JMXPORT -Dcom.sun.management.jmxremote.authenticate=${JMXAUTH:-false} -Dcom.sun.management.jmxremote.ssl=${JMXSSL:-false} -Dzookeeper.jmx.log4j.disable=${JMXLOG4J:-true}"
  fi
  ZOOMAIN="$ZOOMAIN org.apache.zookeeper.server.quorum.QuorumPeerMain"
else
  ZOOMAIN="org.apache.zookeeper.server.quorum.QuorumPeerMain"
fi

# A second argument names the config: a bare name is looked up in ZOOCFGDIR, a path is used as is.
if [ -n "${2:-}" ]; then
  case "$2" in
    */*) ZOOCFG="$2" ;;
    *)   ZOOCFG="$ZOOCFGDIR/$2" ;;
  esac
fi

# Value of a "key=value" line of the config (first match), spaces trimmed.
cfg_value() {
  sed -n "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*//p" "$ZOOCFG" | head -n 1 | sed 's/[[:space:]]*$//'
}

ZOO_LOG_FILE="${ZOO_LOG_FILE:-zookeeper-$ZOO_USER-server-$ZOO_HOST.log}"
_ZOO_DAEMON_OUT="$ZOO_LOG_DIR/zookeeper-$ZOO_USER-server-$ZOO_HOST.out"

server_cmd() {
  # Split the flag variables into words on purpose, without globbing them.
  set -f
  cmd=("$JAVA" "-Dzookeeper.log.dir=$ZOO_LOG_DIR" "-Dzookeeper.log.file=$ZOO_LOG_FILE"
       -XX:+HeapDumpOnOutOfMemoryError "-XX:OnOutOfMemoryError=kill -9 %p"
       -cp "$CLASSPATH" $SERVER_JVMFLAGS $JVMFLAGS $ZOOMAIN "$ZOOCFG")
  set +f
}

pid_file() {
  if [ -z "${ZOOPIDFILE:-}" ]; then
    local data_dir
    data_dir="$(cfg_value dataDir)"
    ZOOPIDFILE="${data_dir:-.}/zookeeper_server.pid"
  fi
  mkdir -p "$(dirname "$ZOOPIDFILE")"
}

case "${1:-}" in
  start-foreground)
    echo "Using config: $ZOOCFG" >&2
    server_cmd
    if [ -n "${ZOO_NOEXEC:-}" ]; then
      "${cmd[@]}"
    else
      exec "${cmd[@]}"
    fi
    ;;
  start)
    echo "Using config: $ZOOCFG" >&2
    pid_file
    if [ -f "$ZOOPIDFILE" ] && kill -0 "$(cat "$ZOOPIDFILE")" 2>/dev/null; then
      echo "zookeeper already running as process $(cat "$ZOOPIDFILE")."
      exit 1
    fi
    mkdir -p "$ZOO_LOG_DIR"
    server_cmd
    echo -n "Starting zookeeper ... "
    nohup "${cmd[@]}" > "$_ZOO_DAEMON_OUT" 2>&1 < /dev/null &
    echo -n $! > "$ZOOPIDFILE"
    sleep 1
    if kill -0 "$(cat "$ZOOPIDFILE")" 2>/dev/null; then
      echo STARTED
    else
      echo "FAILED TO START (see $_ZOO_DAEMON_OUT)"
      exit 1
    fi
    ;;
  stop)
    pid_file
    echo "Stopping zookeeper ... "
    if [ ! -f "$ZOOPIDFILE" ]; then
      echo "no zookeeper to stop (could not find file $ZOOPIDFILE)"
      exit 0
    fi
    pid="$(cat "$ZOOPIDFILE")"
    kill "$pid" 2>/dev/null
    # Wait (up to 30 s) for the JVM to exit, so a following start finds the port free.
    for _ in $(seq 30); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 1
    done
    rm -f "$ZOOPIDFILE"
    echo STOPPED
    ;;
  restart)
    shift
    "$0" --config "$ZOOCFGDIR" stop "$@"
    "$0" --config "$ZOOCFGDIR" start "$@"
    ;;
  status)
    echo "Using config: $ZOOCFG" >&2
    address="$(cfg_value clientPortAddress)"
    port="$(cfg_value clientPort)"
    if [ -z "$port" ]; then
      # Dynamic config form: server.<myid>=host:peer:election[:role];[address:]port
      myid="$(cat "$(cfg_value dataDir)/myid" 2>/dev/null)"
      client="$(cfg_value "server\.$myid" | sed -n 's/.*;//p')"
      case "$client" in
        *:*) address="${client%:*}"; port="${client##*:}" ;;
        *)   port="$client" ;;
      esac
    fi
    if [ -z "$port" ]; then
      echo "Unable to find the client port in $ZOOCFG"
      exit 1
    fi
    address="${address:-localhost}"
    echo "Client port found: $port. Client address: $address." >&2
    set -f
    mode="$("$JAVA" "-Dzookeeper.log.dir=$ZOO_LOG_DIR" "-Dzookeeper.log.file=$ZOO_LOG_FILE" \
      -cp "$CLASSPATH" $CLIENT_JVMFLAGS $JVMFLAGS org.apache.zookeeper.client.FourLetterWordMain \
      "$address" "$port" srvr 2>/dev/null | grep "^Mode:")"
    set +f
    if [ -z "$mode" ]; then
      echo "Error contacting service. It is probably not running."
      exit 1
    fi
    echo "$mode"
    ;;
  print-cmd)
    server_cmd
    printf '%q ' "${cmd[@]}"
    echo
    ;;
  version)
    exec "$JAVA" -cp "$CLASSPATH" org.apache.zookeeper.version.VersionInfoMain
    ;;
  *)
    echo "Usage: $0 [--config <conf-dir>] {start|start-foreground|stop|version|restart|status|print-cmd}" >&2
    exit 1
    ;;
esac
