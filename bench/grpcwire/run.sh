#!/usr/bin/env bash
# gRPC wire benchmark (issue 10): a meshnet gRPC wire, a minimal C TAP-over-TCP relay and a VXLAN link between the
# same two pod namespaces on two emulated nodes (iperf3 TCP 1/4 streams, UDP 64-byte packets/s, ping p50/p99), then
# 1500 wires between the two pods (all up, RSS and threads of the node's wire host, kill -9 + restart → resume).
#   bench/grpcwire/run.sh [-n REPEAT] [-t SECONDS] [--pings N] [--wires 1500] [--skip-data-path]
# Run as root; prints markdown tables on stdout, progress on stderr. Everything it creates (namespaces mnbw-ID-*, the
# wire hosts, the C relays, iperf3 servers, a temp dir) is removed on exit, even on Ctrl-C.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/../.."
exec python3 "$here/wirebench.py" "$@"
