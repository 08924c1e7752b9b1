#!/usr/bin/env bash
# Assemble the Kafka and ZooKeeper binary archives from Maven Central, in the layout of the official
# Apache tarballs, for places that cannot reach the Apache mirrors:
#   kafka_<scala>-<kafka>.tgz            kafka_<scala>-<kafka>/{bin,config,libs,licenses}
#   apache-zookeeper-<zk>-bin.tar.gz     apache-zookeeper-<zk>-bin/{bin,conf,lib}
#                                        (lib/ includes ZooKeeper's Prometheus metrics provider)
#   jmx_prometheus_javaagent-<v>.jar     the Prometheus JMX exporter agent, as published
# each with an Apache-style <file>.sha512 beside it. Maven resolves the jars (with its own
# configured repository); the launch scripts and configs come from tools/dist/.
# Archives are reproducible (fixed order, owner and time), so their checksums are stable.
# Output: ${KAFKA_ANSIBLE_CACHE:-~/.cache/kafka-ansible}/dist/. Re-runs with unchanged inputs do nothing.
# The versions are the roles' defaults (each written once, there) unless set in the environment.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
# The value of a plain `name: value` line in the roles' defaults (roles/*/defaults/main.yml).
role_default() {
  cat "$here"/../roles/*/defaults/main.yml \
    | sed -n "s/^$1: *[\"']\{0,1\}\([^\"' ]*\)[\"']\{0,1\} *\$/\1/p" | head -n 1
}
KAFKA_VERSION="${KAFKA_VERSION:-$(role_default kafka_version)}"
SCALA_VERSION="${SCALA_VERSION:-$(role_default kafka_scala_version)}"
ZOOKEEPER_VERSION="${ZOOKEEPER_VERSION:-$(role_default zookeeper_version)}"
JMX_EXPORTER_VERSION="${JMX_EXPORTER_VERSION:-$(role_default kafka_metrics_agent_version)}"
# ZooKeeper's Prometheus metrics provider (zookeeper-prometheus-metrics), normally of ZooKeeper's
# own version. Maven Central lacks it for 3.8.4-3.8.6 (the official tarballs ship it); the provider
# API is unchanged within 3.8, so those releases take 3.8.3's, the newest 3.8 one published there.
if [ -z "${ZOOKEEPER_METRICS_VERSION:-}" ]; then
  case "$ZOOKEEPER_VERSION" in
    3.8.[4-6]) ZOOKEEPER_METRICS_VERSION=3.8.3 ;;
    *) ZOOKEEPER_METRICS_VERSION="$ZOOKEEPER_VERSION" ;;
  esac
fi
# The official Kafka 3.9.2 tarball ships this netty (plain resolution would take ZooKeeper's older one).
NETTY_VERSION="${NETTY_VERSION:-4.1.125.Final}"
# Timestamp of every file in the archives (2024-01-01), so that rebuilds are byte-identical.
SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-1704067200}"

src="$here/dist"
out="${KAFKA_ANSIBLE_CACHE:-$HOME/.cache/kafka-ansible}/dist"

kafka_major="${KAFKA_VERSION%%.*}"
kafka_name="kafka_${SCALA_VERSION}-${KAFKA_VERSION}"
kafka_archive="$kafka_name.tgz"
zk_name="apache-zookeeper-${ZOOKEEPER_VERSION}-bin"
zk_archive="$zk_name.tar.gz"
jmx_jar="jmx_prometheus_javaagent-${JMX_EXPORTER_VERSION}.jar"

# Kafka command-line tools: one generated script each, as in the official bin/.
# Columns: script name, default heap ("-": kafka-run-class.sh's 256M), main class [fixed args].
KAFKA_TOOLS='
kafka-topics                  -     org.apache.kafka.tools.TopicCommand
kafka-console-producer        512M  kafka.tools.ConsoleProducer
kafka-console-consumer        512M  org.apache.kafka.tools.consumer.ConsoleConsumer
kafka-configs                 -     kafka.admin.ConfigCommand
kafka-consumer-groups         -     org.apache.kafka.tools.consumer.group.ConsumerGroupCommand
kafka-reassign-partitions     -     org.apache.kafka.tools.reassign.ReassignPartitionsCommand
kafka-storage                 -     kafka.tools.StorageTool
kafka-metadata-quorum         -     org.apache.kafka.tools.MetadataQuorumCommand
kafka-features                -     org.apache.kafka.tools.FeatureCommand
kafka-cluster                 -     org.apache.kafka.tools.ClusterTool
kafka-broker-api-versions     -     kafka.admin.BrokerApiVersionsCommand
kafka-acls                    -     kafka.admin.AclCommand
kafka-leader-election         -     org.apache.kafka.tools.LeaderElectionCommand
kafka-log-dirs                -     org.apache.kafka.tools.LogDirsCommand
kafka-get-offsets             -     org.apache.kafka.tools.GetOffsetShell
kafka-delete-records          -     org.apache.kafka.tools.DeleteRecordsCommand
kafka-dump-log                -     kafka.tools.DumpLogSegments
kafka-transactions            -     org.apache.kafka.tools.TransactionsCommand
kafka-delegation-tokens       -     org.apache.kafka.tools.DelegationTokenCommand
kafka-replica-verification    -     org.apache.kafka.tools.ReplicaVerificationTool
kafka-producer-perf-test      512M  org.apache.kafka.tools.ProducerPerformance
kafka-consumer-perf-test      512M  org.apache.kafka.tools.ConsumerPerformance
kafka-verifiable-producer     512M  org.apache.kafka.tools.VerifiableProducer
kafka-verifiable-consumer     512M  org.apache.kafka.tools.VerifiableConsumer
zookeeper-shell               -     org.apache.zookeeper.ZooKeeperMainWithTlsSupportForKafka -server
zookeeper-security-migration  -     kafka.admin.ZkSecurityMigrator
'
# Kafka 4: the tools whose main class moved ("-": the tool is gone with ZooKeeper mode).
KAFKA4_TOOLS='
kafka-console-producer        org.apache.kafka.tools.ConsoleProducer
kafka-configs                 org.apache.kafka.tools.ConfigCommand
kafka-broker-api-versions     org.apache.kafka.tools.BrokerApiVersionsCommand
kafka-acls                    org.apache.kafka.tools.AclCommand
kafka-dump-log                org.apache.kafka.tools.DumpLogSegments
zookeeper-shell               -
zookeeper-security-migration  -
'
# Classes that the hand-written launchers start or the servers need, checked like the table's.
KAFKA_MAINS="kafka.Kafka"
ZK_MAINS="org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider io.prometheus.client.CollectorRegistry
io.prometheus.client.exporter.MetricsServlet io.prometheus.client.hotspot.DefaultExports
org.apache.zookeeper.server.quorum.QuorumPeerMain org.apache.zookeeper.ZooKeeperMain
org.apache.zookeeper.client.FourLetterWordMain org.apache.zookeeper.version.VersionInfoMain
com.codahale.metrics.MetricRegistry org.eclipse.jetty.server.Server ch.qos.logback.classic.Logger
org.xerial.snappy.SnappyOutputStream org.jline.reader.LineReader"

die() { echo "build-dist: $*" >&2; exit 1; }

for v in KAFKA_VERSION SCALA_VERSION ZOOKEEPER_VERSION JMX_EXPORTER_VERSION; do
  [ -n "${!v}" ] || die "$v is empty: set it in the environment or in the role's defaults/main.yml"
done

command -v java >/dev/null || die "java not found: install a JDK/JRE 11+ (e.g. openjdk-17-jre-headless)"
command -v mvn >/dev/null || die "mvn not found: install Maven (e.g. apt-get install maven)"
if command -v unzip >/dev/null; then list_jar() { unzip -Z1 "$1"; }
elif command -v jar >/dev/null; then list_jar() { jar tf "$1"; }
else die "unzip (or the JDK's jar) is needed to check the main classes"
fi

# Inputs of the build: this script, everything under tools/dist/ and the versions.
inputs_hash="$(
  cd "$here"
  {
    echo "$KAFKA_VERSION $SCALA_VERSION $ZOOKEEPER_VERSION $JMX_EXPORTER_VERSION $ZOOKEEPER_METRICS_VERSION $NETTY_VERSION $SOURCE_DATE_EPOCH"
    find build-dist.sh dist -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum
  } | sha256sum | cut -c1-64
)"

# Cached when the archive, its checksum and a stamp of the same inputs are all there.
is_current() {
  [ -s "$out/$1" ] && [ -s "$out/$1.sha512" ] && [ "$(cat "$out/.$1.stamp" 2>/dev/null)" = "$inputs_hash" ]
}

mkdir -p "$out"
# Built next to the output (same filesystem), so the final mv is an atomic rename.
work="$(mktemp -d "$out/.build.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# Copy a pom's runtime closure into $2 and list its coordinates in $3.
resolve() {
  local pom="$1" dest="$2" list="$3"; shift 3
  # Maven's output is kept for failures only (quiet mode still prints stray terminal codes).
  mvn -q -B -f "$pom" "$@" \
    dependency:copy-dependencies dependency:list \
    -DincludeScope=runtime -DoutputDirectory="$dest" -DoutputFile="$list" -Dsort=true \
    > "$work/mvn.log" 2>&1 \
    || { cat "$work/mvn.log" >&2; die "Maven could not resolve $pom (are the versions on Maven Central? $*)"; }
  # Keep "group:artifact:type:version" only.
  sed -n 's/^ *\([^ ]*:[^ ]*\):[a-z]*\( .*\)\{0,1\}$/\1/p' "$list" > "$list.tmp" && mv "$list.tmp" "$list"
}

# Fail unless every named class is in one of the jars of directory $1.
check_classes() {
  local dir="$1" jar missing=""; shift
  local index="$work/classes.txt"
  for jar in "$dir"/*.jar; do list_jar "$jar"; done | sed -n 's#/#.#g; s/\.class$//p' | sort -u > "$index"
  for class in "$@"; do
    grep -qxF "$class" "$index" || missing="$missing $class"
  done
  [ -z "$missing" ] || die "classes missing from $dir:$missing"
}

# Print the checksum as `gpg --print-md SHA512 <file>` does (Apache's .sha512 format): upper-case
# hex in blocks of 8, wrapped before column 80 and indented under the first block.
apache_sha512() {
  sha512sum "$1" | awk -v name="$(basename "$1")" '{
    hex = toupper($1); line = name ": "; indent = length(line)
    if (indent > 40) { print line; line = ""; indent = 0 }
    pad = indent ? sprintf("%" indent "s", "") : " "
    count = indent
    for (i = 1; i <= 128; i += 8) {
      if (i > 1) {
        if (count + 9 > 79) { print line; line = pad; count = indent }
        else { line = line " "; count++ }
      }
      line = line substr(hex, i, 8); count += 8
    }
    print line
  }'
}

# Write $1/<archive> (reproducible tar+gzip of directory $2 under $1) and move it into $out.
publish() {
  local parent="$1" name="$2" archive="$3"
  chmod -R u=rwX,go=rX "$parent/$name"
  chmod 0755 "$parent/$name"/bin/*
  tar -C "$parent" --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" \
    -cf - "$name" | gzip -9n > "$work/$archive"
  (cd "$work" && apache_sha512 "$archive" > "$archive.sha512")
  # Archive first, checksum second, stamp last: an interruption leaves no stamp, so a rebuild.
  rm -f "$out/.$archive.stamp"
  mv -f "$work/$archive" "$out/$archive"
  mv -f "$work/$archive.sha512" "$out/$archive.sha512"
  echo "$inputs_hash" > "$out/.$archive.stamp"
}

build_kafka() {
  local root="$work/kafka/$kafka_name"
  mkdir -p "$root/libs" "$root/licenses"
  # Kafka 4: log4j 2 (binding and configuration) instead of log4j 1, and the moved and removed tools.
  local logging=reload4j bindings="slf4j-reload4j and reload4j" tools="$KAFKA_TOOLS" name heap main
  if [ "$kafka_major" -ge 4 ]; then
    logging=log4j2 bindings="log4j-slf4j-impl and log4j-core"
    tools="$(awk 'NR == FNR { if (NF) moved[$1] = $2; next }
                  NF && ($1 in moved) { if (moved[$1] == "-") next; $3 = moved[$1] }
                  { print }' <(echo "$KAFKA4_TOOLS") <(echo "$KAFKA_TOOLS"))"
  fi
  echo "build-dist: resolving Kafka $KAFKA_VERSION (Scala $SCALA_VERSION, netty $NETTY_VERSION)"
  resolve "$src/kafka/pom.xml" "$root/libs" "$work/kafka-deps.txt" \
    -Dkafka.version="$KAFKA_VERSION" -Dkafka.logging="$logging" -Dscala.version="$SCALA_VERSION" -Dnetty.version="$NETTY_VERSION"

  cp -R "$src/kafka/bin" "$src/kafka/config" "$root/"
  if [ "$logging" = log4j2 ]; then
    rm "$root"/config/*log4j.properties
    cp "$src"/kafka/config-4/* "$root/config/"
  fi
  while read -r name heap main; do
    [ -n "$name" ] || continue
    {
      echo '#!/usr/bin/env bash'
      echo "# $name: generated by tools/build-dist.sh, same main class and defaults as upstream."
      [ "$heap" = "-" ] || echo "export KAFKA_HEAP_OPTS=\"\${KAFKA_HEAP_OPTS:--Xmx$heap}\""
      echo "exec \"\$(dirname \"\$0\")/kafka-run-class.sh\" $main \"\$@\""
    } > "$root/bin/$name.sh"
  done <<< "$tools"
  # shellcheck disable=SC2046 # one word per main class
  check_classes "$root/libs" $KAFKA_MAINS $(awk 'NF {print $3}' <<< "$tools")

  {
    cat <<EOF
This distribution of Kafka $KAFKA_VERSION (Scala $SCALA_VERSION) was assembled by tools/build-dist.sh
of the kafka-ansible project, not by the Apache Kafka project. The jars in libs/ are the
unmodified artifacts published on Maven Central: the runtime closure of kafka_$SCALA_VERSION,
kafka-tools, $bindings, with netty pinned to $NETTY_VERSION. Each jar carries
its own licence in META-INF/; Kafka and most of its dependencies are under the Apache License
2.0. bin/ and config/ were written for the project. Artifacts (group:artifact:type:version):

EOF
    cat "$work/kafka-deps.txt"
  } > "$root/licenses/README"

  publish "$work/kafka" "$kafka_name" "$kafka_archive"
}

build_zookeeper() {
  local root="$work/zookeeper/$zk_name"
  mkdir -p "$root/lib"
  echo "build-dist: resolving ZooKeeper $ZOOKEEPER_VERSION (Prometheus metrics provider $ZOOKEEPER_METRICS_VERSION)"
  resolve "$src/zookeeper/pom.xml" "$root/lib" "$work/zk-deps.txt" \
    -Dzookeeper.version="$ZOOKEEPER_VERSION" -Dzookeeper.metrics.version="$ZOOKEEPER_METRICS_VERSION"

  cp -R "$src/zookeeper/bin" "$src/zookeeper/conf" "$root/"
  # shellcheck disable=SC2086 # one word per main class
  check_classes "$root/lib" $ZK_MAINS

  {
    cat <<EOF
This distribution of ZooKeeper $ZOOKEEPER_VERSION was assembled by tools/build-dist.sh of the
kafka-ansible project, not by the Apache ZooKeeper project. The jars in lib/ are the unmodified
artifacts published on Maven Central: the runtime closure of zookeeper, plus what its pom marks
'provided' (metrics, CLI, AdminServer, snappy, jline) at the versions ZooKeeper's parent pom
manages, and zookeeper-prometheus-metrics $ZOOKEEPER_METRICS_VERSION with its Prometheus
simpleclient jars. Each jar carries its own licence in META-INF/. bin/ and conf/ were written for the
project. Artifacts (group:artifact:type:version):

EOF
    cat "$work/zk-deps.txt"
  } > "$root/README.dist"

  publish "$work/zookeeper" "$zk_name" "$zk_archive"
}

# The JMX exporter agent: the jar exactly as published, with its checksum beside it.
build_jmx_exporter() {
  local dest="$work/jmx"
  mkdir -p "$dest"
  echo "build-dist: resolving the Prometheus JMX exporter agent $JMX_EXPORTER_VERSION"
  resolve "$src/jmx-exporter/pom.xml" "$dest" "$work/jmx-deps.txt" \
    -Djmx.exporter.version="$JMX_EXPORTER_VERSION" -DexcludeTransitive=true
  [ -s "$dest/$jmx_jar" ] || die "Maven did not produce $jmx_jar"
  list_jar "$dest/$jmx_jar" | grep -x 'io/prometheus/jmx/JavaAgent.class' >/dev/null || die "$jmx_jar has no JavaAgent class"
  (cd "$dest" && apache_sha512 "$jmx_jar" > "$jmx_jar.sha512")
  rm -f "$out/.$jmx_jar.stamp"
  mv -f "$dest/$jmx_jar" "$out/$jmx_jar"
  mv -f "$dest/$jmx_jar.sha512" "$out/$jmx_jar.sha512"
  echo "$inputs_hash" > "$out/.$jmx_jar.stamp"
}

for archive in "$kafka_archive" "$zk_archive" "$jmx_jar"; do
  if is_current "$archive"; then
    echo "build-dist: $archive is up to date (inputs unchanged), nothing to do"
  elif [ "$archive" = "$kafka_archive" ]; then
    build_kafka
  elif [ "$archive" = "$zk_archive" ]; then
    build_zookeeper
  else
    build_jmx_exporter
  fi
done

echo "$out/$kafka_archive"
echo "$out/$zk_archive"
echo "$out/$jmx_jar"
