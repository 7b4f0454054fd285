#!/usr/bin/env bash
# gRPC wires at scale (issue 10): 1500 wires ADD -> all up vs the ip -batch floor, kill -9 + restart -> traffic on
# all of them, daemon RSS/threads.   bench/grpcwire/scale.sh [--meshnetctl PATH] [-n REPEAT] [--links 1500]
# Run as root; prints a markdown table on stdout, progress on stderr; removes everything it created on exit.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/../.."
exec python3 "$here/scale.py" "$@"
