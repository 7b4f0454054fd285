#!/usr/bin/env python3
"""gRPC wires at scale (issue 10, part 8): 1500 wires between 2 pods on 2 emulated nodes, measured in one run.

For each repetition (the median is reported):
  floor       1500 cross-node links with a /31 on both ends, from nothing, with iproute2 `ip -batch` (the same floor
              as bench/vxlan: namespaces, underlay, then per node one batch creating its devices in its pod, then
              per pod one batch of `link set up` + `addr add`)
  meshnet up  `meshnetctl lab up FILE --nodes 2 --link-type grpc` from nothing until every one of the 3000 TAPs is up
              with carrier (both ends bound by the relays); "ADD -> all up" leaves out the nodes' and daemons' start
  resume      `kill -9` of node 1's meshnetd while traffic could flow, then the daemon restarted (`lab up` again):
              seconds from the restart until every one of the 1500 links answered an ICMP echo (a raw-socket sweep
              inside pod a that re-sends to the links not yet answered every 50 ms), and until all carriers were back
  daemon      node 1's meshnetd with 1500 wires attached: RSS (VmRSS) and threads, after bring-up and after restart
Targets (issue 10): up <= 3x the floor; resume < 5 s; RSS < 250 MiB and < 64 threads.
"""
from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "vxlan"))
import vxbench  # noqa: E402  (its lab, floor and readiness helpers)

SWEEP = r'''
import os, socket, struct, sys, time, select
ips = sys.argv[2:]
deadline = time.monotonic() + float(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
ident = os.getpid() & 0xFFFF
def csum(b):
    t = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    t = (t >> 16) + (t & 0xFFFF); t += t >> 16
    return ~t & 0xFFFF
def echo(seq):
    h = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + b"meshnet-sweep..."
    return struct.pack("!BBHHH", 8, 0, csum(h), ident, seq) + b"meshnet-sweep..."
missing = set(ips)
t0 = time.monotonic()
while missing and time.monotonic() < deadline:
    for ip in list(missing):
        try:
            s.sendto(echo(ips.index(ip) & 0xFFFF), (ip, 0))
        except OSError:
            pass
    until = time.monotonic() + 0.05
    while time.monotonic() < until:
        r, _, _ = select.select([s], [], [], max(0, until - time.monotonic()))
        if not r:
            break
        data, (src, _) = s.recvfrom(2048)
        ihl = (data[0] & 0x0F) * 4
        if data[ihl] == 0 and struct.unpack("!H", data[ihl + 4:ihl + 6])[0] == ident:
            missing.discard(src)
print("%d %.3f" % (len(missing), time.monotonic() - t0))
'''


def sweep(ns: str, ips: list[str], timeout: float) -> tuple[int, float]:
    """(links that never answered, seconds) of an ICMP sweep from inside ns until every address answered."""
    out = vxbench.run(["ip", "netns", "exec", ns, "python3", "-c", SWEEP, str(timeout), *ips])
    missing, took = out.split()
    return int(missing), float(took)


def pin_neighbours(lab: vxbench.Lab, n: int, work: Path) -> None:
    """
    Permanent neighbour entries for every link, both ways. The kernel's ARP table is shared by all namespaces and
    holds 1024 dynamic entries (gc_thresh3, settable only on the host), fewer than 2 x 1500; permanent entries do not
    count, so the sweep measures the wires, not ARP table overflow.
    """
    import json
    macs = {pod: {d["ifname"]: d["address"] for d in json.loads(vxbench.run(["ip", "-n", lab.pod_ns(pod), "-j", "link", "show"]))}
            for pod in ("a", "b")}
    for pod, peer, side in (("a", "b", 1), ("b", "a", 0)):
        lines = [f"neigh replace {vxbench.slash31(k)[side].split('/')[0]} lladdr {macs[peer][f'eth{k + 1}']} dev eth{k + 1} nud permanent"
                 for k in range(n)]
        path = work / f"neigh-{lab.name}-{pod}"
        path.write_text("\n".join(lines) + "\n")
        vxbench.run(["ip", "-n", lab.pod_ns(pod), "-batch", str(path)])


def daemon_stats(lab: vxbench.Lab, node: str) -> tuple[float, int]:
    pid = int((lab.log_dir / node / "meshnetd.pid").read_text().strip())
    status = Path(f"/proc/{pid}/status").read_text().splitlines()
    rss = next(int(line.split()[1]) for line in status if line.startswith("VmRSS")) / 1024
    threads = next(int(line.split()[1]) for line in status if line.startswith("Threads"))
    return rss, threads


def all_carrier(lab: vxbench.Lab, n: int) -> bool:
    return vxbench.ends_ready(lab.pod_ns("a"))[0] == n and vxbench.ends_ready(lab.pod_ns("b"))[0] == n


