#!/usr/bin/env bash
# ansible-test inside the INSTALLED collection, offline: every sanity test that needs nothing from
# outside this machine, then the shipped unit tests. Prints one line per sanity test: ran or
# skipped, and why.
# Usage: ansible-test.sh <installed collection dir> <checkout>   (run by tools/collection-check.sh)
set -euo pipefail
dir=$(realpath "$1") checkout=$(realpath "$2")
cd "$dir"   # ansible-test finds the collection from the working directory
py=$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')
reqs=$(python3 -c 'import ansible_test, os; print(os.path.join(os.path.dirname(ansible_test.__file__), "_data", "requirements"))')
# ansible-test keeps its virtualenvs under ~/.ansible/test: a throwaway HOME leaves the user's alone.
export HOME=$PWD/tests/output/home
mkdir -p "$HOME"
log=$PWD/tests/output/sanity.log
failed=0

# A sanity test with a requirements file runs in its own virtualenv, created without pip; ansible-test
# then bootstraps pip by downloading get-pip from a host of its own (not PyPI), which is
# unreachable here: `Download failed: <urlopen error [Errno -2] Name or service not known>`, then
# `FATAL: Python X at ".../sanity.NAME/..." does not have pip available.` Neither --requirements nor
# packages preinstalled in .venv change that, so those tests are skipped. The others need no pip.
run=() skipped=()
for t in $(ansible-test sanity --list-tests 2>/dev/null); do
    if [ -f "$reqs/sanity.$t.txt" ]; then
        skipped+=("$t")
    else
        run+=("$t")
    fi
done

if ansible-test sanity --python "$py" --local --color no -v "${run[@]/#/--test=}" >"$log" 2>&1; then
    result=passed
else
    result=FAILED failed=1
fi
# One line per test: "No tests applicable." means it found no file of its kind (e.g. no .ps1, no .sh).
python3 - "$log" "${run[@]}" <<'PY'
import re, sys
log = open(sys.argv[1]).read()
for name in sys.argv[2:]:
    m = re.search(r'Running sanity test "%s"[^\n]*\n(.*?)(?=Running sanity test|\Z)' % re.escape(name), log, re.S)
    if not m:
        print('  sanity %-22s not reported by ansible-test' % name)
    elif 'No tests applicable.' in m.group(1):
        print('  sanity %-22s ran: no file it applies to in the collection' % name)
    elif 'ERROR:' in m.group(1):
        print('  sanity %-22s ran: FAILED' % name)
    else:
        print('  sanity %-22s ran: passed' % name)
PY
for t in "${skipped[@]}"; do
    printf '  sanity %-22s skipped: needs a virtualenv with %s; its pip bootstrap downloads get-pip from outside PyPI (unreachable here)\n' \
        "$t" "$(grep -v '^#' "$reqs/sanity.$t.txt" | cut -d= -f1 | paste -sd, -)"
done
if [ $result = FAILED ]; then
    echo "ansible-test sanity failed:"; grep -v 'locale' "$log" | sed 's/^/    /'
fi
echo "ansible-test sanity: ${#run[@]} run ($result), ${#skipped[@]} skipped"

# Unit tests, importing the installed copy. tests/conftest.py (which adds the checkout's collections/
# to sys.path) is not shipped, and the plugin installed_only.py fails the run if any module of the
# collection was imported from elsewhere.
if COLLECTION_INSTALL_ROOT=$dir PYTHONPATH="$(dirname "$(dirname "$(dirname "$dir")")"):$checkout/tests/collection" \
        python3 -m pytest -q -p no:cacheprovider -p installed_only --rootdir . --confcutdir . \
        -W 'ignore::DeprecationWarning' tests/unit >tests/output/pytest.log 2>&1; then
    echo "pytest tests/unit (installed copy): $(grep -E ' passed' tests/output/pytest.log | tail -1);" \
         "$(grep -o '[0-9]* collection modules, all imported from the installed copy' tests/output/pytest.log)"
else
    echo "pytest tests/unit (installed copy) FAILED:"; tail -40 tests/output/pytest.log | sed 's/^/    /'; failed=1
fi

# ansible-test units needs pytest-xdist (it always passes -n), pytest-mock and mock (requirements.txt).
if ansible-test units --python "$py" --local --color no >tests/output/units.log 2>&1; then
    echo "ansible-test units: $(grep -E '[0-9]+ passed' tests/output/units.log | tail -1 | tr -d '=')"
else
    echo "ansible-test units FAILED:"; tail -30 tests/output/units.log | sed 's/^/    /'; failed=1
fi
exit $failed
