#!/usr/bin/env python3
"""CNI benchmark for issue 4: the `meshnet` plugin + `meshnetd` driven as a container runtime drives them, next to
the reference `ptp` plugin and the kernel floor (`ip -batch`), measured in one run.

Scenarios:
  add-latency  S samples (default 30, after W warm-ups): a fresh pod x_i with 4 same-node veth links to 4 peers that
               are already running (their ADD done, links pending). Timed per sample: the `ptp` plugin's own ADD
               (ptp + host-local IPAM, eth0), the `meshnet` plugin's own ADD (stdin = its conflist entry with
               ptp's result as prevResult), and the whole chain (both, back to back). p50/p95 reported.
  pair-1500    2 pods a, b joined by 1500 veth links (a /31 on both ends). Pod a is ADDed first (its links wait
               for b); then timed from the start of b's chain ADD until all 3000 ends are UP with carrier and
               addressed (checked with `ip`; if the first check after ADD returned already passes, the time is the
               ADD's return). A fresh daemon + store per repetition; its VmRSS / VmHWM after the links are up.
  floor-1500   the same 1500 veth pairs + addresses in 2 fresh namespaces by iproute2: `ip -n a -batch` (link add
               ethK type veth peer name ethK netns b, up, addr add) then `ip -n b -batch` (up, addr add).

The plugins run as a runtime runs them (exec with CNI_* env, config on stdin), with the "host" side in a throwaway
namespace (setns in the child before exec, no nsenter/ip-netns-exec in the timing) so the machine's own interfaces
and sysctls are never touched; `meshnetd` runs in that namespace too.
"""
from __future__ import annotations

import argparse
import ctypes
import ipaddress
import json
import os
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)
LAT_NET = ipaddress.IPv4Address("10.128.0.0")    # latency links: a /31 per link
PAIR_NET = ipaddress.IPv4Address("10.64.0.0")    # pair links
ETH = re.compile(r"^\d+: (eth\d+)[@:]")


def run(cmd: list[str], **kw) -> str:
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {p.returncode}: {p.stderr.strip() or p.stdout.strip()}")
    return p.stdout


def netns_list() -> list[str]:
    try:
        return sorted(os.listdir("/var/run/netns"))
    except FileNotFoundError:
        return []


def netns_work_running() -> bool:
    """True while a kworker executes the kernel's `netns` workqueue (namespace teardown still in progress)."""
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open(f"/proc/{pid}/comm") as f:
                    if f.read().rstrip().endswith("+netns"):
                        return True
            except OSError:
                pass
    return False


def settle(timeout: float = 120.0) -> float:
    """Waits until namespace teardown finished in the kernel (5 quiet polls 40 ms apart)."""
    t0 = time.perf_counter()
    quiet = 0
    while quiet < 5 and time.perf_counter() - t0 < timeout:
        quiet = 0 if netns_work_running() else quiet + 1
        time.sleep(0.04)
    return time.perf_counter() - t0


def add_netns(name: str) -> None:
    run(["ip", "netns", "add", name])
    run(["ip", "-n", name, "link", "set", "lo", "up"])


def ends_ready(ns: str, skip: str = "eth0") -> tuple[int, int]:
    """(eth* interfaces except `skip` that are UP with carrier, their IPv4 addresses) in namespace ns."""
    up = 0
    for line in run(["ip", "-n", ns, "-o", "link", "show"]).splitlines():
        m = ETH.match(line)
        if m and m.group(1) != skip and "LOWER_UP" in line and ",UP" in line:
            up += 1
    addrs = sum(1 for line in run(["ip", "-n", ns, "-o", "-4", "addr", "show"]).splitlines()
                if " 127." not in line and f" {skip} " not in line)
    return up, addrs


def slash31(base: ipaddress.IPv4Address, k: int) -> tuple[str, str]:
    first = base + 2 * k
    return f"{first}/31", f"{first + 1}/31"


