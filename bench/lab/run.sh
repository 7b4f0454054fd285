#!/usr/bin/env bash
# Lab benchmark (issue 3): `meshnetctl lab up/down` against the kernel floor (`ip -batch`), measured in one run.
#   bench/lab/run.sh [-n REPEAT] [--meshnetctl PATH] [--pair 500,1000,1500] [--ring 100]
# Run as root on an otherwise quiet machine; prints a markdown table on stdout, progress on stderr.
# Everything it creates (namespaces mnbf-ID-*, labs bench-ID-*, a temp dir) is removed on exit, even on Ctrl-C.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/../.."
exec python3 "$here/labbench.py" "$@"
