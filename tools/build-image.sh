#!/usr/bin/env bash
# Build the Debian 12 + systemd base image used by the sandbox and Molecule, without a registry:
# mmdebstrap writes a root filesystem from this host's own apt sources, `docker import` loads it.
# The tag carries a hash of this script, so a change to the package list builds a new image.
# SSH server and sudo are installed but off and without host keys: tools/sandbox.sh gives each
# sandbox node its own keys and login; Molecule reaches its containers with docker exec.
set -euo pipefail

IMAGE_NAME="${KAFKA_ANSIBLE_IMAGE:-kafka-ansible-debian12}"
PACKAGES="systemd,systemd-sysv,dbus,python3,python3-venv,python3-packaging,procps,iproute2,iptables,iputils-ping,ca-certificates,openjdk-17-jre-headless,less,netbase,openssh-server,sudo"
tag="$(sha256sum "$0" | cut -c1-12)"

if docker image inspect "${IMAGE_NAME}:${tag}" >/dev/null 2>&1; then
  docker tag "${IMAGE_NAME}:${tag}" "${IMAGE_NAME}:latest"
  echo "image ${IMAGE_NAME}:${tag} is up to date"
  exit 0
fi

command -v mmdebstrap >/dev/null || { apt-get update -qq && apt-get install -y -qq mmdebstrap; }

# The host's deb822 sources file is the mirror: no host name lives in this project.
sources=/etc/apt/sources.list.d/debian.sources
[ -r "$sources" ] || sources=/etc/apt/sources.list

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mmdebstrap --quiet --variant=minbase --include="$PACKAGES" \
  --customize-hook='chroot "$1" systemctl mask getty.target systemd-logind.service console-getty.service' \
  --customize-hook='rm -f "$1"/etc/machine-id; touch "$1"/etc/machine-id' \
  --customize-hook='chroot "$1" systemctl disable ssh.service; rm -f "$1"/etc/ssh/ssh_host_*' \
  bookworm "$work/rootfs.tar" - < "$sources"

docker import \
  --change 'CMD ["/sbin/init"]' \
  --change 'ENV container=docker' \
  "$work/rootfs.tar" "${IMAGE_NAME}:${tag}"
docker tag "${IMAGE_NAME}:${tag}" "${IMAGE_NAME}:latest"
echo "built ${IMAGE_NAME}:${tag}"
