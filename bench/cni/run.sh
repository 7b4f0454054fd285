#!/usr/bin/env bash
# CNI benchmark (issue 4): meshnet plugin + meshnetd ADD latency vs `ptp`, 2 pods x 1500 links vs `ip -batch`, RSS.
#   bench/cni/run.sh [--dist DIR] [-s SAMPLES] [-n REPEAT] [--links 1500]
# Run as root; prints markdown tables on stdout, progress on stderr. Everything it creates (namespaces mnbc-ID-*,
# daemons it started, a temp dir with stores and configs) is removed on exit, even on Ctrl-C.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/../.."
exec python3 "$here/cnibench.py" "$@"
