#!/usr/bin/env python3
"""gRPC wire benchmark for issue 10, in one run, between the same two pod namespaces a and b on two emulated nodes
n1 and n2 (node namespaces on an MTU-9000 underlay bridge, as `meshnetctl lab --nodes` builds them):

  grpc-wire  eth1: a persistent TAP in each pod, relayed by one wire host per node (bench/grpcwire/WireHost: the
             daemon's AddWireRelay/MapWireService on the mutual-TLS node listener, ends read from a file), MTU 1500
  c-relay    eth2: a persistent TAP in each pod, relayed by tap_relay.c (2-byte length framing, one write per frame,
             TCP_NODELAY, one thread each way), compiled with gcc here, MTU 1500
  vxlan      eth3: a VXLAN device per pod (created in its node namespace, moved into the pod), MTU 1500

Per repetition, in alternating order: iperf3 TCP a -> b (1 stream and 4 streams, received bit rate), iperf3 UDP
64-byte datagrams unthrottled (packets/s received), ping a -> b (RTT p50/p99). Medians over repetitions.
Then 1500 wires between a and b (TAPs w0..w1499 made with ip -batch): seconds from the wire hosts' start to all 3000
ends having carrier, RSS and threads of a wire host, and seconds from kill -9 + restart of n2's host until every end
has carrier again and a ping crosses wire 0.
"""
from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "vxlan"))
import vxbench as vx  # noqa: E402  (underlay, iperf3 and ping helpers shared with the VXLAN benchmark)

HERE = Path(__file__).resolve().parent
PORT = 51111
RELAY_PORT = 52111


class Procs:
    """Processes we started (wire hosts, C relays, iperf3 servers): killed by pid on exit."""

    def __init__(self) -> None:
        self.procs: list[subprocess.Popen] = []
        self.pidfiles: list[Path] = []

    def start(self, cmd: list[str], **kw) -> subprocess.Popen:
        p = subprocess.Popen(cmd, **kw)
        self.procs.append(p)
        return p

    def kill(self, p: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
        if p.poll() is None:
            p.send_signal(sig)
        p.wait()
        self.procs.remove(p)

    def stop_all(self) -> None:
        for p in list(self.procs):
            self.kill(p)
        for pf in self.pidfiles:
            try:
                pid = int(pf.read_text().strip().strip("\x00"))
                if "iperf3" in Path(f"/proc/{pid}/cmdline").read_text():
                    os.kill(pid, signal.SIGTERM)
            except (OSError, ValueError):
                pass
        self.pidfiles.clear()


class WireHost:
    """One node's wire host; its stdout lines ('attached N ends in S s', 'TIMESTAMP up N') are followed in a thread."""

    def __init__(self, procs: Procs, exe: Path, node_ns: str, node: str, ip: str, pki: Path, ends: Path):
        self.t0 = time.perf_counter()
        self.p = procs.start(["ip", "netns", "exec", node_ns, "env", *os.environ.get("WIREHOST_ENV", "A=1").split(), "dotnet", str(exe), node, f"{ip}:{PORT}", str(pki), str(ends)],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.up = 0
        self.attached: float | None = None
        self.lines: list[str] = []
        self.changed = threading.Condition()
        threading.Thread(target=self._follow, daemon=True).start()

    def _follow(self) -> None:
        for line in self.p.stdout:
            line = line.rstrip()
            with self.changed:
                self.lines.append(line)
                parts = line.split()
                if len(parts) == 3 and parts[1] == "up":
                    self.up = int(parts[2])
                elif line.startswith("attached"):
                    self.attached = time.perf_counter() - self.t0
                self.changed.notify_all()

    def wait_up(self, n: int, timeout: float) -> float:
        with self.changed:
            if not self.changed.wait_for(lambda: self.up >= n or self.p.poll() is not None, timeout):
                raise RuntimeError(f"{n} ends not up after {timeout} s: {self.up}; last lines: {self.lines[-5:]}")
            if self.up < n:
                raise RuntimeError(f"wire host exited: {self.lines[-10:]}")
        return time.perf_counter() - self.t0

    def status(self) -> tuple[int, int]:
        """(RSS KiB, threads)."""
        with open(f"/proc/{self.p.pid}/status") as f:
            st = dict(l.split(":", 1) for l in f if ":" in l)
        return int(st["VmRSS"].split()[0]), int(st["Threads"])


def ends_file(path: Path, pod_ns: str, peer_node: str, peer_ip: str, ids: range, names: list[str], base: int) -> Path:
    path.write_text("".join(f"{base + k} bench {k} /var/run/netns/{pod_ns} {names[k]} {peer_node} {peer_ip}:{PORT} 1500\n"
                            for k in ids))
    return path


def make_taps(pod: str, names: list[str], work: Path, tag: str) -> None:
    batch = work / f"taps-{tag}"
    batch.write_text("".join(f"tuntap add dev {n} mode tap\n" for n in names)
                     + "".join(f"link set {n} mtu 1500 up\n" for n in names))
    vx.run(["ip", "-n", pod, "-batch", str(batch)])


def iperf3(client_ns: str, ip: str, port: int, seconds: int, *extra: str) -> dict:
    """One iperf3 run against the path's own server; retried while that server still winds down an earlier test
    (an unthrottled UDP run can leave it busy for a moment)."""
    for attempt in range(10):
        p = subprocess.run(["ip", "netns", "exec", client_ns, "iperf3", "-c", ip, "-p", str(port), "-t", str(seconds),
                            "-J", *extra], capture_output=True, text=True, timeout=seconds + 60)
        d = json.loads(p.stdout or "{}")
        if "error" not in d and p.returncode == 0:
            return d["end"]
        time.sleep(1)
    raise RuntimeError(f"iperf3 {ip}:{port} {' '.join(extra)}: {d.get('error', p.stderr)}")


def tcp(client_ns: str, ip: str, port: int, seconds: int, streams: int) -> float:
    return iperf3(client_ns, ip, port, seconds, "-P", str(streams))["sum_received"]["bits_per_second"] / 1e9


def udp64(client_ns: str, ip: str, port: int, seconds: int) -> float:
    d = iperf3(client_ns, ip, port, seconds, "-u", "-l", "64", "-b", "0")["sum"]
    return (d["packets"] - d["lost_packets"]) / d["seconds"]


def build_pods(prefix: str, nodes: list[str], work: Path) -> tuple[str, str]:
    a, b = f"{prefix}a", f"{prefix}b"
    for pod in (a, b):
        vx.run(["ip", "netns", "add", pod])
        vx.run(["ip", "-n", pod, "link", "set", "lo", "up"])
    for i, pod in enumerate((a, b)):
        make_taps(pod, ["eth1", "eth2"], work, f"{pod}-dp")
        vx.run(["ip", "-n", pod, "addr", "add", f"10.71.0.{i}/31", "dev", "eth1"])
        vx.run(["ip", "-n", pod, "addr", "add", f"10.72.0.{i}/31", "dev", "eth2"])
        node = nodes[i]
        vx.run(["ip", "-n", node, "link", "add", "vx", "type", "vxlan", "id", "103", "local", vx.node_ip(i + 1),
                "remote", vx.node_ip(2 - i), "dstport", "4789"])
        vx.run(["ip", "-n", node, "link", "set", "vx", "netns", pod])
        vx.run(["ip", "-n", pod, "link", "set", "vx", "name", "eth3", "mtu", "1500", "up"])
        vx.run(["ip", "-n", pod, "addr", "add", f"10.73.0.{i}/31", "dev", "eth3"])
    return a, b


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))]


