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

# With a real cluster the DaemonSet is installed from deploy/ too: its image is built here (dist/meshnet-image.tar).
if [ -n "${MESHNET_TEST_KUBECONFIG:-}" ]; then ./build.sh --image dist; else ./build.sh dist; fi
results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT
set +e
# The real-node tier (tests/Meshnet.RealNode.Tests) installs and removes meshnet's CRDs and the node's CNI config, so
# it runs after everything else, never beside the other real-cluster tests.
dotnet test meshnet.sln --nologo --logger "trx" --results-directory "$results" --filter "FullyQualifiedName!~Meshnet.RealNode.Tests" "$@"
rc=$?
dotnet test tests/Meshnet.RealNode.Tests --nologo --logger "trx" --results-directory "$results" "$@"
rc2=$?
[ $rc -ne 0 ] || rc=$rc2
set -e
python3 - "$results" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
counts = {"Passed": 0, "Failed": 0, "NotExecuted": 0}
skipped = {}
for path in glob.glob(sys.argv[1] + "/*.trx"):
    for r in ET.parse(path).getroot().iterfind(".//t:UnitTestResult", ns):
        outcome = r.get("outcome")
        counts[outcome if outcome in counts else "Failed"] += 1
        if outcome == "NotExecuted":
            reason = r.find("t:Output/t:ErrorInfo/t:Message", ns)
            reason = reason.text.strip() if reason is not None and reason.text else "no reason given"
            skipped.setdefault(reason, []).append(r.get("testName"))
for reason, names in sorted(skipped.items()):
    print(f"skipped {len(names)}: {reason}")
    for n in sorted(names)[:8]:
        print(f"    {n}")
    if len(names) > 8:
        print(f"    ... and {len(names) - 8} more")
if skipped:
    print("to run the real-cluster and real-node tests: bash .ci/run (with ../shared/k8s beside this checkout), "
          "or MESHNET_TEST_KUBECONFIG=KUBECONFIG ./test.sh against a running ../shared/k8s (K8S_WITH_KUBELET=1)")
print(f"{counts['Passed']} passed, {counts['Failed']} failed, {counts['NotExecuted']} skipped")
PY
exit $rc
