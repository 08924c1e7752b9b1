#!/usr/bin/env bash
# The local ten-node sandbox: containers public00-public09 running systemd on their own Docker
# network, deployed with exactly `ansible-playbook site.yml -i inventories/ceci` plus the
# connection overlay inventories/sandbox. The nodes are reached like real hosts: SSH as the
# unprivileged user `deploy` with sudo, with a key pair and host keys made here, none in the image.
#   tools/sandbox.sh up      create what is missing, deploy, smoke-test
#   tools/sandbox.sh nodes   create what is missing and make the nodes reachable, deploy nothing
#   tools/sandbox.sh down    remove the containers, the network and the SSH files
set -euo pipefail
cd "$(dirname "$0")/.."

NETWORK=kafka-sandbox
NODES=(public00 public01 public02 public03 public04 public05 public06 public07 public08 public09)
IMAGE="${KAFKA_ANSIBLE_IMAGE:-kafka-ansible-debian12}:latest"
LOGIN=deploy
# inventories/sandbox reads the ssh_config written here.
SSH_DIR="${KAFKA_ANSIBLE_CACHE:-$HOME/.cache/kafka-ansible}/sandbox"
INVENTORY=(-i inventories/ceci -i inventories/sandbox)

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

# What a cloud provider does for a new machine: a login with sudo, our public key, its own host keys.
provision_ssh() {
  docker exec -i "$1" sh -euc "
    id $LOGIN >/dev/null 2>&1 || useradd --create-home --shell /bin/bash $LOGIN
    echo '$LOGIN ALL=(ALL) NOPASSWD: ALL' > /etc/sudoers.d/$LOGIN && chmod 0440 /etc/sudoers.d/$LOGIN
    install -d -m 0700 -o $LOGIN -g $LOGIN /home/$LOGIN/.ssh
    cat > /home/$LOGIN/.ssh/authorized_keys && chown $LOGIN: /home/$LOGIN/.ssh/authorized_keys
    [ -e /etc/ssh/ssh_host_ed25519_key ] || ssh-keygen -q -A
    systemctl enable --now ssh.service >/dev/null 2>&1" < "$SSH_DIR/id_ed25519.pub"
}

# ssh_config and known_hosts for the current addresses: host keys are pinned, never accepted blindly.
write_ssh_config() {
  : > "$SSH_DIR/known_hosts.new"
  : > "$SSH_DIR/ssh_config.new"
  for node in "${NODES[@]}"; do
    address="$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$node")"
    echo "$node,$address $(docker exec "$node" cut -d' ' -f1,2 /etc/ssh/ssh_host_ed25519_key.pub)" >> "$SSH_DIR/known_hosts.new"
    printf 'Host %s\n  HostName %s\n' "$node" "$address" >> "$SSH_DIR/ssh_config.new"
  done
  cat >> "$SSH_DIR/ssh_config.new" <<CONFIG
Host public*
  User $LOGIN
  IdentityFile $SSH_DIR/id_ed25519
  IdentitiesOnly yes
  UserKnownHostsFile $SSH_DIR/known_hosts
  StrictHostKeyChecking yes
CONFIG
  mv "$SSH_DIR/known_hosts.new" "$SSH_DIR/known_hosts"
  mv "$SSH_DIR/ssh_config.new" "$SSH_DIR/ssh_config"
}

nodes() {
  tools/prepare.sh
  command -v ssh >/dev/null || { apt-get update -qq && apt-get install -y -qq openssh-client; }
  mkdir -p "$SSH_DIR" && chmod 0700 "$SSH_DIR"
  [ -e "$SSH_DIR/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C kafka-ansible-sandbox -f "$SSH_DIR/id_ed25519"
  docker network inspect "$NETWORK" >/dev/null 2>&1 || docker network create --label kafka-ansible=sandbox "$NETWORK" >/dev/null
  for node in "${NODES[@]}"; do
    if ! docker container inspect "$node" >/dev/null 2>&1; then
      echo "creating $node"
      start_node "$node"
    fi
    docker start "$node" >/dev/null
  done
  for node in "${NODES[@]}"; do
    wait_for_systemd "$node"
    provision_ssh "$node"
  done
  write_ssh_config
  ansible all "${INVENTORY[@]}" -m ansible.builtin.ping >/dev/null
}

up() {
  nodes
  ansible-playbook site.yml "${INVENTORY[@]}"
  ansible-playbook playbooks/smoke-test.yml "${INVENTORY[@]}"

  cat <<INFO

The sandbox runs: ZooKeeper on public00-public02 (port 2181), brokers on public01-public09 (port 9092).
  A shell on a node:        ssh -F $SSH_DIR/ssh_config public01
  The Kafka tools there:    kafka-topics --bootstrap-server public01:9092 --list
  Any command on all nodes: ansible all -i inventories/ceci -i inventories/sandbox -m ansible.builtin.command -a uptime
  Redeploy:                 ansible-playbook site.yml -i inventories/ceci -i inventories/sandbox
  Remove it:                make sandbox-down
INFO
  # Prometheus on the hosts of the optional `monitoring` group (playbooks/monitoring.yml).
  for node in $(ansible monitoring "${INVENTORY[@]}" --list-hosts 2>/dev/null | tail -n +2); do
    address="$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$node")"
    echo "  Prometheus on $node:    http://$address:9090 (targets: /targets, alerts: /alerts)"
  done
}

down() {
  for node in "${NODES[@]}"; do docker rm --force --volumes "$node" >/dev/null 2>&1 || true; done
  docker network rm "$NETWORK" >/dev/null 2>&1 || true
  rm -f "$SSH_DIR/ssh_config" "$SSH_DIR/known_hosts"
  echo "sandbox removed"
}

case "${1:-}" in
  up) up ;;
  nodes) nodes ;;
  down) down ;;
  *) echo "usage: $0 up|nodes|down" >&2; exit 2 ;;
esac
