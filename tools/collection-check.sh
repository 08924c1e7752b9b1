#!/usr/bin/env bash
# Collection round trip (issue 8): build the checkout into a tarball, install it into an empty
# directory, then, from a directory outside the repo, use the installed copy only: a playbook by
# full names (twice: the second run must change nothing), a role's argument validation,
# ansible-doc for every module/role/filter, ansible-test sanity and unit tests.
# No cluster, no Docker, no network. Run by `make collection` (and so by `make test`).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export PATH=$root/.venv/bin:$PATH ANSIBLE_NOCOLOR=1 PY_COLORS=0
# Nothing from the caller's Ansible settings may leak in (roles/collection paths, the repo's cfg).
for v in $(compgen -e | grep '^ANSIBLE_' || true); do
    case $v in ANSIBLE_NOCOLOR|ANSIBLE_FORCE_COLOR) ;; *) unset "$v" ;; esac
done

work=$(mktemp -d "${TMPDIR:-/tmp}/collection-check.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/dist" "$work/install" "$work/run" "$work/logs"
cd "$work/run"   # outside the repo, so no ansible.cfg or collections/ of the checkout is seen
printf '[defaults]\nretry_files_enabled = false\ninterpreter_python = auto_silent\n' >"$work/ansible.cfg"
export ANSIBLE_CONFIG=$work/ansible.cfg ANSIBLE_HOME=$work/ansible-home
# The installed copy, plus the collections bundled in the `ansible` package (ansible.posix,
# community.general: our dependencies, since Galaxy is not reachable).
bundled=$(python3 -c 'import importlib.util as u, os; print(os.path.dirname(os.path.dirname(os.path.dirname(u.find_spec("ansible_collections.ansible.posix").origin or list(u.find_spec("ansible_collections.ansible.posix").submodule_search_locations)[0] + "/x"))))')
export ANSIBLE_COLLECTIONS_PATH=$work/install:$bundled
collection=$work/install/ansible_collections/kafka_ansible/cluster

timings=()
step() {  # step NAME COMMAND...: run, time, and stop everything on failure
    local name=$1 start=$SECONDS; shift
    echo "== $name"
    if ! "$@"; then
        echo "FAILED: $name"; exit 1
    fi
    timings+=("$(printf '%-38s %3ss' "$name" $((SECONDS - start)))")
}

build() {
    ansible-galaxy collection build --output-path "$work/dist" "$root" >"$work/logs/build.log"
    tarball=$(ls "$work"/dist/*.tar.gz)
    # Only collection content may be shipped; of tests/, only what ansible-test uses.
    local bad
    bad=$(tar -tzf "$tarball" | grep -P '^(\.venv|\.git|\.cache|\.ansible|collections|molecule|inventories|tools)(/|$)|^tests/(?!$|unit/|sanity/)' || true)
    if [ -n "$bad" ]; then
        echo "the tarball holds files that build_ignore in galaxy.yml should exclude:"; sed 's/^/    /' <<<"$bad" | head -20
        return 1
    fi
    local size; size=$(stat -c %s "$tarball")
    echo "$(basename "$tarball"): $((size / 1024)) KiB, $(tar -tzf "$tarball" | grep -vc '/$') files"
    [ "$size" -lt 1048576 ] || { echo "larger than 1 MiB: check build_ignore"; return 1; }
}

install() {
    # --offline: no Galaxy server is asked; the dependencies in galaxy.yml must already be satisfied
    # by installed collections (here the bundled ones), or the install fails.
    ansible-galaxy collection install --offline -p "$work/install" "$tarball" >"$work/logs/install.log" 2>&1 \
        || { cat "$work/logs/install.log"; return 1; }
    grep -E "already installed|installed successfully" "$work/logs/install.log" | sed 's/^/    /'
    # The collection must resolve to the installed copy, and only to it.
    local where; where=$(ansible-galaxy collection list kafka_ansible.cluster 2>/dev/null | grep '^# ' || true)
    [ "$where" = "# $work/install/ansible_collections" ] \
        || { echo "kafka_ansible.cluster is found in: ${where:-nowhere}, expected only $work/install"; return 1; }
}

fixture() {
    # A tiny release in the Apache layout (top folder with bin/), with its .sha512 beside it.
    mkdir -p "$work/fixture/demo-1.0/bin"
    printf '#!/bin/sh\necho hello\n' >"$work/fixture/demo-1.0/bin/hello.sh"
    tar -C "$work/fixture" -czf "$work/fixture/demo-1.0.tgz" demo-1.0
    (cd "$work/fixture" && sha512sum demo-1.0.tgz >demo-1.0.tgz.sha512)
    rm -r "$work/fixture/demo-1.0"
    mkdir -p "$work/release"   # the role unpacks into the parent of the release dir, like /opt
    # A local TCP port nothing listens on (bound then released).
    closed_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
}

playbook() {  # playbook LOG EXPECT: run roundtrip.yml, EXPECT is "changed" or "unchanged"
    local log=$work/logs/$1
    if ! ansible-playbook "$root/tests/collection/roundtrip.yml" -e "work_dir=$work closed_port=$closed_port" >"$log" 2>&1; then
        tail -40 "$log"; return 1
    fi
    local recap; recap=$(grep -E '^localhost +: ' "$log")
    echo "    $recap" | tr -s ' '
    case $2 in
        changed) grep -qE 'changed=[1-9]' <<<"$recap" || { echo "the first run changed nothing"; return 1; } ;;
        unchanged) grep -q 'changed=0 ' <<<"$recap" || { grep -E '^changed:' "$log"; echo "the second run changed something"; return 1; } ;;
    esac
}

argspec() {
    # Expected to fail: only the argument validation Ansible adds to the role runs (--tags).
    local log=$work/logs/argspec.log
    if ansible-playbook "$root/tests/collection/argspec.yml" --tags argspec_only >"$log" 2>&1; then
        tail -20 "$log"; echo "a wrong type was accepted"; return 1
    fi
    if grep -q "Validation of arguments failed" "$log" && grep -q "argument 'kafka_log_dirs' is of type" "$log" \
            && grep -qF "\"path\": \"$collection/roles/kafka\"" "$log"; then
        echo "    refused: $(grep -o "argument 'kafka_log_dirs' is of type [a-z]*[^:]*" "$log" | head -1)"
    else
        tail -20 "$log"; echo "the play failed, but not with the role's argument validation"; return 1
    fi
}

step "build the tarball" build
step "install it offline into an empty dir" install
step "make the fixture archive" fixture
step "playbook, first run" playbook first.log changed
step "playbook, second run (changed=0)" playbook second.log unchanged
step "role argument validation" argspec
step "ansible-doc of every plugin and role" "$root/tests/collection/ansible-doc.sh" "$collection"
step "ansible-test in the installed copy" "$root/tests/collection/ansible-test.sh" "$collection" "$root"

echo "== collection round trip passed"
printf '   %s\n' "${timings[@]}"
