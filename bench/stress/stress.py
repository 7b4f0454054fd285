#!/usr/bin/env python3
"""Stress run for issue 11: races between CNI operations on linked pods, driven as a container runtime drives them
(the chain ptp + host-local + meshnet, each plugin a process with the CNI_* environment, against a running meshnetd on
SQLite, the "host" side in a throwaway namespace). Every trial uses its own pair of pods, each pair joined by
--links veth links, so that what one trial leaves behind cannot be hidden by the next.

Scenarios (N trials each):
  sim-add     chain ADD of both pods of a pair released at the same instant. Checked: both succeed and, once the
              daemon is idle, both pods show every link Up.
  sim-del     both pods running; chain DEL of both released at the same instant. Checked: both succeed, and neither
              pod keeps any status (alive, container id, link rows).
  add-vs-del  one pod running; the meshnet ADD of its peer and the meshnet DEL of the pod released together (the DEL
              0-35 ms later, sweeping the ADD's pass; in whole chains the DEL reaches meshnet long before the ADD),
              then the rest of both chains. Checked: both succeed; the DELeted pod keeps no status; the survivor
              shows its links Pending with no plumbing_error.
  churn       a pool of --pool pairs; 4 workers apply N random operations (ADD in a new sandbox, DEL, a stale DEL with
              an old container id, re-ADD = DEL + ADD in a new sandbox) to distinct pods at the same time. Checked:
              every operation succeeds; at the end a running pod's link is Up when its peer runs and Pending when not,
              and a pod that does not run keeps no status.

After each scenario every pod is DELeted and its namespace removed, and leaks are counted: interfaces (ptp's host
ends left in the host namespace), namespaces (ours still present), store rows (pods still registered as alive) and
stale status rows (link rows on pods that no longer run).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import shutil
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "cni"))
from cnibench import Cleanup, Node, Pod, Timed, add_netns, netns_list, run, settle, topology_docs  # noqa: E402

IDLE = 2.0  # seconds without a new line in the daemon's log = every pass has written its status


class Runtime:
    """The runtime's side for one node: chains, sandboxes, and the cached ADD result DEL gets (as libcni keeps it)."""

    def __init__(self, node: Node, prefix: str):
        self.node, self.prefix = node, prefix
        self.cached: dict[str, str] = {}
        self.lock = threading.Lock()
        self.seq = 0

    def sandbox(self, name: str) -> Pod:
        with self.lock:
            self.seq += 1
            ns = f"{self.prefix}p{self.seq}"
        add_netns(ns)
        return Pod(name, ns, secrets.token_hex(16))

    def remove(self, pod: Pod) -> None:
        run(["ip", "netns", "del", pod.netns])

    def ptp(self, command: str, pod: Pod) -> Timed:
        prev = self.cached.get(pod.container_id) if command == "DEL" else None
        return self.node.exec_plugin(command, pod, self.node.plugin_config(0, prev))

    def meshnet(self, command: str, pod: Pod, prev: str | None = None) -> Timed:
        return self.node.exec_plugin(command, pod, self.node.plugin_config(1, prev or self.cached.get(pod.container_id)))

    def add(self, pod: Pod) -> Timed:
        first = self.ptp("ADD", pod)
        if not first.ok:
            return first
        self.cached[pod.container_id] = first.stdout
        return self.meshnet("ADD", pod, first.stdout)

    def delete(self, pod: Pod) -> Timed:
        mesh = self.meshnet("DEL", pod)
        return mesh if not mesh.ok else self.ptp("DEL", pod)