def topology_docs(links: list[tuple[int, str, str, str, str, str, str]]) -> str:
    """links: (uid, a_pod, a_intf, a_ip, b_pod, b_intf, b_ip) -> one Topology document per pod."""
    per_pod: dict[str, list[str]] = {}
    for uid, a, ai, aip, b, bi, bip in links:
        per_pod.setdefault(a, []).append(_yaml_link(uid, b, ai, bi, aip, bip))
        per_pod.setdefault(b, []).append(_yaml_link(uid, a, bi, ai, bip, aip))
    return "---\n" + "---\n".join(
        "apiVersion: networkop.co.uk/v1beta1\nkind: Topology\n"
        f"metadata:\n  name: {pod}\nspec:\n  links:\n" + "".join(ls) for pod, ls in per_pod.items())


def _yaml_link(uid: int, peer: str, local: str, remote: str, local_ip: str, peer_ip: str) -> str:
    return (f"  - uid: {uid}\n    peer_pod: {peer}\n    local_intf: {local}\n    peer_intf: {remote}\n"
            f"    local_ip: {local_ip}\n    peer_ip: {peer_ip}\n")


# ---------------------------------------------------------------------------------------------------------------
# A node: its directories, its primary CNI config (ptp + host-local), a running meshnetd, and a runtime for the chain.

@dataclass
class Pod:
    name: str
    netns: str          # name under /var/run/netns
    container_id: str

    @property
    def path(self) -> str:
        return f"/var/run/netns/{self.netns}"


@dataclass
class Timed:
    ok: bool
    seconds: float
    stdout: str
    stderr: str


