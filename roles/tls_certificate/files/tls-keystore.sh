#!/bin/sh
# Writes OUT, the node's key followed by its certificate (ZooKeeper's PEM keystore holds both in one file),
# when it differs from them; says "wrote" (in check mode "would write") then. The key never leaves the node.
# Environment: KEY, CERT (the certificate's PEM text), OUT, OWNER, CHECK_MODE.
set -eu
umask 077
new=$(cat "$KEY"; printf '%s\n' "$CERT")
if [ -f "$OUT" ] && [ "$(cat "$OUT")" = "$new" ]; then
  exit 0
fi
if [ "$CHECK_MODE" = True ]; then
  echo "would write $OUT"
  exit 0
fi
printf '%s\n' "$new" > "$OUT.new"
chown "$OWNER" "$OUT.new"
mv "$OUT.new" "$OUT"
echo "wrote $OUT"
