#!/usr/bin/env python3
"""Real-node benchmark: KNE-shaped labs on the node of ../shared/k8s (kubelet + containerd), meshnet chained by the
runtime, dist/meshnetd --store kubernetes as the node's daemon. Per lab: time from `kubectl apply` of the pods to all
Ready, to every link pinging (A end -> B end, through kubectl exec), and the daemon's requests to the real API server
for the pod phase, from kube-apiserver's own apiserver_request_total (only the daemon touches Topologies then: the
Topologies are applied and settled before the pods). Run by hand: bench/realnode/run.sh [--only NAME]."""
import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid

K8S_DIR = os.environ.get("MESHNET_TEST_K8S_DIR", "/opt/meshnet-k8s")
KUBECONFIG = os.environ.get("MESHNET_TEST_KUBECONFIG") or f"{K8S_DIR}/kubeconfig"
KUBECTL = f"{K8S_DIR}/bin/kubectl"
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONF_DIR = f"{K8S_DIR}/cni/net.d"
BIN_DIR = "/usr/lib/cni"
BUSYBOX = "k8s-harness.local/busybox:1"


def kubectl(*args, stdin=None, check=True, timeout=900):
    r = subprocess.run([KUBECTL, "--kubeconfig", KUBECONFIG, *args], input=stdin, capture_output=True, text=True, timeout=timeout)
    if check and r.returncode != 0:
        sys.exit(f"kubectl {' '.join(args[:3])}: {r.stderr.strip()}")
    return r


def metrics():
    """apiserver_request_total of group networkop.co.uk, summed by (verb, resource/subresource, code)."""
    out = {}
    for line in kubectl("get", "--raw", "/metrics").stdout.splitlines():
        if not line.startswith("apiserver_request_total{") or 'group="networkop.co.uk"' not in line:
            continue
        labels = dict(re.findall(r'(\w+)="([^"]*)"', line[: line.rindex("}")]))
        key = (labels["verb"], labels["resource"] + ("/" + labels["subresource"] if labels.get("subresource") else ""), labels["code"])
        out[key] = out.get(key, 0) + float(line.rsplit(" ", 1)[1])
    return out


def delta(a, b):
    return {k: int(b.get(k, 0) - a.get(k, 0)) for k in set(a) | set(b) if b.get(k, 0) != a.get(k, 0)}


def ring(n, steps):
    pods = [f"p{i:02d}" for i in range(n)]
    nxt = {p: 1 for p in pods}
    links = []
    for step in steps:
        for i in range(n):
            a, b = pods[i], pods[(i + step) % n]
            links.append((len(links), a, f"eth{nxt[a]}", b, f"eth{nxt[b]}"))
            nxt[a] += 1
            nxt[b] += 1
    return pods, links


def pair(count):
    return ["r1", "r2"], [(i, "r1", f"eth{i + 1}", "r2", f"eth{i + 1}") for i in range(count)]


def addr(uid, end):
    host = uid * 4 + end
    return f"10.{128 + (host >> 16)}.{(host >> 8) & 255}.{host & 255}"


def topologies(pods, links):
    docs = []
    for p in pods:
        lines = [f"apiVersion: networkop.co.uk/v1beta1\nkind: Topology\nmetadata:\n  name: {p}\nspec:\n  links:"]
        for uid, a, ai, b, bi in links:
            if p in (a, b):
                li, peer, pi, le, pe = (ai, b, bi, 1, 2) if p == a else (bi, a, ai, 2, 1)
                lines.append(f"  - {{uid: {uid}, peer_pod: {peer}, local_intf: {li}, peer_intf: {pi}, "
                             f"local_ip: {addr(uid, le)}/30, peer_ip: {addr(uid, pe)}/30}}")
        docs.append("\n".join(lines) + "\n")
    return "---\n".join(docs)


def pod_yaml(name, links):
    wait = f"until [ \\\"$(ls /sys/class/net | grep -c '^eth')\\\" -ge {links + 1} ]; do sleep 0.2; done"
    return f"""apiVersion: v1
kind: Pod
metadata:
  name: {name}
spec:
  terminationGracePeriodSeconds: 0
  initContainers:
  - name: init-wait
    image: {BUSYBOX}
    imagePullPolicy: Never
    command: [sh, -c, "{wait}"]
  containers:
  - name: main
    image: {BUSYBOX}
    imagePullPolicy: Never
    command: [sleep, "86400"]
"""


PING = 'i=0; for a in "$@"; do { ping -c1 -W2 $a >/dev/null 2>&1 || echo $a; } & i=$((i+1)); [ $i -lt 64 ] || { wait; i=0; }; done; wait'


class Daemon:
    def __init__(self):
        self.run = tempfile.mkdtemp(prefix="meshnet-bench-", dir="/run")
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        self.health = s.getsockname()[1]
        s.close()
        env = {k: v for k, v in os.environ.items() if not k.startswith("KUBERNETES_SERVICE")}
        env["KUBECONFIG"] = KUBECONFIG
        self.log = open(os.path.join(self.run, "meshnetd.log"), "w")
        self.proc = subprocess.Popen(
            [f"{REPO}/dist/meshnetd", "--store", "kubernetes", "--node", "vm", "--node-ip", "127.0.0.1",
             "--cni-conf-dir", CONF_DIR, "--cni-bin-dir", BIN_DIR, "--socket", f"{self.run}/meshnet.sock",
             "--state-dir", self.run, "--pki-dir", f"{self.run}/pki", "--health-port", str(self.health), "--grpc-port", "0"],
            env=env, stdout=self.log, stderr=subprocess.STDOUT)
        for _ in range(600):
            try:
                if urllib.request.urlopen(f"http://127.0.0.1:{self.health}/readyz", timeout=2).status == 200 and \
                        os.path.exists(f"{CONF_DIR}/00-meshnet.conflist"):
                    return
            except OSError:
                pass
            if self.proc.poll() is not None:
                sys.exit(f"meshnetd exited: {open(self.log.name).read()[-2000:]}")
            time.sleep(0.1)
        sys.exit("meshnetd not ready in 60 s")

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        for f in (f"{CONF_DIR}/00-meshnet.conflist", f"{BIN_DIR}/meshnet"):
            if os.path.exists(f):
                os.remove(f)
        if os.environ.get("MESHNET_BENCH_DAEMON_LOG"):  # keep the daemon's log
            subprocess.run(["cp", self.log.name, os.environ["MESHNET_BENCH_DAEMON_LOG"]])
        subprocess.run(["rm", "-rf", self.run])


