#!/usr/bin/env bash
# Runs Molecule scenarios in lanes side by side: each argument is one lane, its scenarios (comma-separated) run
# one after another, `molecule test` each. Why: a verify step leaves about a third of CI's two cores idle while
# it waits on its cluster (elections, timeouts, a load at a fixed rate), which a second lane uses. Every scenario
# has its own containers and network. Each output line carries its scenario's name; each scenario ends with its
# exit status and wall time. Exits non-zero if any scenario failed.
#   tools/molecule-lanes.sh default,kraft failover
set -uo pipefail

run_lane() {
  local scenario start status
  for scenario in ${1//,/ }; do
    start=$SECONDS
    molecule test --scenario-name "$scenario" 2>&1 | sed -u "s/^/[$scenario] /"
    status=${PIPESTATUS[0]}
    echo "[$scenario] molecule test: exit $status after $((SECONDS - start)) s" | tee -a "$summary"
    [ "$status" = 0 ] || return "$status"
  done
}

# The dependency steps first, one at a time (each runs tools/prepare.sh): the scenarios share the image and the
# archives they build.
for scenario in ${*//,/ }; do
  molecule dependency --scenario-name "$scenario" || exit
done

summary="$(mktemp)"
trap 'rm -f "$summary"' EXIT
pids=()
for lane in "$@"; do
  run_lane "$lane" &
  pids+=("$!")
done
failed=0
for pid in "${pids[@]}"; do
  wait "$pid" || failed=1
done
echo "== the scenarios, in the order they ended:"
cat "$summary"
exit "$failed"
