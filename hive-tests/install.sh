#!/bin/sh
# Installs Cloister as a hive client: copies the client definition and this repository's
# source into HIVE_DIR/clients/cloister. Usage: hive-tests/install.sh /path/to/hive
set -eu
HIVE_DIR=${1:?usage: install.sh /path/to/hive}
REPO=$(cd "$(dirname "$0")/.." && pwd)
CLIENT="$HIVE_DIR/clients/cloister"
rm -rf "$CLIENT"
mkdir -p "$CLIENT/src"
cp "$REPO"/hive-tests/cloister/* "$CLIENT"/
# The source without build output or VCS data.
tar -C "$REPO" --exclude=./target --exclude=./.git -cf - . | tar -C "$CLIENT/src" -xf -
echo "installed into $CLIENT; run: cd $HIVE_DIR && ./hive --sim ethereum/rpc-compat --client cloister"
