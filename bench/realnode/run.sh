#!/usr/bin/env bash
# Real-node benchmark (see realnodebench.py): needs root, dist/ (./build.sh) and ../shared/k8s running with its node:
#   ../shared/k8s/install.sh && K8S_WITH_KUBELET=1 /opt/meshnet-k8s/start.sh && bench/realnode/run.sh; /opt/meshnet-k8s/stop.sh --purge
set -euo pipefail
cd "$(dirname "$0")/../.."
exec python3 bench/realnode/realnodebench.py "$@"