class Node:
    def __init__(self, dist: Path, root: Path, host_ns: str, subnet: str, k8s_ns: str):
        self.dist, self.root, self.host_ns, self.k8s_ns = dist, root, host_ns, k8s_ns
        for d in ("net.d", "bin", "ipam", "run"):
            (root / d).mkdir(parents=True, exist_ok=True)
        self.store = f"sqlite:{root / 'store.db'}"
        self.log = root / "meshnetd.log"
        (root / "net.d" / "10-podnet.conflist").write_text(json.dumps({
            "cniVersion": "1.0.0", "name": "podnet", "plugins": [{
                "type": "ptp", "ipMasq": False,
                "ipam": {"type": "host-local", "subnet": subnet, "dataDir": str(root / "ipam")}}]}))
        self.proc: subprocess.Popen | None = None
        self.conflist: dict = {}

    def start(self) -> None:
        host_fd = os.open(f"/var/run/netns/{self.host_ns}", os.O_RDONLY)
        try:
            with open(self.log, "ab") as log:
                self.proc = subprocess.Popen(
                    [str(self.dist / "meshnetd"), "--store", self.store, "--node", "node1", "--node-ip", "10.99.0.1",
                     "--socket", str(self.root / "run" / "meshnet.sock"), "--state-dir", str(self.root / "run"),
                     "--cni-conf-dir", str(self.root / "net.d"), "--cni-bin-dir", str(self.root / "bin")],
                    stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                    pass_fds=(host_fd,), preexec_fn=_enter_netns(host_fd), start_new_session=True)
        finally:
            os.close(host_fd)
        merged = self.root / "net.d" / "00-meshnet.conflist"
        deadline = time.monotonic() + 60
        while not (merged.exists() and (self.root / "bin" / "meshnet").exists()
                   and (self.root / "run" / "meshnet.sock").exists()):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"meshnetd did not come up:\n{self.log.read_text()[-3000:]}")
            time.sleep(0.05)
        while True:  # the daemon may still be writing the merged file
            try:
                self.conflist = json.loads(merged.read_text())
                break
            except json.JSONDecodeError:
                time.sleep(0.05)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc = None

    def memory(self) -> dict[str, int]:
        """VmRSS / VmHWM of meshnetd in KiB."""
        out = {}
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                key = line.split(":")[0]
                if key in ("VmRSS", "VmHWM"):
                    out[key] = int(line.split()[1])
        return out

    def apply(self, yaml: str) -> None:
        f = self.root / f"topo-{secrets.token_hex(3)}.yaml"
        f.write_text(yaml)
        run([str(self.dist / "meshnetctl"), "--store", self.store, "apply", "-f", str(f), "-n", self.k8s_ns])

    # -- the runtime's side: exec each plugin with the CNI_* environment and its config on stdin ----------------

    def plugin_config(self, index: int, prev: str | None) -> str:
        conf = dict(self.conflist["plugins"][index])
        conf["cniVersion"] = self.conflist["cniVersion"]
        conf["name"] = self.conflist["name"]
        if prev is not None:
            conf["prevResult"] = json.loads(prev)
        return json.dumps(conf)

    def exec_plugin(self, command: str, pod: Pod, config: str) -> Timed:
        ptype = json.loads(config)["type"]
        binary = self.root / "bin" / ptype
        if not binary.exists():
            binary = Path("/usr/lib/cni") / ptype
        env = {
            "PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"),
            "CNI_COMMAND": command, "CNI_CONTAINERID": pod.container_id, "CNI_NETNS": pod.path, "CNI_IFNAME": "eth0",
            "CNI_ARGS": f"IgnoreUnknown=1;K8S_POD_NAMESPACE={self.k8s_ns};K8S_POD_NAME={pod.name};"
                        f"K8S_POD_INFRA_CONTAINER_ID={pod.container_id}",
            "CNI_PATH": f"{self.root / 'bin'}:/usr/lib/cni",
        }
        host_fd = os.open(f"/var/run/netns/{self.host_ns}", os.O_RDONLY)
        try:
            t0 = time.perf_counter()
            p = subprocess.run([str(binary)], input=config, capture_output=True, text=True, env=env,
                               pass_fds=(host_fd,), preexec_fn=_enter_netns(host_fd), timeout=180)
            took = time.perf_counter() - t0
        finally:
            os.close(host_fd)
        return Timed(p.returncode == 0, took, p.stdout, p.stderr)

    def add(self, pod: Pod) -> tuple[Timed, Timed, float]:
        """Chain ADD (ptp, then meshnet with ptp's result): (ptp, meshnet, whole chain seconds)."""
        t0 = time.perf_counter()
        ptp = self.exec_plugin("ADD", pod, self.plugin_config(0, None))
        if not ptp.ok:
            raise RuntimeError(f"ptp ADD {pod.name} failed: {ptp.stdout} {ptp.stderr}")
        mesh = self.exec_plugin("ADD", pod, self.plugin_config(1, ptp.stdout))
        chain = time.perf_counter() - t0
        if not mesh.ok:
            raise RuntimeError(f"meshnet ADD {pod.name} failed: {mesh.stdout} {mesh.stderr}\n"
                               f"daemon log tail:\n{self.log.read_text()[-3000:]}")
        if json.loads(mesh.stdout) != json.loads(ptp.stdout):
            raise RuntimeError(f"meshnet ADD {pod.name} did not return prevResult unchanged")
        return ptp, mesh, chain


def _enter_netns(fd: int):
    def enter() -> None:
        if _libc.setns(fd, CLONE_NEWNET) != 0:
            os._exit(127)
    return enter


# ---------------------------------------------------------------------------------------------------------------

@dataclass
class Cleanup:
    nodes: list[Node] = field(default_factory=list)
    prefix: str = ""

    def run(self) -> None:
        for n in self.nodes:
            n.stop()
        self.nodes.clear()
        for ns in netns_list():
            if ns.startswith(self.prefix):
                subprocess.run(["ip", "netns", "del", ns], capture_output=True)


def pct(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(round(p / 100 * len(s) + 0.5)) - 1))
    return s[k]