def data_path(args, procs: Procs, exe: Path, relay: Path, work: Path, prefix: str, nodes: list[str], pki: Path) -> dict:
    a, b = build_pods(prefix, nodes, work)
    hosts = [WireHost(procs, exe, nodes[0], "n1", vx.node_ip(1), pki,
                      ends_file(work / "dp1", a, "n2", vx.node_ip(2), range(1), ["eth1"], 100)),
             WireHost(procs, exe, nodes[1], "n2", vx.node_ip(2), pki,
                      ends_file(work / "dp2", b, "n1", vx.node_ip(1), range(1), ["eth1"], 200))]
    for h in hosts:
        h.wait_up(1, 60)
    relays = [procs.start(["ip", "netns", "exec", nodes[1], str(relay), f"/var/run/netns/{b}", "eth2", "listen", vx.node_ip(2), str(RELAY_PORT)],
                          stderr=subprocess.DEVNULL)]
    time.sleep(0.3)
    relays.append(procs.start(["ip", "netns", "exec", nodes[0], str(relay), f"/var/run/netns/{a}", "eth2", "connect", vx.node_ip(2), str(RELAY_PORT)],
                              stderr=subprocess.DEVNULL))
    paths = {"grpc-wire": "10.71.0.1", "c-relay": "10.72.0.1", "vxlan": "10.73.0.1"}
    ports = {name: 5301 + i for i, name in enumerate(paths)}
    for name, port in ports.items():
        pidfile = work / f"iperf-{name}.pid"
        procs.pidfiles.append(pidfile)
        vx.run(["ip", "netns", "exec", b, "iperf3", "-s", "-D", "-p", str(port), "-I", str(pidfile)])
    time.sleep(0.5)
    for name, ip in paths.items():
        vx.run(["ip", "netns", "exec", a, "ping", "-c", "3", "-i", "0.2", "-W", "5", ip])
        tcp(a, ip, ports[name], 1, 1)
    res = {k: {"tcp1": [], "tcp4": [], "udp": [], "rtt": []} for k in paths}
    names = list(paths)
    for rep in range(args.repeat):
        order = names if rep % 2 == 0 else names[::-1]
        for name in order:
            ip, port, r = paths[name], ports[name], res[name]
            r["tcp1"].append(tcp(a, ip, port, args.seconds, 1))
            r["tcp4"].append(tcp(a, ip, port, args.seconds, 4))
            r["udp"].append(udp64(a, ip, port, max(3, args.seconds // 2)))
            print(f"  rep {rep + 1} {name}: tcp1 {r['tcp1'][-1]:.2f} tcp4 {r['tcp4'][-1]:.2f} Gbit/s, "
                  f"udp64 {r['udp'][-1] / 1000:.0f} kpps", file=sys.stderr)
        chunk = max(1, args.pings // 4)
        rtts: dict[str, list[float]] = {k: [] for k in paths}
        for _ in range(4):
            for name in order:
                rtts[name] += vx.ping(a, paths[name], chunk, args.ping_interval)
        for name in names:
            res[name]["rtt"].append(rtts[name])
    rss = [h.status() for h in hosts]
    for p in relays + [h.p for h in hosts]:
        procs.kill(p)
    return {"res": res, "rss1": rss}


def ping_until(ns: str, ip: str, since: float, timeout: float) -> float:
    """Pings (1 s wait each) until one is answered; seconds from `since`. With thousands of carriers switched on at
    once, the kernel's linkwatch may take a few seconds before a TAP's queue runs, so the first ARP can be lost."""
    while subprocess.run(["ip", "netns", "exec", ns, "ping", "-c", "1", "-W", "1", ip], capture_output=True).returncode != 0:
        if time.perf_counter() - since > timeout:
            raise RuntimeError(f"no ping to {ip} from {ns} within {timeout} s")
    return time.perf_counter() - since


def many_wires(args, procs: Procs, exe: Path, work: Path, prefix: str, nodes: list[str], pki: Path) -> dict:
    n = args.wires
    a, b = f"{prefix}ma", f"{prefix}mb"
    names = [f"w{k}" for k in range(n)]
    for i, pod in enumerate((a, b)):
        vx.run(["ip", "netns", "add", pod])
        make_taps(pod, names, work, pod)
        vx.run(["ip", "-n", pod, "addr", "add", f"10.74.0.{i}/31", "dev", "w0"])
    f1 = ends_file(work / "m1", a, "n2", vx.node_ip(2), range(n), names, 10000)
    f2 = ends_file(work / "m2", b, "n1", vx.node_ip(1), range(n), names, 20000)
    vx.settle()
    h1 = WireHost(procs, exe, nodes[0], "n1", vx.node_ip(1), pki, f1)
    h2 = WireHost(procs, exe, nodes[1], "n2", vx.node_ip(2), pki, f2)
    t0 = min(h1.t0, h2.t0)
    h1.wait_up(n, 300)
    h2.wait_up(n, 300)
    all_up = time.perf_counter() - t0
    attach = (h1.attached, h2.attached)
    ping_until(a, "10.74.0.1", time.perf_counter(), 60)
    time.sleep(2)  # steady state before reading memory
    status = h1.status(), h2.status()

    procs.kill(h2.p)
    h2 = WireHost(procs, exe, nodes[1], "n2", vx.node_ip(2), pki, f2)
    h2.wait_up(n, 300)
    own_up = time.perf_counter() - h2.t0
    resume = ping_until(a, "10.74.0.1", h2.t0, 60)
    with h1.changed:
        h1.changed.wait_for(lambda: h1.up >= n, 60)
    peer_up = h1.up
    for h in (h1, h2):
        procs.kill(h.p)
    return {"all_up": all_up, "attach": attach, "status": status, "restart_own_up": own_up, "resume": resume, "peer_up": peer_up}


def report(args, dp: dict | None, mw: dict | None, load: tuple[str, str]) -> None:
    print(f"\nLoad average before / after: {load[0]} / {load[1]}; kernel {os.uname().release}; {os.cpu_count()} CPUs")
    if dp:
        print(f"\n### gRPC wire: data path (median of {args.repeat}; iperf3 {args.seconds} s; ping {args.pings} echoes "
              f"{args.ping_interval} s apart)\n")
        res = dp["res"]
        print("| path | TCP 1 stream Gbit/s | TCP 4 streams Gbit/s | UDP 64 B kpps | ping p50 µs | ping p99 µs |")
        print("|---|---|---|---|---|---|")
        for name, r in res.items():
            rtt = [x for rep in r["rtt"] for x in rep]
            print(f"| {name} | {statistics.median(r['tcp1']):.2f} | {statistics.median(r['tcp4']):.2f} | "
                  f"{statistics.median(r['udp']) / 1000:.0f} | {pct(rtt, 0.5) * 1000:.0f} | {pct(rtt, 0.99) * 1000:.0f} |")
        g, c = res["grpc-wire"], res["c-relay"]
        crtt = [x for rep in c["rtt"] for x in rep]
        grtt = [x for rep in g["rtt"] for x in rep]
        print(f"\ngrpc-wire / c-relay: TCP 1 stream {statistics.median(g['tcp1']) / statistics.median(c['tcp1']):.2f}x "
              f"(target >= 1.0x), ping p50 {pct(grtt, 0.5) / pct(crtt, 0.5):.2f}x (target <= 1.5x)")
        print("Per repetition TCP 1 stream: " + "; ".join(f"{k} {', '.join(f'{v:.2f}' for v in r['tcp1'])}" for k, r in res.items()))
        print(f"Wire host with 1 wire: RSS {dp['rss1'][0][0] / 1024:.0f} MiB, {dp['rss1'][0][1]} threads")
    if mw:
        (r1, t1), (r2, t2) = mw["status"]
        print(f"\n### gRPC wire: {args.wires} wires between two pods\n")
        print("| measure | value |")
        print("|---|---|")
        print(f"| wire hosts started → all {2 * args.wires} ends with carrier | {mw['all_up']:.2f} s |")
        print(f"| of which attaching {args.wires} ends (TAP open in the pod netns), per host | "
              f"{mw['attach'][0]:.2f} s / {mw['attach'][1]:.2f} s |")
        print(f"| wire host RSS (n1 / n2) | {r1 / 1024:.0f} / {r2 / 1024:.0f} MiB |")
        print(f"| wire host threads (n1 / n2) | {t1} / {t2} |")
        print(f"| kill -9 + restart of n2's host → its {args.wires} ends with carrier | {mw['restart_own_up']:.2f} s |")
        print(f"| kill -9 + restart of n2's host → ping across wire 0 | {mw['resume']:.2f} s |")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", "--repeat", type=int, default=3)
    ap.add_argument("-t", "--seconds", type=int, default=10)
    ap.add_argument("--pings", type=int, default=400)
    ap.add_argument("--ping-interval", type=float, default=0.01)
    ap.add_argument("--wires", type=int, default=1500, help="wires of the scale scenario (0: skip)")
    ap.add_argument("--skip-data-path", action="store_true")
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("run as root", file=sys.stderr)
        return 2

    run_id = secrets.token_hex(2)
    prefix = f"mnbw-{run_id}-"
    work = Path(tempfile.mkdtemp(prefix="meshnet-grpcwire-"))
    procs = Procs()

    def cleanup() -> None:
        procs.stop_all()
        for ns in vx.netns_list():
            if ns.startswith(prefix):
                subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        subprocess.run(["rm", "-rf", str(work)])

    def on_signal(signum, _frame):
        cleanup()
        sys.exit(128 + signum)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        print("building the wire host and the C relay…", file=sys.stderr)
        # Published as build.sh publishes meshnetd: ReadyToRun, so the first seconds are not spent in the JIT.
        vx.run(["dotnet", "publish", str(HERE / "WireHost"), "-c", "Release", "-o", str(work / "wirehost"), "--nologo", "-v", "quiet",
                "-p:PublishReadyToRun=true"])
        exe = work / "wirehost" / "Meshnet.Bench.GrpcWire.dll"
        relay = work / "tap_relay"
        vx.run(["gcc", "-O2", "-pthread", "-o", str(relay), str(HERE / "tap_relay.c")])
        pki = work / "pki"
        load_before = open("/proc/loadavg").read().split()[0]
        _, nodes = vx.build_underlay(prefix)
        if not args.skip_data_path:
            dp = data_path(args, procs, exe, relay, work, prefix, nodes, pki)
            report(args, dp, None, (load_before, open("/proc/loadavg").read().split()[0]))
            sys.stdout.flush()
        if args.wires > 0:
            load_before = open("/proc/loadavg").read().split()[0]
            mw = many_wires(args, procs, exe, work, prefix, nodes, pki)
            report(args, None, mw, (load_before, open("/proc/loadavg").read().split()[0]))
    finally:
        cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
