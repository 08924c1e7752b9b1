#!/usr/bin/env bash
# The local ten-node sandbox: containers public00-public09 running systemd on their own Docker
# network, deployed with exactly `ansible-playbook site.yml -i inventories/ceci` plus the
# connection overlay inventories/sandbox.
#   tools/sandbox.sh up     create what is missing, deploy, smoke-test
#   tools/sandbox.sh down   remove the containers and the network
set -euo pipefail
cd "$(dirname "$0")/.."

NETWORK=kafka-sandbox
NODES=(public00 public01 public02 public03 public04 public05 public06 public07 public08 public09)
IMAGE="${KAFKA_ANSIBLE_IMAGE:-kafka-ansible-debian12}:latest"

start_node() {
  # systemd as PID 1 without --privileged: SYS_ADMIN, the host's cgroups, tmpfs for /run and /tmp.
  docker run --detach --name "$1" --hostname "$1" --network "$NETWORK" \
    --cgroupns host --cap-add SYS_ADMIN --cap-add NET_ADMIN --security-opt seccomp=unconfined \
    --volume /sys/fs/cgroup:/sys/fs/cgroup:rw --tmpfs /run --tmpfs /run/lock --tmpfs /tmp \
    --label kafka-ansible=sandbox "$IMAGE" /sbin/init >/dev/null
}

wait_for_systemd() {
  for _ in $(seq 1 60); do
    state="$(docker exec "$1" systemctl is-system-running 2>/dev/null || true)"
    case "$state" in running|degraded) return 0 ;; esac
    sleep 1
  done
  echo "$1: systemd did not come up (state: ${state:-none})" >&2
  return 1
}

up() {
  tools/prepare.sh
  docker network inspect "$NETWORK" >/dev/null 2>&1 || docker network create --label kafka-ansible=sandbox "$NETWORK" >/dev/null
  for node in "${NODES[@]}"; do
    if ! docker container inspect "$node" >/dev/null 2>&1; then
      echo "creating $node"
      start_node "$node"
    fi
    docker start "$node" >/dev/null
  done
  for node in "${NODES[@]}"; do wait_for_systemd "$node"; done

  ansible-playbook site.yml -i inventories/ceci -i inventories/sandbox
  ansible-playbook playbooks/smoke-test.yml -i inventories/ceci -i inventories/sandbox

  cat <<INFO

The sandbox runs: ZooKeeper on public00-public02 (port 2181), brokers on public01-public09 (port 9092).
  A shell on a node:        docker exec -it public01 bash
  The Kafka tools there:    /opt/kafka/bin/kafka-topics.sh --bootstrap-server public01:9092 --list
  Any command on all nodes: ansible all -i inventories/ceci -i inventories/sandbox -m ansible.builtin.command -a uptime
  Redeploy:                 ansible-playbook site.yml -i inventories/ceci -i inventories/sandbox
  Remove it:                make sandbox-down
INFO
  # Prometheus on the hosts of the optional `monitoring` group (playbooks/monitoring.yml).
  for node in $(ansible monitoring -i inventories/ceci -i inventories/sandbox --list-hosts 2>/dev/null | tail -n +2); do
    address="$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$node")"
    echo "  Prometheus on $node:    http://$address:9090 (targets: /targets, alerts: /alerts)"
  done
}

down() {
  for node in "${NODES[@]}"; do docker rm --force --volumes "$node" >/dev/null 2>&1 || true; done
  docker network rm "$NETWORK" >/dev/null 2>&1 || true
  echo "sandbox removed"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