def one_rep(exe: str, work: Path, run_id: str, run_dir: str, n: int, rep: int, cleanup: vxbench.Cleanup) -> dict:
    lab = vxbench.Lab(exe, f"gw{run_id}-{rep}", work, run_dir, cleanup, link_type="grpc")
    f = work / f"pair-{n}.yaml"
    if not f.exists():
        f.write_text(vxbench.pair_yaml(n))
    t0 = time.perf_counter()
    took, out = lab.up(f)
    while not all_carrier(lab, n):
        if time.perf_counter() - t0 > 600:
            raise RuntimeError(f"lab {lab.name}: not all carriers up after 600 s\n{out}")
        time.sleep(0.02)
    all_up = time.perf_counter() - t0
    nodes_up = [float(line.split()[0]) for line in out.splitlines() if " 2 nodes up" in line]
    peers = [vxbench.slash31(k)[1].split("/")[0] for k in range(n)]
    pin_neighbours(lab, n, work)
    missing, _ = sweep(lab.pod_ns("a"), peers, 30)
    if missing:
        raise RuntimeError(f"lab {lab.name}: {missing} of {n} links do not answer after bring-up")
    stats_up = daemon_stats(lab, "n1")

    pid = int((lab.log_dir / "n1" / "meshnetd.pid").read_text().strip())
    os.kill(pid, signal.SIGKILL)
    time.sleep(1.0)
    t_restart = time.perf_counter()
    restart = subprocess.Popen([exe, "--store", lab.store, "lab", "up", str(f), "--name", lab.name, "--nodes", "2",
                                "--link-type", "grpc"], env=lab.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    missing, _ = sweep(lab.pod_ns("a"), peers, 60)
    resume = time.perf_counter() - t_restart
    carrier = None
    while carrier is None and time.perf_counter() - t_restart < 120:
        if all_carrier(lab, n):
            carrier = time.perf_counter() - t_restart
        else:
            time.sleep(0.02)
    restart_out = restart.communicate()[0]
    if restart.returncode != 0 or missing:
        raise RuntimeError(f"restart of {lab.name}: exit {restart.returncode}, {missing} links silent\n{restart_out}")
    stats_restart = daemon_stats(lab, "n1")
    vxbench.settle()
    lab.down()
    return {"all_up": all_up, "add_to_up": all_up - (nodes_up[0] if nodes_up else 0.0), "resume": resume,
            "carrier": carrier, "rss_up": stats_up[0], "threads_up": stats_up[1],
            "rss_restart": stats_restart[0], "threads_restart": stats_restart[1]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--meshnetctl", default=os.environ.get("MESHNETCTL", "dist/meshnetctl"))
    ap.add_argument("-n", "--repeat", type=int, default=3)
    ap.add_argument("--links", type=int, default=1500)
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("scale: must run as root (it creates network namespaces)", file=sys.stderr)
        return 2
    exe = shutil.which(args.meshnetctl) or os.path.abspath(args.meshnetctl)
    run_id = secrets.token_hex(3)
    prefix = f"mngw-{run_id}-"
    work = Path(tempfile.mkdtemp(prefix=f"gwscale-{run_id}-"))
    run_dir = str(work / "run")
    cleanup = vxbench.Cleanup(exe, run_dir, prefix)
    signal.signal(signal.SIGTERM, lambda s, _f: (_ for _ in ()).throw(KeyboardInterrupt(f"signal {s}")))
    reps, floor = [], []
    try:
        load_before = open("/proc/loadavg").read().split()[:3]
        for rep in range(args.repeat):
            for who in (("floor", "meshnet") if rep % 2 == 0 else ("meshnet", "floor")):
                vxbench.settle()
                if who == "floor":
                    floor.append(vxbench.bringup_floor(work, prefix, args.links, rep)[0])
                else:
                    reps.append(one_rep(exe, work, run_id, run_dir, args.links, rep, cleanup))
            r = reps[-1]
            print(f"  rep {rep + 1}: up {r['all_up']:.2f} s (ADD->up {r['add_to_up']:.2f} s), floor {floor[-1]:.2f} s, "
                  f"resume {r['resume']:.2f} s, carrier {r['carrier']:.2f} s, RSS {r['rss_up']:.0f} MiB, "
                  f"threads {r['threads_up']}", file=sys.stderr)
        load_after = open("/proc/loadavg").read().split()[:3]
    except KeyboardInterrupt as e:
        print(f"scale: interrupted ({e}); cleaning up", file=sys.stderr)
        return 130
    finally:
        cleanup.run()
        shutil.rmtree(work, ignore_errors=True)

    med = lambda key: statistics.median(r[key] for r in reps)  # noqa: E731
    fl = statistics.median(floor)
    print(f"\n{args.links} gRPC wires between 2 pods on 2 emulated nodes, median of {args.repeat} "
          f"(load {' '.join(load_before)} -> {' '.join(load_after)})\n")
    print("| measurement | meshnet | floor (ip -batch) | ratio | target |")
    print("|---|---|---|---|---|")
    print(f"| lab up from nothing, all carriers up | {med('all_up'):.2f} s | {fl:.2f} s | {med('all_up') / fl:.2f}x | |")
    print(f"| ADD -> all up (daemons already started) | {med('add_to_up'):.2f} s | {fl:.2f} s | {med('add_to_up') / fl:.2f}x | <= 3x |")
    print(f"| kill -9 + restart -> echo on all {args.links} links | {med('resume'):.2f} s | | | < 5 s |")
    print(f"| kill -9 + restart -> all carriers up | {med('carrier'):.2f} s | | | |")
    print(f"| daemon RSS / threads after bring-up | {med('rss_up'):.0f} MiB / {med('threads_up'):.0f} | | | < 250 MiB / < 64 |")
    print(f"| daemon RSS / threads after restart | {med('rss_restart'):.0f} MiB / {med('threads_restart'):.0f} | | | < 250 MiB / < 64 |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
