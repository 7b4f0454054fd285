#!/usr/bin/env bash
# VXLAN benchmark (issue 6): meshnet cross-node link vs a hand-built VXLAN (iperf3, ping), and 1500 cross-node
# links (`lab up --nodes 2`) vs the `ip -batch` floor.
#   bench/vxlan/run.sh [--meshnetctl PATH] [-n REPEAT] [-t SECONDS] [-P STREAMS] [--links 1500] [--skip-data-path]
# Run as root; prints markdown tables on stdout, progress on stderr. Everything it creates (labs bvID-*, their
# namespaces and daemons, namespaces mnbv-ID-*, iperf3 servers, a temp dir) is removed on exit, even on Ctrl-C.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/../.."
exec python3 "$here/vxbench.py" "$@"