def scenario(name, pods, links):
    ns = f"bench-{name}-{uuid.uuid4().hex[:6]}"
    kubectl("create", "namespace", ns)
    try:
        kubectl("apply", "-n", ns, "-f", "-", stdin=topologies(pods, links))
        time.sleep(3)  # the daemon's watch has every Topology; nothing else touches them from here on
        before = metrics()
        t0 = time.monotonic()
        kubectl("apply", "-n", ns, "-f", "-", stdin="---\n".join(pod_yaml(p, sum(p in (l[1], l[3]) for l in links)) for p in pods))
        kubectl("wait", "-n", ns, "--for=condition=Ready", "pod", "--all", "--timeout=900s", timeout=960)
        ready = time.monotonic() - t0
        pending = {}
        for uid, a, _, b, _ in links:
            pending.setdefault(a, []).append(addr(uid, 2))
        while pending:
            for p in list(pending):
                r = kubectl("exec", "-n", ns, p, "-c", "main", "--", "sh", "-c", PING, "sh", *pending[p], check=False)
                left = r.stdout.split() if r.returncode == 0 else pending[p]
                if left:
                    pending[p] = left
                else:
                    del pending[p]
            if time.monotonic() - t0 > 900:
                sys.exit(f"{name}: links still not pinging after 900 s: {pending}")
        pinging = time.monotonic() - t0
        time.sleep(5)  # status writes that trail the last ADD
        d = delta(before, metrics())
        t1 = time.monotonic()
        kubectl("delete", "namespace", ns, "--wait=true", "--timeout=600s", timeout=660)
        deleted = time.monotonic() - t1
        # then a new pod's ADD must get through at once (the daemon is not busy tearing the lab down)
        probe = f"{ns}-probe"
        kubectl("create", "namespace", probe)
        t2 = time.monotonic()
        kubectl("apply", "-n", probe, "-f", "-", stdin=topologies(*pair(1)) + "---\n" + pod_yaml("r1", 1) + "---\n" + pod_yaml("r2", 1))
        kubectl("wait", "-n", probe, "--for=condition=Ready", "pod", "--all", "--timeout=600s", timeout=660)
        after = time.monotonic() - t2
        kubectl("delete", "namespace", probe, "--wait=true", "--timeout=600s", check=False, timeout=660)
        return ready, pinging, d, deleted, after
    finally:
        kubectl("delete", "namespace", ns, "--wait=true", "--timeout=600s", check=False, timeout=660)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", choices=["kne10", "links1500"])
    args = ap.parse_args()
    labs = {"kne10": ("10 pods, ring + chords (20 links)", *ring(10, [1, 3])), "links1500": ("2 pods x 1500 links", *pair(1500))}
    installed = kubectl("get", "crd", "topologies.networkop.co.uk", check=False).returncode != 0
    kubectl("apply", "-f", f"{REPO}/deploy/kustomize/base/crd-topologies.yaml", "-f", f"{REPO}/deploy/kustomize/base/crd-gwirekobjs.yaml",
            "-f", f"{REPO}/deploy/kustomize/base/namespace.yaml")
    kubectl("wait", "--for=condition=Established", "crd", "topologies.networkop.co.uk", "--timeout=60s")
    daemon = Daemon()
    # kube-controller-manager discovers new resources (garbage collector, quota) within 30 s and lists/watches them:
    # let that pass before counting
    if installed:
        time.sleep(35)
    rows = []
    try:
        for key, (title, pods, links) in labs.items():
            if args.only and key != args.only:
                continue
            ready, pinging, d, deleted, after = scenario(key, pods, links)
            rows.append((title, len(pods), ready, pinging, d, deleted, after))
    finally:
        daemon.stop()
        if installed:
            kubectl("delete", "-f", f"{REPO}/deploy/kustomize/base/crd-topologies.yaml", "-f", f"{REPO}/deploy/kustomize/base/crd-gwirekobjs.yaml",
                    "-f", f"{REPO}/deploy/kustomize/base/namespace.yaml", "--wait=true", check=False)
    print("| lab | pods Ready after | every link pinging after | requests to Topologies | per pod | by verb (HTTP code when not 2xx) | namespace deleted after | next 2-pod lab Ready after |")
    print("|---|---:|---:|---:|---:|---|---:|---:|")
    for title, n, ready, pinging, d, deleted, after in rows:
        total = sum(d.values())
        by = {}
        for (v, r, code), c in d.items():
            k = f"{v} {r}" + ("" if code.startswith("2") else f" ({code})")
            by[k] = by.get(k, 0) + c
        print(f"| {title} | {ready:.1f} s | {pinging:.1f} s | {total} | {total / n:.1f} | {', '.join(f'{k} {c}' for k, c in sorted(by.items()))} | {deleted:.1f} s | {after:.1f} s |")


if __name__ == "__main__":
    main()
