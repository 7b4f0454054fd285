#!/usr/bin/env python3
"""VXLAN benchmark for issue 6: a meshnet cross-node link (`meshnetctl lab up --nodes 2`, real meshnetd per node)
next to a hand-built VXLAN between the same kind of namespaces, and 1500 cross-node links next to the `ip -batch`
floor, measured in one run.

Data path (pair of pods pinned to different emulated nodes, one link eth1, MTU 1500, a /31 on each end):
  meshnet        lab bvID-pair: namespaces mnn.LAB.n1/n2 on a bridge (MTU 9000) in mnu.LAB, pods mn.LAB.a/b
  hand-default   the same shape built with iproute2 (namespaces mnbv-ID-*): underlay bridge br0 (MTU 9000), node
                 uplinks 172.30.0.11/12, per pod `ip -n NODE link add vx type vxlan id X local A remote B dstport 4789`
                 then `ip -n NODE link set vx netns POD` (its UDP socket stays in the node), renamed eth1, MTU 1500;
                 offloads as the kernel sets them
  hand-offoff    the same, plus `ethtool -K eth1 tx off tso off` on both ends (what meshnet does to its link ends)
  Measured for each, repetitions alternating the order: iperf3 TCP a -> b, 10 s, 1 stream and 4 streams
  (received bit rate; retransmits), and ping a -> b: 200 echoes 0.01 s apart per repetition, sent in 4 chunks of 50
  round-robin over the three paths (avg and p50 of the per-echo RTT; median over repetitions).

Bring-up (2 pods pinned apart, 1500 links, a /31 per end), each repeated N times, median reported:
  meshnet        `meshnetctl --store sqlite:FRESH lab up FILE --name LAB --nodes 2` from nothing, until every one of
                 the 3000 ends is UP and addressed (checked with `ip` right after the command returns; polled if not)
  floor          the same from nothing with iproute2: `ip -batch` of netns add (underlay, 2 nodes, 2 pods); bridge,
                 uplinks, addresses (one batch per namespace); then per node one `ip -n NODE -batch` creating its 1500
                 vxlan devices directly in its pod (`link add ethK netns POD type vxlan id K local A remote B
                 dstport 4789`), then per pod one batch of `link set up` + `addr add`. Also reported: the vxlan part
                 alone (the last 4 batches), next to meshnet's plumbing part (from its daemons' logs).
"""
from __future__ import annotations

import argparse
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

PAIR_NET = ipaddress.IPv4Address("10.64.0.0")
ETH = re.compile(r"^\d+: (eth\d+)[@:]")
RTT = re.compile(r"time=([\d.]+) ms")
UNDERLAY_MTU = 9000


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


def ends_ready(ns: str) -> tuple[int, int]:
    """(eth* interfaces UP with carrier, IPv4 addresses other than 127/8) in namespace ns."""
    up = sum(1 for line in run(["ip", "-n", ns, "-o", "link", "show"]).splitlines()
             if ETH.match(line) and "LOWER_UP" in line and ",UP" in line)
    addrs = sum(1 for line in run(["ip", "-n", ns, "-o", "-4", "addr", "show"]).splitlines() if " 127." not in line)
    return up, addrs


def slash31(k: int) -> tuple[str, str]:
    first = PAIR_NET + 2 * k
    return f"{first}/31", f"{first + 1}/31"


def pair_yaml(n: int) -> str:
    """Pods a (pinned to n1) and b (pinned to n2) joined by n links eth1..ethN."""
    docs = []
    for pod, peer, side in (("a", "b", 0), ("b", "a", 1)):
        links = []
        for k in range(n):
            ips = slash31(k)
            links.append(f"  - uid: {k}\n    peer_pod: {peer}\n    local_intf: eth{k + 1}\n    peer_intf: eth{k + 1}\n"
                         f"    local_ip: {ips[side]}\n    peer_ip: {ips[1 - side]}\n")
        docs.append("apiVersion: networkop.co.uk/v1beta1\nkind: Topology\nmetadata:\n"
                    f"  name: {pod}\n  labels:\n    meshnet.networkop.co.uk/node: n{side + 1}\nspec:\n  links:\n"
                    + "".join(links))
    return "---\n" + "---\n".join(docs)


