#!/usr/bin/env bash
# Runs every test. Installs what the tests need (Debian packages) when missing, builds dist/ (the tests execute the
# real binaries), then runs the whole suite and prints one "N passed, N failed, N skipped" line.
set -euo pipefail
cd "$(dirname "$0")"

need=()
[ -x /usr/lib/cni/ptp ] || need+=(containernetworking-plugins)
command -v iperf3 >/dev/null || need+=(iperf3)
command -v ping >/dev/null || need+=(iputils-ping)
command -v ip >/dev/null || need+=(iproute2)
command -v ethtool >/dev/null || need+=(ethtool)
# Lab pods' containers: podman runs them, the tests' image is built from busybox-static with `podman import`.
command -v podman >/dev/null || need+=(podman)
[ -x /bin/busybox ] && /bin/busybox --list >/dev/null 2>&1 || need+=(busybox-static)
command -v script >/dev/null || need+=(bsdutils)
# `lab graph --format html` is rendered in headless Chromium.
[ -x /usr/bin/chromium ] || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
# kubectl renders deploy/ for the manifest tests (they skip, saying so, when it is missing).
if ! command -v kubectl >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq kubernetes-client >/dev/null 2>&1 || echo "kubectl unavailable: manifest tests will be skipped"
fi

./build.sh dist
results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT
set +e
dotnet test meshnet.sln --nologo --logger "trx" --results-directory "$results" "$@"
rc=$?
set -e
python3 - "$results" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
counts = {"Passed": 0, "Failed": 0, "NotExecuted": 0}
for path in glob.glob(sys.argv[1] + "/*.trx"):
    for r in ET.parse(path).getroot().iterfind(".//t:UnitTestResult", ns):
        outcome = r.get("outcome")
        counts[outcome if outcome in counts else "Failed"] += 1
print(f"{counts['Passed']} passed, {counts['Failed']} failed, {counts['NotExecuted']} skipped")
PY
exit $rc
