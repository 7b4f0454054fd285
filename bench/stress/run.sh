#!/usr/bin/env bash
# Stress run (issue 11): simultaneous ADD, simultaneous DEL, ADD vs its peer's DEL and churn through the real CNI chain
# (ptp + host-local + meshnet) against meshnetd; prints trials, failures and leaks per scenario.
#   bench/stress/run.sh [--dist DIR] [-n TRIALS] [--links 3] [--pool 10] [--scenarios sim-add,sim-del,add-vs-del,churn]
# Run as root; a markdown table on stdout, progress on stderr; exit 1 if anything failed or leaked. Everything it
# creates (namespaces mnst-ID-*, the daemons it started, a temp dir with stores and configs) is removed on exit.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/../.."
exec python3 "$here/stress.py" "$@"