def node_ip(i: int) -> str:
    return f"172.30.0.{10 + i}"


# ---------------------------------------------------------------------------------------------------------------

@dataclass
class Cleanup:
    meshnetctl: str
    run_dir: str
    prefix: str
    labs: list[tuple[str, str]] = field(default_factory=list)   # (store, lab)
    iperf_pidfiles: list[Path] = field(default_factory=list)

    def run(self) -> None:
        for pf in self.iperf_pidfiles:
            try:
                pid = int(pf.read_text().strip().strip("\x00"))
                if "iperf3" in Path(f"/proc/{pid}/cmdline").read_text():
                    os.kill(pid, signal.SIGTERM)
            except (OSError, ValueError):
                pass
        for store, lab in self.labs:
            subprocess.run([self.meshnetctl, "--store", store, "lab", "down", lab], capture_output=True,
                           env={**os.environ, "MESHNET_RUN_DIR": self.run_dir})
        labs = [lab for _, lab in self.labs]
        for ns in netns_list():
            if ns.startswith(self.prefix) or any(ns.startswith(p) for lab in labs
                                                 for p in (f"mn.{lab}.", f"mnn.{lab}.", f"mnu.{lab}")):
                subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        self.labs.clear()


class Lab:
    def __init__(self, exe: str, name: str, workdir: Path, run_dir: str, cleanup: Cleanup, link_type: str = "vxlan"):
        self.exe, self.name, self.cleanup, self.link_type = exe, name, cleanup, link_type
        self.store = f"sqlite:{workdir / (name + '.db')}"
        self.env = {**os.environ, "MESHNET_RUN_DIR": run_dir}
        self.log_dir = Path(run_dir) / "lab" / name

    def up(self, file: Path) -> tuple[float, str]:
        """Runs `lab up`; returns its wall time and its output, each line prefixed with the second it appeared."""
        self.cleanup.labs.append((self.store, self.name))
        t0 = time.perf_counter()
        p = subprocess.Popen([self.exe, "--store", self.store, "lab", "up", str(file), "--name", self.name,
                              "--nodes", "2", "--link-type", self.link_type],
                             env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        lines = [f"{time.perf_counter() - t0:.3f} {line.rstrip()}" for line in p.stdout]
        rc = p.wait()
        took = time.perf_counter() - t0
        if rc != 0:
            raise RuntimeError(f"lab up {self.name} exited {rc}: " + "\n".join(lines))
        return took, "\n".join(lines)

    def logs(self) -> dict[str, str]:
        return {n: (self.log_dir / n / "meshnetd.log").read_text() for n in ("n1", "n2")
                if (self.log_dir / n / "meshnetd.log").exists()}

    def pod_ns(self, pod: str) -> str:
        return f"mn.{self.name}.{pod}"

    def down(self) -> None:
        run([self.exe, "--store", self.store, "lab", "down", self.name], env=self.env)
        self.cleanup.labs.remove((self.store, self.name))


def build_underlay(prefix: str) -> tuple[str, list[str]]:
    """Underlay namespace with bridge br0 and 2 node namespaces with uplinks (MTU 9000), as a lab's EmulatedNodes."""
    u, nodes = f"{prefix}u", [f"{prefix}n1", f"{prefix}n2"]
    for ns in [u] + nodes:
        run(["ip", "netns", "add", ns])
        run(["ip", "-n", ns, "link", "set", "lo", "up"])
    run(["ip", "-n", u, "link", "add", "br0", "mtu", str(UNDERLAY_MTU), "type", "bridge"])
    run(["ip", "-n", u, "link", "set", "br0", "up"])
    for i, ns in enumerate(nodes, 1):
        run(["ip", "-n", ns, "link", "add", "uplink0", "mtu", str(UNDERLAY_MTU), "type", "veth",
             "peer", "name", f"n{i}", "mtu", str(UNDERLAY_MTU), "netns", u])
        run(["ip", "-n", ns, "link", "set", "uplink0", "up"])
        run(["ip", "-n", ns, "addr", "add", f"{node_ip(i)}/24", "dev", "uplink0"])
        run(["ip", "-n", u, "link", "set", f"n{i}", "master", "br0", "up"])
    return u, nodes


def hand_pair(prefix: str, nodes: list[str], tag: str, vni: int, offloads_off: bool) -> tuple[str, str, str]:
    """Pods PREFIX{tag}a / b with one hand-built vxlan eth1 each (created in the node, moved into the pod)."""
    pods = [f"{prefix}{tag}a", f"{prefix}{tag}b"]
    ips = ("10.70.0.0/31", "10.70.0.1/31")
    for i, (pod, node) in enumerate(zip(pods, nodes)):
        run(["ip", "netns", "add", pod])
        run(["ip", "-n", pod, "link", "set", "lo", "up"])
        local, remote = node_ip(i + 1), node_ip(2 - i)
        run(["ip", "-n", node, "link", "add", "vx", "type", "vxlan", "id", str(vni), "local", local, "remote", remote,
             "dstport", "4789"])
        run(["ip", "-n", node, "link", "set", "vx", "netns", pod])
        run(["ip", "-n", pod, "link", "set", "vx", "name", "eth1", "mtu", "1500"])
        run(["ip", "-n", pod, "addr", "add", ips[i], "dev", "eth1"])
        run(["ip", "-n", pod, "link", "set", "eth1", "up"])
        if offloads_off:
            run(["ip", "netns", "exec", pod, "ethtool", "-K", "eth1", "tx", "off", "tso", "off"])
    return pods[0], pods[1], "10.70.0.1"


def offload_state(ns: str) -> str:
    out = run(["ip", "netns", "exec", ns, "ethtool", "-k", "eth1"])
    want = ("tx-checksumming", "tcp-segmentation-offload", "generic-segmentation-offload", "generic-receive-offload")
    return ", ".join(f"{k.split(':')[0]}={k.split(':')[1].split()[0]}" for k in out.splitlines()
                     if k.split(":")[0].strip() in want).replace("\t", "")


def iperf(client_ns: str, server_ip: str, seconds: int, streams: int) -> tuple[float, int]:
    out = run(["ip", "netns", "exec", client_ns, "iperf3", "-c", server_ip, "-t", str(seconds), "-P", str(streams),
               "-J"], timeout=seconds + 60)
    d = json.loads(out)
    return d["end"]["sum_received"]["bits_per_second"] / 1e9, d["end"]["sum_sent"].get("retransmits", 0)


def ping(client_ns: str, ip: str, count: int, interval: float) -> list[float]:
    run(["ip", "netns", "exec", client_ns, "ping", "-c", "3", "-i", "0.2", ip])  # ARP + caches warm
    out = run(["ip", "netns", "exec", client_ns, "ping", "-c", str(count), "-i", str(interval), ip],
              timeout=count * interval + 60)
    rtts = [float(x) for x in RTT.findall(out)]
    if len(rtts) < count * 0.95:
        raise RuntimeError(f"ping {ip} from {client_ns}: only {len(rtts)} of {count} replies")
    return rtts


def start_server(ns: str, pidfile: Path, cleanup: Cleanup) -> None:
    cleanup.iperf_pidfiles.append(pidfile)
    run(["ip", "netns", "exec", ns, "iperf3", "-s", "-D", "-I", str(pidfile)])
    time.sleep(0.3)


# ---------------------------------------------------------------------------------------------------------------

def data_path(exe: str, work: Path, run_id: str, prefix: str, run_dir: str, args, cleanup: Cleanup) -> dict:
    lab = Lab(exe, f"bv{run_id}-pair", work, run_dir, cleanup)
    f = work / "pair-1.yaml"
    f.write_text(pair_yaml(1).replace("10.64.0.0/31", "10.70.0.0/31").replace("10.64.0.1/31", "10.70.0.1/31"))
    lab.up(f)
    paths = {"meshnet": (lab.pod_ns("a"), lab.pod_ns("b"), "10.70.0.1")}
    _, nodes = build_underlay(prefix)
    paths["hand-default"] = hand_pair(prefix, nodes, "d", 101, offloads_off=False)
    paths["hand-offoff"] = hand_pair(prefix, nodes, "o", 102, offloads_off=True)
    offloads = {k: offload_state(v[0]) for k, v in paths.items()}
    for name, (_, b, _) in paths.items():
        start_server(b, work / f"iperf-{name}.pid", cleanup)
    res = {k: {"tcp1": [], "tcp4": [], "retr1": [], "retr4": [], "rtt": []} for k in paths}
    for name, (a, _, ip) in paths.items():  # warm-up: first flows, ARP, page cache of iperf3
        iperf(a, ip, 1, 1)
    names = list(paths)
    for rep in range(args.repeat):
        order = names if rep % 2 == 0 else names[::-1]
        for name in order:
            a, _, ip = paths[name]
            r = res[name]
            gbps, retr = iperf(a, ip, args.seconds, 1)
            r["tcp1"].append(gbps)
            r["retr1"].append(retr)
            if args.streams > 1:
                gbps, retr = iperf(a, ip, args.seconds, args.streams)
                r["tcp4"].append(gbps)
                r["retr4"].append(retr)
            print(f"  data path rep {rep + 1} {name}: 1 stream {r['tcp1'][-1]:.2f} Gbit/s"
                  + (f", {args.streams} streams {r['tcp4'][-1]:.2f} Gbit/s" if r["tcp4"] else "")
                  , file=sys.stderr)
        # Pings in chunks, round-robin over the paths: a burst of load on the machine hits all of them alike.
        chunk = max(1, args.pings // 4)
        rtts: dict[str, list[float]] = {k: [] for k in paths}
        for _ in range(max(1, args.pings // chunk)):
            for name in order:
                a, _, ip = paths[name]
                rtts[name] += ping(a, ip, chunk, args.ping_interval)
        for name in order:
            res[name]["rtt"].append(rtts[name])
        print(f"  data path rep {rep + 1} ping avg: " + ", ".join(
            f"{k} {statistics.mean(v) * 1000:.0f} us" for k, v in rtts.items()), file=sys.stderr)
    cleanup.run()  # servers, the lab and the hand-built namespaces
    return {"res": res, "offloads": offloads}


def bringup_meshnet(exe: str, work: Path, run_id: str, run_dir: str, n: int, rep: int, cleanup: Cleanup) -> dict:
    lab = Lab(exe, f"bv{run_id}-m{rep}", work, run_dir, cleanup)
    f = work / f"pair-{n}.yaml"
    if not f.exists():
        f.write_text(pair_yaml(n))
    took, out = lab.up(f)
    t_end = time.perf_counter()
    checks = 0
    while True:
        checks += 1
        ready = ends_ready(lab.pod_ns("a")), ends_ready(lab.pod_ns("b"))
        if ready == ((n, n), (n, n)):
            break
        if time.perf_counter() - t_end > 300:
            raise RuntimeError(f"lab {lab.name}: not all up 300 s after lab up: {ready}\n{out}")
        time.sleep(0.02)
    all_up = took if checks == 1 else took + (time.perf_counter() - t_end)
    m = re.findall(r"in (\d+(?:\.\d+)?) s\s*$", out, re.M)
    nodes_up = re.findall(r"^(\d+\.\d+) lab \S+: 2 nodes up", out, re.M)
    logs = lab.logs()
    rss = {}
    for node in ("n1", "n2"):
        try:
            pid = int((lab.log_dir / node / "meshnetd.pid").read_text().strip())
            with open(f"/proc/{pid}/status") as st:
                rss[node] = next(int(l.split()[1]) for l in st if l.startswith("VmRSS"))
        except (OSError, ValueError, StopIteration):
            pass
    settle()
    lab.down()
    return {"up": took, "all_up": all_up, "up_at_return": checks == 1, "inner": float(m[-1]) if m else None,
            "nodes_up": float(nodes_up[0]) if nodes_up else None,
            "logs": logs, "out": out, "rss": rss}


def bringup_floor(work: Path, prefix: str, n: int, rep: int) -> tuple[float, float]:
    """(total from nothing, vxlan part alone) seconds."""
    tag = f"{prefix}f{rep}"
    u, n1, n2, a, b = (f"{tag}u", f"{tag}n1", f"{tag}n2", f"{tag}a", f"{tag}b")
    d = work / f"floor-{rep}"
    d.mkdir()

    def batch(name: str, lines: list[str]) -> str:
        (d / name).write_text("\n".join(lines) + "\n")
        return str(d / name)

    cmds_setup = [["ip", "-batch", batch("netns", [f"netns add {x}" for x in (u, n1, n2, a, b)])],
                  ["ip", "-n", u, "-batch", batch("u1", ["link set lo up", f"link add br0 mtu {UNDERLAY_MTU} type bridge",
                                                         "link set br0 up"])]]
    for i, node in ((1, n1), (2, n2)):
        cmds_setup.append(["ip", "-n", node, "-batch", batch(f"node{i}", [
            "link set lo up",
            f"link add uplink0 mtu {UNDERLAY_MTU} type veth peer name n{i} mtu {UNDERLAY_MTU} netns {u}",
            "link set uplink0 up", f"addr add {node_ip(i)}/24 dev uplink0"])])
    cmds_setup.append(["ip", "-n", u, "-batch", batch("u2", ["link set n1 master br0 up", "link set n2 master br0 up"])])
    create = {1: [], 2: []}
    conf = {1: ["link set lo up"], 2: ["link set lo up"]}
    for k in range(n):
        ips = slash31(k)
        for i, pod in ((1, a), (2, b)):
            create[i].append(f"link add eth{k + 1} netns {pod} type vxlan id {k + 1} local {node_ip(i)} "
                             f"remote {node_ip(3 - i)} dstport 4789")
            conf[i] += [f"link set eth{k + 1} up", f"addr add {ips[i - 1]} dev eth{k + 1}"]
    cmds_vx = [["ip", "-n", n1, "-batch", batch("create1", create[1])],
               ["ip", "-n", n2, "-batch", batch("create2", create[2])],
               ["ip", "-n", a, "-batch", batch("conf1", conf[1])],
               ["ip", "-n", b, "-batch", batch("conf2", conf[2])]]
    settle()
    t0 = time.perf_counter()
    for c in cmds_setup:
        run(c)
    t1 = time.perf_counter()
    for c in cmds_vx:
        run(c)
    t2 = time.perf_counter()
    for ns in (a, b):
        got = ends_ready(ns)
        if got != (n, n):
            raise RuntimeError(f"floor: {ns} has {got}, want {n}/{n}")
    run(["ip", "-batch", batch("del", [f"netns del {x}" for x in (a, b, n1, n2, u)])])
    return t2 - t0, t2 - t1


LOGLINE = re.compile(r"^(\d\d):(\d\d):(\d\d\.\d+) \w+: ([\w.]+)\[\d+\] (.*)$")


def plumbing_window(logs: dict[str, str]) -> tuple[float | None, list[str]]:
    """From the first ADD request any daemon received to the last reconcile pass with nothing pending, and the lines."""
    events = []
    for node, log in logs.items():
        for line in log.splitlines():
            m = LOGLINE.match(line)
            if not m:
                continue
            msg = m.group(5)
            if msg.startswith("ADD ") or "Reconciled" in msg or "Converged" in msg or "failed" in msg.lower() \
                    or msg.startswith("Request ") and "/Add" in msg:
                secs = int(m.group(1)) * 3600 + int(m.group(2)) * 60 + float(m.group(3))
                events.append((secs, node, msg))
    events.sort()
    adds = [s for s, _, msg in events if msg.startswith("ADD ") or msg.startswith("Request starting")]
    if not adds:
        return None, [f"{n} {msg}" for _, n, msg in events]
    start = adds[0]
    done = [s for s, _, msg in events if "Reconciled" in msg and ", 0 pending" in msg]
    lines = [f"+{s - start:7.3f} s  {n}  {msg}" for s, n, msg in events]
    return (max(done) - start if done else None), lines


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--meshnetctl", default=os.environ.get("MESHNETCTL", "dist/meshnetctl"),
                    help="meshnetctl (meshnetd must sit next to it)")
    ap.add_argument("-n", "--repeat", type=int, default=3, help="repetitions (median reported)")
    ap.add_argument("-t", "--seconds", type=int, default=10, help="iperf3 duration")
    ap.add_argument("-P", "--streams", type=int, default=4, help="parallel streams of the second iperf3 run (1: skip)")
    ap.add_argument("--pings", type=int, default=200)
    ap.add_argument("--ping-interval", type=float, default=0.01)
    ap.add_argument("--links", type=int, default=1500, help="cross-node links of the bring-up scenario (0: skip)")
    ap.add_argument("--skip-data-path", action="store_true")
    ap.add_argument("--keep-workdir", action="store_true")
    args = ap.parse_args()

    if os.geteuid() != 0:
        print("vxbench: must run as root (it creates network namespaces)", file=sys.stderr)
        return 2
    exe = shutil.which(args.meshnetctl) or os.path.abspath(args.meshnetctl)
    if not os.access(exe, os.X_OK) or not os.access(Path(exe).parent / "meshnetd", os.X_OK):
        print(f"vxbench: need meshnetctl and meshnetd side by side ({exe}); run ./build.sh", file=sys.stderr)
        return 2
    for tool in ("iperf3", "ethtool", "ping"):
        if not shutil.which(tool):
            print(f"vxbench: {tool} not installed", file=sys.stderr)
            return 2

    run_id = secrets.token_hex(3)
    prefix = f"mnbv-{run_id}-"
    work = Path(tempfile.mkdtemp(prefix=f"vxbench-{run_id}-"))
    run_dir = str(work / "run")
    cleanup = Cleanup(exe, run_dir, prefix)

    def on_signal(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)

    dp, up, floor = None, [], []
    try:
        print(f"vxbench {run_id}: meshnetctl = {exe}; workdir = {work}", file=sys.stderr)
        load_before = open("/proc/loadavg").read().split()[:3]
        print(f"  load average before: {load_before}", file=sys.stderr)
        if not args.skip_data_path:
            dp = data_path(exe, work, run_id, prefix, run_dir, args, cleanup)
        settle()
        if args.links > 0:
            for rep in range(args.repeat):
                order = ("floor", "meshnet") if rep % 2 == 0 else ("meshnet", "floor")
                for who in order:
                    settle()
                    if who == "floor":
                        floor.append(bringup_floor(work, prefix, args.links, rep))
                    else:
                        up.append(bringup_meshnet(exe, work, run_id, run_dir, args.links, rep, cleanup))
                print(f"  bring-up {args.links} rep {rep + 1}: meshnet {up[-1]['all_up']:.3f} s (up at return: "
                      f"{up[-1]['up_at_return']}), floor {floor[-1][0]:.3f} s (vxlan part {floor[-1][1]:.3f} s)",
                      file=sys.stderr)
        settle()
        load_after = open("/proc/loadavg").read().split()[:3]
        print(f"  load average after: {load_after}", file=sys.stderr)
    except KeyboardInterrupt as e:
        print(f"vxbench: interrupted ({e}); cleaning up", file=sys.stderr)
        return 130
    finally:
        cleanup.run()
        if not args.keep_workdir:
            shutil.rmtree(work, ignore_errors=True)

    print_report(args, dp, up, floor, load_before, load_after)
    return 0


def print_report(args, dp: dict | None, up: list[dict], floor: list[tuple[float, float]], load_before, load_after) -> None:
    med = statistics.median
    print(f"load average before/after: {' '.join(load_before)} / {' '.join(load_after)}")
    if dp:
        res = dp["res"]
        print(f"\nData path, pod a (node 1) -> pod b (node 2) over one VXLAN link, MTU 1500, median of {args.repeat}\n")
        print("| measurement | meshnet | hand-built (default offloads) | ratio | hand-built (tx, tso off) | ratio | target |")
        print("|---|---|---|---|---|---|---|")

        def row(label: str, key: str, fmt, higher_better: bool, per_rep=lambda v: v) -> None:
            vals = {k: med([per_rep(x) for x in res[k][key]]) for k in res}
            m = vals["meshnet"]
            r1, r2 = m / vals["hand-default"], m / vals["hand-offoff"]
            ok = lambda r: (r >= 0.9) if higher_better else (r <= 1.1)
            verdict = f"vs default: {'ok' if ok(r1) else 'MISSED'}; vs same offloads: {'ok' if ok(r2) else 'MISSED'} (10%)"
            print(f"| {label} | {fmt(m)} | {fmt(vals['hand-default'])} | {r1:.2f}x | {fmt(vals['hand-offoff'])} | "
                  f"{r2:.2f}x | {verdict} |")

        gb = lambda v: f"{v:.2f} Gbit/s"
        us = lambda v: f"{1000 * v:.0f} us"
        row(f"iperf3 TCP, 1 stream, {args.seconds} s", "tcp1", gb, True)
        if args.streams > 1:
            row(f"iperf3 TCP, {args.streams} streams, {args.seconds} s", "tcp4", gb, True)
        row(f"ping RTT avg ({args.pings} x {args.ping_interval} s)", "rtt", us, False, statistics.mean)
        row("ping RTT p50", "rtt", us, False, statistics.median)
        print("\nretransmits (median), 1 stream / multi: " + "; ".join(
            f"{k} {med(v['retr1']):.0f} / {med(v['retr4']) if v['retr4'] else 0:.0f}" for k, v in res.items()))
        print("all repetitions, 1 stream Gbit/s: " + "; ".join(
            f"{k} " + " ".join(f"{x:.2f}" for x in v["tcp1"]) for k, v in res.items()))
        print("offloads on pod a's eth1: " + "; ".join(f"{k}: {v}" for k, v in dp["offloads"].items()))
    if up:
        n = args.links
        allup = [u["all_up"] for u in up]
        tot = [f[0] for f in floor]
        vx = [f[1] for f in floor]
        ratio = med(allup) / med(tot)
        print(f"\nBring-up, 2 pods on 2 emulated nodes, {n} VXLAN links ({2 * n} ends), median of {len(up)}\n")
        print("| measurement | meshnet | floor (ip -batch) | ratio | ratio of minima | target |")
        print("|---|---|---|---|---|---|")
        print(f"| from nothing to all {2 * n} ends up + addressed | {med(allup):.3f} s | {med(tot):.3f} s | {ratio:.2f}x | "
              f"{min(allup) / min(tot):.2f}x | {'ok' if ratio <= 3 else 'MISSED'} (<=3x) |")
        inner = [u["inner"] for u in up if u["inner"] is not None]
        if inner:
            print(f"| `lab up` in-process part (its own report) | {med(inner):.3f} s | {med(tot):.3f} s | "
                  f"{med(inner) / med(tot):.2f}x | | |")
        nodes_up = [u["nodes_up"] for u in up if u["nodes_up"] is not None]
        if nodes_up:
            print(f"| `lab up` start -> \"2 nodes up\" (node namespaces, underlay, 2 daemons ready) | "
                  f"{med(nodes_up):.3f} s | | | | |")
            rest = [u["all_up"] - u["nodes_up"] for u in up if u["nodes_up"] is not None]
            print(f"| \"2 nodes up\" -> all ends up (store writes, pod namespaces, ADDs, plumbing) | "
                  f"{med(rest):.3f} s | | | | |")
        windows = [w for w in (plumbing_window(u["logs"])[0] for u in up) if w is not None]
        if windows:
            print(f"| links only: first ADD -> last reconcile with 0 pending (daemon logs) vs vxlan batches | "
                  f"{med(windows):.3f} s | {med(vx):.3f} s | {med(windows) / med(vx):.2f}x | | |")
        print(f"\nall ends up when `lab up` returned: {[u['up_at_return'] for u in up]}; daemon VmRSS after: "
              + "; ".join(", ".join(f"{k} {v / 1024:.0f} MiB" for k, v in u["rss"].items()) for u in up))
        print("\ndaemon log lines of the last repetition (relative to the first ADD):")
        for line in plumbing_window(up[-1]["logs"])[1][:40]:
            print(f"    {line}")


if __name__ == "__main__":
    sys.exit(main())
