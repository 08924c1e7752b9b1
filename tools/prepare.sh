#!/usr/bin/env bash
# Everything the sandbox and Molecule need on this machine, built once and cached:
# a Docker engine, the Debian 12 + systemd image, the Kafka and ZooKeeper archives, the wheels of the
# nodes' Python clients (kafka-python, kazoo, pure-sasl).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache="${KAFKA_ANSIBLE_CACHE:-$HOME/.cache/kafka-ansible}"

"$here/docker-engine.sh"
"$here/build-image.sh"
"$here/build-dist.sh"

kafka_python="$(grep -E '^kafka-python==' "$here/../requirements.txt")"
# pip wheel saves a published wheel as it is and builds one where there is only source (pure-sasl).
for requirement in $(grep -E '^(kafka-python|kazoo|pure-sasl)==' "$here/../requirements.txt"); do
  name="${requirement%%==*}"
  if ! ls "$cache/wheels/${name//-/_}-${requirement#*==}"-*.whl >/dev/null 2>&1; then
    python3 -m pip wheel --quiet --no-deps -w "$cache/wheels" "$requirement"
  fi
done

# The course's JupyterHub (roles/jupyter): its pinned packages as wheels, installed on the nodes from
# `jupyter-wheels` beside the kafka-python wheels (the role's default when kafka_python_wheels_dir is set).
jupyter_packages="$(sed -n 's/^  - "\{0,1\}\(\(jupyterhub\|notebook\|ipykernel\)==[^"]*\)"\{0,1\}$/\1/p' "$here/../roles/jupyter/defaults/main.yml") $kafka_python"
jupyter_python="${KAFKA_ANSIBLE_NODE_PYTHON:-3.11.2}"
stamp="$cache/jupyter-wheels/.requirements"
if [ "$(cat "$stamp" 2>/dev/null)" != "$jupyter_python $jupyter_packages" ]; then
  rm -rf "$cache/jupyter-wheels"
  # For the nodes' python3 (Debian 12's 3.11.2), whatever this machine's Python is.
  # shellcheck disable=SC2086
  python3 -m pip download --quiet --only-binary=:all: --python-version "$jupyter_python" \
    -d "$cache/jupyter-wheels" $jupyter_packages
  echo "$jupyter_python $jupyter_packages" > "$stamp"
fi

# The headless browser of tests/jupyter: Debian's chromium and its driver (selenium downloads nothing).
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver
fi