def latency_phase(dist: Path, work: Path, prefix: str, host_ns: str, samples: int, warmup: int,
                  cleanup: Cleanup) -> dict:
    node = Node(dist, work / "lat", host_ns, "10.250.0.0/16", "bench")
    cleanup.nodes.append(node)
    node.start()
    total = samples + warmup
    links = []
    for i in range(total):
        for k in range(4):
            a_ip, b_ip = slash31(LAT_NET, 4 * i + k)
            links.append((4 * i + k, f"x{i}", f"eth{k + 1}", a_ip, f"p{i}-{k}", "eth1", b_ip))
    node.apply(topology_docs(links))
    time.sleep(0.5)  # let the daemon's watch see the topologies before the first ADD
    res = {"ptp": [], "meshnet": [], "chain": []}
    for i in range(total):
        peers = [Pod(f"p{i}-{k}", f"{prefix}p{i}-{k}", secrets.token_hex(16)) for k in range(4)]
        x = Pod(f"x{i}", f"{prefix}x{i}", secrets.token_hex(16))
        for p in peers + [x]:
            add_netns(p.netns)
        for p in peers:
            node.add(p)
        settle()
        ptp, mesh, chain = node.add(x)
        got = ends_ready(x.netns)
        if got != (4, 4):
            raise RuntimeError(f"x{i}: after ADD returned {got[0]} links up / {got[1]} addresses, want 4/4")
        if i >= warmup:
            res["ptp"].append(ptp.seconds)
            res["meshnet"].append(mesh.seconds)
            res["chain"].append(chain)
    res["memory"] = node.memory()
    node.stop()
    cleanup.nodes.remove(node)
    return res


def pair_meshnet(dist: Path, work: Path, prefix: str, host_ns: str, n: int, rep: int, cleanup: Cleanup) -> dict:
    node = Node(dist, work / f"pair-{rep}", host_ns, f"10.251.{rep}.0/24", "bench")
    cleanup.nodes.append(node)
    node.start()
    links = []
    for k in range(n):
        a_ip, b_ip = slash31(PAIR_NET, k)
        links.append((k, "a", f"eth{k + 1}", a_ip, "b", f"eth{k + 1}", b_ip))
    node.apply(topology_docs(links))
    a = Pod("a", f"{prefix}m{rep}-a", secrets.token_hex(16))
    b = Pod("b", f"{prefix}m{rep}-b", secrets.token_hex(16))
    add_netns(a.netns)
    add_netns(b.netns)
    time.sleep(0.5)
    _, a_mesh, a_chain = node.add(a)
    settle()
    time.sleep(0.3)
    t0 = time.perf_counter()
    ptp, mesh, chain = node.add(b)
    checks = 0
    while True:
        checks += 1
        ready = ends_ready(a.netns), ends_ready(b.netns)
        if ready == ((n, n), (n, n)):
            break
        if time.perf_counter() - t0 > 300:
            raise RuntimeError(f"pair-{n}: not all up after 300 s: a {ready[0]}, b {ready[1]}")
        time.sleep(0.02)
    all_up = chain if checks == 1 else time.perf_counter() - t0
    mem = node.memory()
    time.sleep(2)
    mem_later = node.memory()
    log = node.log.read_text()
    node.stop()
    cleanup.nodes.remove(node)
    run(["ip", "netns", "del", a.netns])
    run(["ip", "netns", "del", b.netns])
    return {"a_add": a_chain, "a_mesh": a_mesh.seconds, "b_chain": chain, "b_mesh": mesh.seconds, "b_ptp": ptp.seconds,
            "all_up": all_up, "up_at_return": checks == 1, "rss": mem["VmRSS"], "hwm": mem["VmHWM"],
            "rss_2s": mem_later["VmRSS"], "log": log}


def pair_floor(work: Path, prefix: str, n: int, rep: int) -> float:
    a, b = f"{prefix}f{rep}-a", f"{prefix}f{rep}-b"
    add_netns(a)
    add_netns(b)
    fa, fb = work / f"floor-{rep}-a.batch", work / f"floor-{rep}-b.batch"
    la, lb = [], []
    for k in range(n):
        a_ip, b_ip = slash31(PAIR_NET, k)
        la += [f"link add eth{k + 1} type veth peer name eth{k + 1} netns {b}", f"link set eth{k + 1} up",
               f"addr add {a_ip} dev eth{k + 1}"]
        lb += [f"link set eth{k + 1} up", f"addr add {b_ip} dev eth{k + 1}"]
    fa.write_text("\n".join(la) + "\n")
    fb.write_text("\n".join(lb) + "\n")
    settle()
    t0 = time.perf_counter()
    run(["ip", "-n", a, "-batch", str(fa)])
    run(["ip", "-n", b, "-batch", str(fb)])
    took = time.perf_counter() - t0
    for ns in (a, b):
        got = ends_ready(ns)
        if got != (n, n):
            raise RuntimeError(f"floor: {ns} has {got}, want {n}/{n}")
    run(["ip", "netns", "del", a])
    run(["ip", "netns", "del", b])
    return took


