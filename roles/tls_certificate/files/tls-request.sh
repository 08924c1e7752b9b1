#!/bin/sh
# Prints a certificate signing request for this node's key, first making the key if there is none
# (never in check mode). The key is made here and never leaves the node; only the request does.
# Environment: KEY, OWNER, SUBJECT, NAMES (subjectAltName value), CHECK_MODE.
set -eu
umask 077
if [ ! -s "$KEY" ]; then
  [ "$CHECK_MODE" = True ] && exit 0
  mkdir -p "$(dirname "$KEY")"
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$KEY.new" 2>/dev/null
  chown "$OWNER" "$KEY.new"
  mv "$KEY.new" "$KEY"
  echo "made a new key"
fi
openssl req -new -key "$KEY" -subj "$SUBJECT" -addext "subjectAltName=$NAMES"