def together(*ops):
    """Runs each callable on its own thread, released by one barrier; returns their results in order."""
    barrier = threading.Barrier(len(ops))
    results: list = [None] * len(ops)

    def go(i, op):
        barrier.wait()
        try:
            results[i] = op()
        except Exception as e:  # noqa: BLE001 - reported as a failed operation
            results[i] = Timed(False, 0, "", repr(e))
    threads = [threading.Thread(target=go, args=(i, op)) for i, op in enumerate(ops)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def wait_idle(node: Node, timeout: float = 120) -> None:
    """Until the daemon's log has been quiet for IDLE seconds (its passes and status writes are done)."""
    t0 = time.monotonic()
    last = -1
    quiet_since = time.monotonic()
    while time.monotonic() - t0 < timeout:
        size = node.log.stat().st_size
        if size != last:
            last, quiet_since = size, time.monotonic()
        elif time.monotonic() - quiet_since >= IDLE:
            return
        time.sleep(0.1)


def statuses(node: Node, k8s_ns: str) -> dict[str, dict]:
    out = run([str(node.dist / "meshnetctl"), "--store", node.store, "get", "-n", k8s_ns, "-o", "json"])
    doc = json.loads(out)
    return {item["metadata"]["name"]: item.get("status") or {} for item in doc.get("items", [])}


def alive(status: dict) -> bool:
    return bool(status.get("src_ip")) and bool(status.get("net_ns"))


class Scenario:
    def __init__(self, name: str, trials: int):
        self.name, self.trials = name, trials
        self.failures: list[str] = []
        self.stale = self.leaked_intfs = self.leaked_ns = self.leaked_rows = 0
        self.seconds = 0.0

    def check(self, ok: bool, what: str) -> None:
        if not ok:
            self.failures.append(what)

    def op(self, result: Timed, what: str) -> None:
        self.check(result.ok, f"{what}: {(result.stdout or result.stderr).strip()[:300]}")


def pairs_yaml(pairs: list[tuple[str, str]], links: int) -> str:
    docs = []
    for p, (a, b) in enumerate(pairs):
        for k in range(1, links + 1):
            docs.append((p * links + k, a, f"eth{k}", f"10.{k}.0.1/24", b, f"eth{k}", f"10.{k}.0.2/24"))
    return topology_docs(docs)


def sim_add(rt: Runtime, sc: Scenario, links: int, batch: int) -> set[str]:
    running: list[Pod] = []
    for i in range(sc.trials):
        a, b = rt.sandbox(f"a{i}"), rt.sandbox(f"b{i}")
        ra, rb = together(lambda: rt.add(a), lambda: rt.add(b))
        sc.op(ra, f"ADD a{i}")
        sc.op(rb, f"ADD b{i}")
        running += [a, b]
        if len(running) >= 2 * batch or i == sc.trials - 1:
            wait_idle(rt.node)
            st = statuses(rt.node, rt.node.k8s_ns)
            for pod in running:
                ups = [l for l in st[pod.name].get("links", []) if l.get("state") == "Up"]
                sc.check(len(ups) == links, f"{pod.name}: {len(ups)}/{links} links Up")
            for pod in running:
                sc.op(rt.delete(pod), f"DEL {pod.name}")
                rt.remove(pod)
            running.clear()
    return set()


def sim_del(rt: Runtime, sc: Scenario, links: int, batch: int) -> set[str]:
    for i in range(sc.trials):
        a, b = rt.sandbox(f"a{i}"), rt.sandbox(f"b{i}")
        sc.op(rt.add(a), f"ADD a{i}")
        sc.op(rt.add(b), f"ADD b{i}")
        da, db = together(lambda: rt.delete(a), lambda: rt.delete(b))
        sc.op(da, f"DEL a{i}")
        sc.op(db, f"DEL b{i}")
        rt.remove(a)
        rt.remove(b)
    return set()


def add_vs_del(rt: Runtime, sc: Scenario, links: int, batch: int) -> set[str]:
    survivors: list[Pod] = []
    for i in range(sc.trials):
        a, b = rt.sandbox(f"a{i}"), rt.sandbox(f"b{i}")
        sc.op(rt.add(a), f"ADD a{i}")
        first = rt.ptp("ADD", b)
        sc.op(first, f"ptp ADD b{i}")
        rt.cached[b.container_id] = first.stdout
        delay = (i % 8) * 0.005

        def late_del():
            time.sleep(delay)
            return rt.meshnet("DEL", a)
        add_b, del_a = together(lambda: rt.meshnet("ADD", b, first.stdout), late_del)
        sc.op(add_b, f"ADD b{i} while a{i} was DELeted")
        sc.op(del_a, f"DEL a{i}")
        sc.op(rt.ptp("DEL", a), f"ptp DEL a{i}")
        rt.remove(a)
        survivors.append(b)
        if len(survivors) >= batch or i == sc.trials - 1:
            wait_idle(rt.node)
            st = statuses(rt.node, rt.node.k8s_ns)
            for pod in survivors:
                s = st[pod.name]
                bad = [l for l in s.get("links", []) if l.get("state") != "Pending"]
                sc.check(not bad and not s.get("plumbing_error"),
                         f"{pod.name}: links not pending after its peer's DEL: {bad} {s.get('plumbing_error')}")
            for pod in survivors:
                sc.op(rt.delete(pod), f"DEL {pod.name}")
                rt.remove(pod)
            survivors.clear()
    return set()


def churn(rt: Runtime, sc: Scenario, links: int, pool: int, seed: int) -> set[str]:
    names = [n for i in range(pool) for n in (f"a{i}", f"b{i}")]
    current: dict[str, Pod | None] = {n: None for n in names}
    old: dict[str, Pod] = {}
    locks = {n: threading.Lock() for n in names}
    rng = random.Random(seed)
    rng_lock = threading.Lock()
    remaining = [sc.trials]

    def one(name: str, choice: float) -> None:
        pod = current[name]
        if pod is None:
            new = rt.sandbox(name)
            sc.op(rt.add(new), f"ADD {name}")
            current[name] = new
        elif choice < 0.4:
            sc.op(rt.delete(pod), f"DEL {name}")
            rt.remove(pod)
            old[name], current[name] = pod, None
        elif choice < 0.6 and name in old:
            sc.op(rt.meshnet("DEL", old[name]), f"stale DEL {name}")
        else:
            sc.op(rt.delete(pod), f"re-ADD {name}: DEL")
            rt.remove(pod)
            old[name] = pod
            new = rt.sandbox(name)
            sc.op(rt.add(new), f"re-ADD {name}: ADD")
            current[name] = new

    def worker() -> None:
        while True:
            with rng_lock:
                if remaining[0] <= 0:
                    return
                remaining[0] -= 1
                name, choice = rng.choice(names), rng.random()
            with locks[name]:
                one(name, choice)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wait_idle(rt.node)
    st = statuses(rt.node, rt.node.k8s_ns)
    for i in range(pool):
        for me, peer in ((f"a{i}", f"b{i}"), (f"b{i}", f"a{i}")):
            if current[me] is None:
                continue
            want = "Up" if current[peer] is not None else "Pending"
            states = [l.get("state") for l in st[me].get("links", [])]
            sc.check(states == [want] * links, f"{me}: links {states}, want {links} x {want} (peer running: {current[peer] is not None})")
    for name, pod in current.items():
        if pod is not None:
            sc.op(rt.delete(pod), f"DEL {name}")
            rt.remove(pod)
    return set()


def count_leaks(rt: Runtime, sc: Scenario, host_ns: str) -> None:
    wait_idle(rt.node)
    st = statuses(rt.node, rt.node.k8s_ns)
    sc.leaked_rows = sum(1 for s in st.values() if alive(s) or s.get("container_id"))
    sc.stale = sum(len(s.get("links", [])) for s in st.values() if not alive(s))
    sc.leaked_intfs = sum(1 for line in run(["ip", "-n", host_ns, "-o", "link", "show", "type", "veth"]).splitlines() if line.strip())
    sc.leaked_ns = sum(1 for ns in netns_list() if ns.startswith(rt.prefix + "p"))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dist", default=os.environ.get("MESHNET_DIST", "dist"), help="directory with meshnetd, meshnetctl, meshnet")
    ap.add_argument("-n", "--trials", type=int, default=100, help="trials per scenario")
    ap.add_argument("--links", type=int, default=3, help="links per pair of pods")
    ap.add_argument("--pool", type=int, default=10, help="pairs in the churn scenario's pool")
    ap.add_argument("--batch", type=int, default=50, help="trials between state checks (pods kept running until then)")
    ap.add_argument("--scenarios", default="sim-add,sim-del,add-vs-del,churn")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--keep-workdir", action="store_true")
    args = ap.parse_args()

    if os.geteuid() != 0:
        print("stress: must run as root (it creates network namespaces)", file=sys.stderr)
        return 2
    dist = Path(args.dist).resolve()
    for exe in ("meshnetd", "meshnetctl", "meshnet"):
        if not os.access(dist / exe, os.X_OK):
            print(f"stress: {dist / exe} missing (run ./build.sh or pass --dist)", file=sys.stderr)
            return 2

    run_id = secrets.token_hex(3)
    prefix = f"mnst-{run_id}-"
    work = Path(tempfile.mkdtemp(prefix=f"stress-{run_id}-"))
    cleanup = Cleanup(prefix=prefix)

    def on_signal(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)

    host_ns = f"{prefix}host"
    results: list[Scenario] = []
    load_before = open("/proc/loadavg").read().split()[:3]
    try:
        print(f"stress {run_id}: dist = {dist}; workdir = {work}; load {load_before}", file=sys.stderr)
        add_netns(host_ns)
        for name in args.scenarios.split(","):
            k8s_ns = f"stress-{name}"
            node = Node(dist, work / name, host_ns, "10.240.0.0/12", k8s_ns)
            cleanup.nodes.append(node)
            node.start()
            count = args.pool if name == "churn" else args.trials
            node.apply(pairs_yaml([(f"a{i}", f"b{i}") for i in range(count)], args.links))
            rt = Runtime(node, prefix)
            sc = Scenario(name, args.trials)
            t0 = time.perf_counter()
            if name == "sim-add":
                sim_add(rt, sc, args.links, args.batch)
            elif name == "sim-del":
                sim_del(rt, sc, args.links, args.batch)
            elif name == "add-vs-del":
                add_vs_del(rt, sc, args.links, args.batch)
            elif name == "churn":
                churn(rt, sc, args.links, args.pool, args.seed)
            else:
                raise SystemExit(f"unknown scenario {name}")
            count_leaks(rt, sc, host_ns)
            sc.seconds = time.perf_counter() - t0
            node.stop()
            results.append(sc)
            print(f"  {name}: {sc.trials} trials, {len(sc.failures)} failures, {sc.stale} stale status rows, "
                  f"leaks: {sc.leaked_intfs} interfaces, {sc.leaked_ns} namespaces, {sc.leaked_rows} store rows "
                  f"({sc.seconds:.0f} s)", file=sys.stderr)
            for f in sc.failures[:10]:
                print(f"    {f}", file=sys.stderr)
            settle()
    except KeyboardInterrupt as e:
        print(f"stress: interrupted ({e}); cleaning up", file=sys.stderr)
        return 130
    finally:
        cleanup.run()
        if not args.keep_workdir:
            shutil.rmtree(work, ignore_errors=True)

    load_after = open("/proc/loadavg").read().split()[:3]
    print(f"\nStress run {time.strftime('%Y-%m-%d %H:%M')}, {args.links} links per pair, load average "
          f"{' '.join(load_before)} -> {' '.join(load_after)}\n")
    print("| scenario | trials | failures | stale status rows | leaked interfaces | leaked namespaces | leaked store rows | time |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for sc in results:
        print(f"| {sc.name} | {sc.trials} | {len(sc.failures)} | {sc.stale} | {sc.leaked_intfs} | {sc.leaked_ns} | "
              f"{sc.leaked_rows} | {sc.seconds:.0f} s |")
    return 0 if all(not sc.failures and not sc.stale and not sc.leaked_intfs and not sc.leaked_ns and not sc.leaked_rows
                    for sc in results) else 1


if __name__ == "__main__":
    sys.exit(main())