PHASE = re.compile(r"^(\d\d):(\d\d):(\d\d\.\d+) .*?\] (.*)$")


def log_phases(log: str) -> list[str]:
    """The daemon's own lines about b's ADD and the reconcile passes around it, with times relative to b's ADD."""
    lines = []
    for line in log.splitlines():
        m = PHASE.match(line)
        if m and ("ADD " in m.group(4) or "Reconciled" in m.group(4) or "Converged" in m.group(4)
                  or "failed" in m.group(4)):
            secs = int(m.group(1)) * 3600 + int(m.group(2)) * 60 + float(m.group(3))
            lines.append((secs, m.group(4)))
    start = next((s for s, msg in lines if msg.startswith("ADD bench/b ")), None)
    if start is None:
        return [msg for _, msg in lines]
    return [f"+{s - start:7.3f} s  {msg}" for s, msg in lines if s >= start - 0.001]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dist", default=os.environ.get("MESHNET_DIST", "dist"), help="directory with meshnetd, meshnetctl, meshnet")
    ap.add_argument("-s", "--samples", type=int, default=30, help="ADD latency samples")
    ap.add_argument("-w", "--warmup", type=int, default=3, help="ADD latency warm-up samples (not counted)")
    ap.add_argument("-n", "--repeat", type=int, default=3, help="repetitions of the pair scenario (median reported)")
    ap.add_argument("--links", type=int, default=1500, help="links between the 2 pods of the pair scenario")
    ap.add_argument("--keep-workdir", action="store_true")
    args = ap.parse_args()

    if os.geteuid() != 0:
        print("cnibench: must run as root (it creates network namespaces)", file=sys.stderr)
        return 2
    dist = Path(args.dist).resolve()
    for exe in ("meshnetd", "meshnetctl", "meshnet"):
        if not os.access(dist / exe, os.X_OK):
            print(f"cnibench: {dist / exe} missing (run ./build.sh or pass --dist)", file=sys.stderr)
            return 2
    for exe in ("ptp", "host-local"):
        if not os.access(f"/usr/lib/cni/{exe}", os.X_OK):
            print(f"cnibench: /usr/lib/cni/{exe} missing (apt-get install containernetworking-plugins)", file=sys.stderr)
            return 2

    run_id = secrets.token_hex(3)
    prefix = f"mnbc-{run_id}-"
    work = Path(tempfile.mkdtemp(prefix=f"cnibench-{run_id}-"))
    cleanup = Cleanup(prefix=prefix)

    def on_signal(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)

    host_ns = f"{prefix}host"
    try:
        print(f"cnibench {run_id}: dist = {dist}; workdir = {work}", file=sys.stderr)
        load_before = open("/proc/loadavg").read().split()[:3]
        print(f"  load average before: {load_before}", file=sys.stderr)
        add_netns(host_ns)
        lat = latency_phase(dist, work, prefix, host_ns, args.samples, args.warmup, cleanup)
        print(f"  add-latency: ptp p50 {1000 * statistics.median(lat['ptp']):.1f} ms, meshnet p50 "
              f"{1000 * statistics.median(lat['meshnet']):.1f} ms", file=sys.stderr)
        for ns in netns_list():
            if ns.startswith(prefix) and ns != host_ns:
                run(["ip", "netns", "del", ns])
        settle()
        pair: list[dict] = []
        floor: list[float] = []
        for rep in range(args.repeat):
            order = ("floor", "meshnet") if rep % 2 == 0 else ("meshnet", "floor")
            for who in order:
                settle()
                if who == "floor":
                    floor.append(pair_floor(work, prefix, args.links, rep))
                else:
                    pair.append(pair_meshnet(dist, work, prefix, host_ns, args.links, rep, cleanup))
            p = pair[-1]
            print(f"  pair-{args.links} rep {rep + 1}: meshnet all up {p['all_up']:.3f} s (b chain ADD {p['b_chain']:.3f} s,"
                  f" up at return: {p['up_at_return']}, a ADD {p['a_add']:.3f} s), floor {floor[-1]:.3f} s,"
                  f" RSS {p['rss'] / 1024:.1f} MiB (peak {p['hwm'] / 1024:.1f})", file=sys.stderr)
        settle()
        load_after = open("/proc/loadavg").read().split()[:3]
        print(f"  load average after: {load_after}", file=sys.stderr)
    except KeyboardInterrupt as e:
        print(f"cnibench: interrupted ({e}); cleaning up", file=sys.stderr)
        return 130
    finally:
        cleanup.run()
        if not args.keep_workdir:
            shutil.rmtree(work, ignore_errors=True)

    print_report(args, lat, pair, floor, load_before, load_after)
    return 0


