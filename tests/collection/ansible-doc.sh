#!/usr/bin/env bash
# ansible-doc for every module, filter and role of the INSTALLED collection, by full name.
# Usage: ansible-doc.sh <installed collection dir>  (…/ansible_collections/kafka_ansible/cluster)
# The environment (ANSIBLE_CONFIG, ANSIBLE_COLLECTIONS_PATH, cwd outside the repo) comes from
# tools/collection-check.sh. Each page must exit 0, name the plugin and come from that directory.
set -euo pipefail
dir=$(realpath "$1")
fqcn=kafka_ansible.cluster
failed=0 count=0

check() {  # check TYPE NAME: one ansible-doc page
    local out
    count=$((count + 1))
    if ! out=$(ansible-doc -t "$1" "$fqcn.$2" 2>&1); then
        echo "FAIL ansible-doc -t $1 $fqcn.$2:"; sed 's/^/    /' <<<"$out" | head -20; failed=1; return
    fi
    if ! grep -q "$fqcn\.$2" <<<"$out" || ! grep -qF "($dir" <<<"$out"; then
        echo "FAIL ansible-doc -t $1 $fqcn.$2: page does not name it or is not from $dir:"
        head -3 <<<"$out" | sed 's/^/    /'; failed=1; return
    fi
    echo "ok   ansible-doc -t $1 $fqcn.$2"
}

# Discovered from the installed tree, not listed here: new content is checked without edits.
shopt -s nullglob
modules=("$dir"/plugins/modules/*.py) roles=("$dir"/roles/*/)
[ ${#modules[@]} -gt 0 ] && [ ${#roles[@]} -gt 0 ] || { echo "FAIL no modules or no roles under $dir"; exit 1; }
for f in "${modules[@]}"; do
    m=$(basename "$f" .py); [ "$m" = __init__ ] || check module "$m"
done
for d in "${roles[@]}"; do
    check role "$(basename "$d")"
done
# Filters: one file may hold several, so take the names ansible-doc lists for the collection.
for f in $(ansible-doc -t filter -l "$fqcn" --json | python3 -c 'import json, sys; print("\n".join(json.load(sys.stdin)))'); do
    check filter "${f#"$fqcn".}"
done
echo "ansible-doc: $count pages checked"
exit $failed
