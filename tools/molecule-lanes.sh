#!/usr/bin/env bash
# Runs Molecule scenarios in lanes side by side: each argument is one lane, its scenarios (comma-separated) run
# one after another, `molecule test` each. Why: a verify step leaves about a third of CI's two cores idle while
# it waits on its cluster (elections, timeouts, a load at a fixed rate), which a second lane uses. Every scenario
# has its own containers and network. Each output line carries its scenario's name; each scenario ends with its
# exit status and wall time, and the end repeats the failures (pytest's FAILED and E lines, Ansible's fatal ones):
# a log's tail then says what failed even when another lane ended last. Exits non-zero if any scenario failed.
#   tools/molecule-lanes.sh default failover,kraft
set -uo pipefail

run_lane() {
  local scenario start status
  for scenario in ${1//,/ }; do
    start=$SECONDS
    molecule test --scenario-name "$scenario" 2>&1 | sed -u "s/^/[$scenario] /" | tee "$logs/$scenario"
    status=${PIPESTATUS[0]}
    echo "[$scenario] molecule test: exit $status after $((SECONDS - start)) s" | tee -a "$summary"
    if [ "$status" != 0 ]; then
      grep -E "^\[$scenario\] (FAILED [^-]|ERROR |E  |fatal: )" "$logs/$scenario" | tail -n 60 | cut -c1-500 >> "$summary"
      return "$status"
    fi
  done
}

# The dependency steps first, one at a time (each runs tools/prepare.sh): the scenarios share the image and the
# archives they build.
for scenario in ${*//,/ }; do
  molecule dependency --scenario-name "$scenario" || exit
done

summary="$(mktemp)"
logs="$(mktemp -d)"
trap 'rm -rf "$summary" "$logs"' EXIT
pids=()
for lane in "$@"; do
  run_lane "$lane" &
  pids+=("$!")
done
failed=0
for pid in "${pids[@]}"; do
  wait "$pid" || failed=1
done
echo "== the scenarios, in the order they ended, with their failures:"
cat "$summary"
exit "$failed"