def print_report(args, lat: dict, pair: list[dict], floor: list[float], load_before, load_after) -> None:
    med = statistics.median
    ms = lambda v: f"{1000 * v:.1f} ms"
    print(f"load average before/after: {' '.join(load_before)} / {' '.join(load_after)}")
    print(f"\nADD latency, pod with 4 same-node links (peers running), {len(lat['ptp'])} samples "
          f"({args.warmup} warm-ups not counted)\n")
    print("| what | p50 | p95 | min | max | ratio p50 vs ptp | target |")
    print("|---|---|---|---|---|---|---|")
    p50_ptp = med(lat["ptp"])
    for key, label in (("ptp", "`ptp` plugin ADD (+ host-local)"), ("meshnet", "`meshnet` plugin ADD (4 links)"),
                       ("chain", "whole chain ADD (ptp, then meshnet)")):
        v = lat[key]
        ratio = med(v) / p50_ptp
        target = ("ok" if ratio <= 2 else "MISSED") + " (<=2x)" if key == "meshnet" else ""
        print(f"| {label} | {ms(med(v))} | {ms(pct(v, 95))} | {ms(min(v))} | {ms(max(v))} | {ratio:.2f}x | {target} |")
    mem = lat["memory"]
    print(f"\nlatency daemon after {len(lat['ptp']) + args.warmup} pods x 5: VmRSS {mem['VmRSS'] / 1024:.1f} MiB, "
          f"VmHWM {mem['VmHWM'] / 1024:.1f} MiB")

    n = args.links
    allup = [p["all_up"] for p in pair]
    ratio = med(allup) / med(floor)
    print(f"\n2 pods x {n} links, median of {len(pair)}\n")
    print("| what | meshnet | floor (ip -batch) | ratio | ratio of minima | target |")
    print("|---|---|---|---|---|---|")
    print(f"| b's ADD start -> all {2 * n} ends up + addressed | {med(allup):.3f} s | {med(floor):.3f} s | "
          f"{ratio:.2f}x | {min(allup) / min(floor):.2f}x | {'ok' if ratio <= 3 else 'MISSED'} (<=3x) |")
    print(f"| b's `meshnet` ADD alone | {med([p['b_mesh'] for p in pair]):.3f} s | | | | |")
    print(f"| a's chain ADD (links wait for b) | {med([p['a_add'] for p in pair]):.3f} s | | | | |")
    rss = [p["rss"] / 1024 for p in pair]
    print(f"| daemon VmRSS after {n} links | {med(rss):.1f} MiB (max {max(rss):.1f}) | | | | "
          f"{'ok' if max(rss) < 150 else 'MISSED'} (<150 MiB) |")
    print(f"| daemon VmHWM (peak) | {med([p['hwm'] / 1024 for p in pair]):.1f} MiB | | | | |")
    print(f"| daemon VmRSS 2 s later | {med([p['rss_2s'] / 1024 for p in pair]):.1f} MiB | | | | |")
    print(f"\nall ends up when b's ADD returned: {[p['up_at_return'] for p in pair]}")
    print("\ndaemon log of the last repetition (relative to b's ADD):")
    for line in log_phases(pair[-1]["log"])[:40]:
        print(f"    {line}")


if __name__ == "__main__":
    sys.exit(main())
