#!/usr/bin/env bash
# Everything the sandbox and Molecule need on this machine, built once and cached:
# a Docker engine, the Debian 12 + systemd image, the Kafka and ZooKeeper archives, kafka-python wheels.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache="${KAFKA_ANSIBLE_CACHE:-$HOME/.cache/kafka-ansible}"

"$here/docker-engine.sh"
"$here/build-image.sh"
"$here/build-dist.sh"

kafka_python="$(grep -E '^kafka-python==' "$here/../requirements.txt")"
if ! ls "$cache/wheels/"kafka_python-"${kafka_python#kafka-python==}"-*.whl >/dev/null 2>&1; then
  python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$cache/wheels" "$kafka_python"
fi
