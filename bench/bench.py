# SPDX-License-Identifier: BSD-3-Clause
"""The benchmark behind bench/run.

Five parts, each written to results/bench-<date>/:

throughput  dpdk-testpmd, io forwarding between two ports, one forwarding
            lcore (core 1), bursts of 32, a fixed number of mbufs; every
            variant (the bare net_null, and net_failover, net_failsafe and
            net_bonding active-backup over the same sub-devices) runs in its
            own testpmd, the variants interleaved round after round
            (A B C ... A B C ...) so that a slow spell of this shared machine
            hits all of them. The rate is the packets testpmd counted on the
            two forwarding ports over the same window for every variant
            (testpmd's own Tx-pps, read in slices, is kept as well), and how
            much of core 1 the forwarding lcore really had meanwhile.
switchover  tests/fo_functional under continuous traffic: the primary
            (net_null) removed, the time to the first packet on the standby
            (virtio-user against net_vhost), packets lost, and the time from
            the probe of the returning primary to the first packet on it.
readopt     tests/fo_functional --cycles: remove and re-add the primary many
            times (net_null, and virtio-user), the median and the maximum
            time from probe to the first packet on the returning primary.
callgrind   bench/fo_burst_cost under valgrind: instructions per burst and
            per packet, direct and through each PMD, and as queues (1, 2,
            4) and failover instances (1, 2, 4, 8) grow.
native      bench/fo_burst_cost without valgrind on core 1: TSC cycles per
            burst of the same loops, every group in each run.
"""
import argparse
import csv
import datetime
import os
import pathlib
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import pexpect

TOP = pathlib.Path(__file__).resolve().parent.parent
# devtools/setup builds there too (a DPDK of its own has its own build)
BUILD = pathlib.Path(os.environ.get("FO_BUILD", TOP / "build"))
sys.path.insert(0, str(TOP / "devtools"))
from plugin_path import loadable  # noqa: E402

TESTPMD = shutil.which("dpdk-testpmd") or "/usr/bin/dpdk-testpmd"
HARNESS = BUILD / "tests/fo_functional"
COST_SRC = TOP / "bench/fo_burst_cost.c"
COST_BIN = BUILD / "bench/fo_burst_cost"

# What the project aims at, as a ratio of direct (see
# doc/guides/perf/failover_perf.rst).
TARGETS = {
    "failover/null-idle": 0.98,
    "bonding-ab/null-idle": 0.97,
    "failsafe/null-idle": 0.86,
    "failover/ring-idle": 0.965,
    "failsafe/ring-idle": 0.78,
}

# the window is read every SLICE seconds
SLICE = 0.5

TESTPMD_OPTS = ["--forward-mode=io", "--port-topology=paired",
                "--nb-cores=1", "--burst=32", "--total-num-mbufs=8192",
                # without it every start drains the endless net_null RX
                "--no-flush-rx"]


# --huge: hugepages (unlinked, nothing left in /dev/hugepages) instead of
# --no-huge. Without hugepages, mempools keep each object within a 4 KiB page:
# every mbuf header sits at the same page offset, in the same set of the L1
# data cache, and each pass over a burst's mbufs misses in L1.
HUGE = False


def eal(prefix, lcores="0-1", mem=256):
    return (["--in-memory"] if HUGE else ["--no-huge"]) + [
        "-m", str(mem), "--no-pci", "-l", lcores, "--file-prefix", prefix]


# -- throughput variants ----------------------------------------------------
#
# Each variant gives two ports to forward between. Its sub-devices are
# numbered per port: k = 0 for the first port, 1 for the second.

def _pairs(fn):
    return [a for k in (0, 1) for a in fn(k)]


def v_direct(ctx):
    return _pairs(lambda k: ["--vdev", "net_null%d" % k])


def _fo(ctx, standby, primary_active=True):
    def port(k):
        return ["--vdev", "net_null%d" % (2 * k), "--vdev",
                "net_failover%d,primary=net_null%d,standby=%s" %
                (k, 2 * k, standby(k))]
    return _pairs(port)


def v_fo_null(ctx):
    return ["--vdev", "net_null1,no-rx=1", "--vdev", "net_null3,no-rx=1"] + \
        _fo(ctx, lambda k: "net_null%d" % (2 * k + 1))


def v_fo_ring(ctx):
    return ["--vdev", "net_ring0", "--vdev", "net_ring1"] + \
        _fo(ctx, lambda k: "net_ring%d" % k)


def v_fo_virtio(ctx):
    return _fo(ctx, lambda k: "(net_virtio_user%d,path=%s,queues=1)" %
               (k, ctx["sock"](k)))


def v_fo_standby(ctx):
    # both sub-devices receive; the primary is detached before the start
    return ["--vdev", "net_null1", "--vdev", "net_null3"] + \
        _fo(ctx, lambda k: "net_null%d" % (2 * k + 1))


def _fs(ctx, second):
    return _pairs(lambda k: [
        "--vdev", "net_failsafe%d,dev(net_null%d),dev(%s)" %
        (k, 2 * k, second(k))])


def v_fs_null(ctx):
    return _fs(ctx, lambda k: "net_null%d,no-rx=1" % (2 * k + 1))


def v_fs_ring(ctx):
    return _fs(ctx, lambda k: "net_ring%d" % k)


def v_fs_virtio(ctx):
    return _fs(ctx, lambda k: "net_virtio_user%d,path=%s,queues=1" %
               (k, ctx["sock"](k)))


def v_fs_standby(ctx):
    # the preferred sub-device is a PCI address that does not exist (the
    # PCI bus is off): fail-safe runs on the second and re-probes the
    # first every 2 s from the control thread
    return _pairs(lambda k: [
        "--vdev", "net_failsafe%d,dev(0000:00:1f.%d),dev(net_null%d)" %
        (k, 6 + k, 2 * k + 1)])


def _dpdk_version():
    """The DPDK the PMD is built against, as (year, month)."""
    out = subprocess.run(["pkg-config", "--modversion", "libdpdk"],
                         capture_output=True, text=True).stdout.strip()
    m = re.match(r"(\d+)\.(\d+)", out)
    return (int(m.group(1)), int(m.group(2))) if m else (0, 0)


# net_bonding's member devarg: "slave" until 23.11 renamed it
BOND_MEMBER = "member" if _dpdk_version() >= (23, 11) else "slave"


def _bond(ctx, second, second_args):
    return _pairs(lambda k: [
        "--vdev", "net_null%d" % (2 * k),
        "--vdev", second(k) + second_args(k),
        "--vdev", "net_bonding%d,mode=1,%s=net_null%d,%s=%s,"
        "primary=net_null%d" % (k, BOND_MEMBER, 2 * k, BOND_MEMBER,
                                second(k), 2 * k)])


def v_bond_null(ctx):
    return _bond(ctx, lambda k: "net_null%d" % (2 * k + 1),
                 lambda k: ",no-rx=1")


def v_bond_ring(ctx):
    return _bond(ctx, lambda k: "net_ring%d" % k, lambda k: "")


def v_bond_standby(ctx):
    # the primary member is gone: one member, the standby
    return _pairs(lambda k: [
        "--vdev", "net_null%d" % (2 * k + 1),
        "--vdev", "net_bonding%d,mode=1,%s=net_null%d" %
        (k, BOND_MEMBER, 2 * k + 1)])


# name, driver of the forwarding ports, vdevs, needs a vhost backend,
# commands before start, group
VARIANTS = [
    ("direct", "net_null", v_direct, False, [], "primary"),
    ("failover/null-idle", "net_failover", v_fo_null, False, [], "primary"),
    ("failover/ring-idle", "net_failover", v_fo_ring, False, [], "primary"),
    ("failover/virtio-idle", "net_failover", v_fo_virtio, True, [],
     "primary"),
    ("failsafe/null-idle", "net_failsafe", v_fs_null, False, [], "primary"),
    ("failsafe/ring-idle", "net_failsafe", v_fs_ring, False, [], "primary"),
    ("failsafe/virtio-idle", "net_failsafe", v_fs_virtio, True, [],
     "primary"),
    ("bonding-ab/null-idle", "net_bonding", v_bond_null, False, [],
     "primary"),
    ("bonding-ab/ring-idle", "net_bonding", v_bond_ring, False, [],
     "primary"),
    ("failover/standby-tx", "net_failover", v_fo_standby, False,
     ["device detach net_null0", "device detach net_null2"], "standby"),
    ("failsafe/standby-tx", "net_failsafe", v_fs_standby, False, [],
     "standby"),
    ("bonding-ab/standby-tx", "net_bonding", v_bond_standby, False, [],
     "standby"),
]

DESCRIPTION = {
    "direct": "net_null, 2 ports (the baseline)",
    "failover/null-idle": "net_failover: primary net_null, standby "
    "net_null,no-rx=1",
    "failover/ring-idle": "net_failover: primary net_null, standby idle "
    "net_ring",
    "failover/virtio-idle": "net_failover: primary net_null, standby "
    "virtio-user, connected, idle",
    "failsafe/null-idle": "net_failsafe: dev(net_null), dev(net_null,"
    "no-rx=1)",
    "failsafe/ring-idle": "net_failsafe: dev(net_null), dev(idle net_ring)",
    "failsafe/virtio-idle": "net_failsafe: dev(net_null), dev(idle "
    "virtio-user)",
    "bonding-ab/null-idle": "net_bonding mode=1: net_null, net_null,"
    "no-rx=1",
    "bonding-ab/ring-idle": "net_bonding mode=1: net_null, idle net_ring",
    "failover/standby-tx": "net_failover: primary detached, standby "
    "net_null carries the traffic",
    "failsafe/standby-tx": "net_failsafe: first dev absent, second "
    "net_null carries the traffic",
    "bonding-ab/standby-tx": "net_bonding mode=1: the remaining member "
    "net_null carries the traffic",
}


# -- a testpmd through a pty --------------------------------------------------

PROMPT = "testpmd> "
# a log line from another thread may land inside the prompt, which
# librte_cmdline writes one character at a time
PROMPT_RE = re.compile(r"((?:[^\n]{0,400}\n){0,8}?)".join(
    re.escape(c) for c in PROMPT))
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class Testpmd:
    def __init__(self, args, logfile):
        self.log = open(logfile, "w")
        self.child = pexpect.spawn(TESTPMD, args, encoding="utf-8",
                                   codec_errors="replace", timeout=60,
                                   dimensions=(200, 400), echo=False)
        self.child.logfile_read = self.log
        self.startup = self._prompt(90)

    def _prompt(self, timeout):
        self.child.expect(PROMPT_RE, timeout=timeout, searchwindowsize=8192)
        out = self.child.before + "".join(self.child.match.groups())
        return ANSI.sub("", out).replace("\r", "")

    def cmd(self, line, timeout=60):
        self.child.sendline(line)
        return self._prompt(timeout)

    def close(self):
        try:
            if self.child.isalive():
                self.child.sendline("quit")
                self.child.expect(pexpect.EOF, timeout=30)
        except (pexpect.TIMEOUT, pexpect.EOF, OSError):
            pass
        if self.child.isalive():
            self.child.kill(9)
        self.child.close(force=True)
        self.log.close()

    def ports(self):
        out = self.cmd("show port summary all")
        return [(int(m.group(1)), m.group(2), m.group(3)) for m in
                re.finditer(r"^(\d+)\s+\S+\s+(\S+)\s+(\S+)\s+(?:up|down)",
                            out, re.M)]

    def stats(self, port):
        out = self.cmd("show port stats %d" % port)
        get = {k: int(v) for k, v in
               re.findall(r"([A-Za-z][A-Za-z-]*):\s+(\d+)", out)}
        return get


def worker_ticks(pid):
    """CPU time (clock ticks) of testpmd's forwarding lcore thread."""
    for task in pathlib.Path("/proc/%d/task" % pid).iterdir():
        try:
            if (task / "comm").read_text().strip() in ("lcore-worker-1",
                                                       "rte-worker-1"):
                f = (task / "stat").read_text().rsplit(")", 1)[1].split()
                return int(f[11]) + int(f[12])
        except OSError:
            continue
    return None


def cpu_times(cpu=1):
    """(steal, total) clock ticks of one CPU, from /proc/stat."""
    for line in open("/proc/stat"):
        if line.startswith("cpu%d " % cpu):
            v = [int(x) for x in line.split()[1:]]
            return v[7], sum(v[:8])
    return 0, 0


def run_variant(args, out, rnd, idx, name, driver, vdevs_fn, backend,
                pre, seconds, warmup):
    """One testpmd run of a variant; returns a dict for the CSV."""
    tag = "r%d-%02d-%s" % (rnd, idx, name.replace("/", "_"))
    logs = out / "logs"
    rundir = pathlib.Path(tempfile.mkdtemp(prefix="fo-bench-",
                                           dir="/var/tmp"))
    ctx = {"sock": lambda k: "%s/v%d.sock" % (rundir, k)}
    prefix = "fob%d_%d_%d" % (os.getpid(), rnd, idx)
    row = {"round": rnd, "variant": name, "mpps": "", "mpps_port_a": "",
           "mpps_port_b": "", "mpps_testpmd": "", "mpps_best_slice": "",
           "fwd_cpu_share": "", "cpu1_steal": "", "tx_errors": "",
           "note": ""}
    back = tp = None
    try:
        if backend:
            # the vhost-user side of the virtio-user standbys: a testpmd
            # that is configured (its sockets listen) but never started,
            # so nothing arrives on the standbys
            back = Testpmd(eal(prefix + "b", mem=256) + [
                "--vdev", "net_vhost0,iface=%s,queues=1" % ctx["sock"](0),
                "--vdev", "net_vhost1,iface=%s,queues=1" % ctx["sock"](1),
                "--log-level", "lib.vhost.config:warning",
                "--", "-i", "--total-num-mbufs=2048", "--no-flush-rx"],
                logs / (tag + "-backend.log"))
        tp = Testpmd(eal(prefix) + ["-d", str(args.pmd),
                                    "--log-level", "pmd.net.failover*:info"] +
                     vdevs_fn(ctx) + ["--", "-i"] + TESTPMD_OPTS,
                     logs / (tag + ".log"))
        for c in pre:
            o = tp.cmd(c)
            if "is detached" not in o:
                raise RuntimeError("%r: %s" % (c, o.strip()[-300:]))
        fwd = [p for p, _, drv in tp.ports() if drv == driver]
        if len(fwd) != 2:
            raise RuntimeError("expected 2 %s ports, got %r" %
                               (driver, tp.ports()))
        tp.cmd("set portlist %d,%d" % tuple(fwd))
        if backend:
            # connected: net_vhost reports its link up once the
            # virtio-user driver is ready on the other side
            up = []
            deadline = time.monotonic() + 10
            while True:
                out_ = back.cmd("show port summary all")
                up = re.findall(r"^\d+\s+\S+\s+net_vhost\d\s+\S+\s+up",
                                out_, re.M)
                if len(up) == 2 or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            if len(up) != 2:
                raise RuntimeError("virtio-user standbys not connected "
                                   "(%d of 2 vhost links up)" % len(up))
        tp.cmd("start")
        time.sleep(warmup)
        # the window, read in slices: testpmd's Tx-pps of each read is the
        # rate since the previous read of that port (its own TSC)
        before = [tp.stats(p) for p in fwd]
        t0 = time.monotonic()
        w0, c0 = worker_ticks(tp.child.pid), cpu_times()
        nsub = max(1, int(round(seconds / SLICE)))
        slices = []
        for i in range(nsub):
            time.sleep(max(0.0, t0 + (i + 1) * seconds / nsub -
                           time.monotonic()))
            after = [tp.stats(p) for p in fwd]
            slices.append([a.get("Tx-pps", 0) for a in after])
        t1 = time.monotonic()
        w1, c1 = worker_ticks(tp.child.pid), cpu_times()
        tp.cmd("stop")
        # how much of core 1 the forwarding lcore really had: other
        # programs on this machine, and the hypervisor (steal), take the
        # rest
        hz = os.sysconf("SC_CLK_TCK")
        if w0 is not None and w1 is not None:
            row["fwd_cpu_share"] = "%.3f" % ((w1 - w0) / hz / (t1 - t0))
        if c1[1] > c0[1]:
            row["cpu1_steal"] = "%.3f" % ((c1[0] - c0[0]) / (c1[1] - c0[1]))
        sent = [a["TX-packets"] - b["TX-packets"]
                for a, b in zip(after, before)]
        # the whole window: packets over time, per port and both ports
        row["mpps_port_a"] = "%.3f" % (sent[0] / (t1 - t0) / 1e6)
        row["mpps_port_b"] = "%.3f" % (sent[1] / (t1 - t0) / 1e6)
        row["mpps"] = "%.3f" % (sum(sent) / (t1 - t0) / 1e6)
        # testpmd's own rates, averaged over the slices, and the best slice
        # (another program on the cores only ever lowers a slice)
        row["mpps_testpmd"] = "%.3f" % (statistics.mean(
            sum(x) for x in slices) / 1e6)
        row["mpps_best_slice"] = "%.3f" % (max(sum(x) for x in slices) /
                                           1e6)
        pps = slices[-1]
        row["tx_errors"] = sum(a.get("TX-errors", 0) for a in after)
        log = open(logs / (tag + ".log")).read()
        if driver == "net_failover":
            want = ("TX on standby" if name.endswith("standby-tx") else
                    "TX on primary")
            if want not in log:
                row["note"] = "no '%s' in the log" % want
        if backend:
            bst = [back.stats(p) for p in (0, 1)]
            rx = sum(s.get("RX-packets", 0) for s in bst)
            if rx:
                row["note"] = "the standby transmitted %d packets" % rx
        if min(pps) == 0 or min(sent) == 0:
            raise RuntimeError("a port forwarded nothing")
    except (RuntimeError, pexpect.TIMEOUT, pexpect.EOF, KeyError) as e:
        if isinstance(e, (pexpect.EOF, pexpect.TIMEOUT)):
            # a testpmd died or hung: say what it printed last
            last = ""
            for f in (tag + ".log", tag + "-backend.log"):
                try:
                    lines = [l.strip() for l in open(logs / f,
                                                     errors="replace")
                             if l.strip()]
                except OSError:
                    continue
                if lines:
                    last = "%s: %s" % (f, lines[-1])
                    if "rror" in last or "annot" in last:
                        break
            why = "testpmd %s; %s" % ("exited" if isinstance(
                e, pexpect.EOF) else "timed out", last)
        else:
            why = str(e).splitlines()[0] if str(e) else type(e).__name__
        row["note"] = "FAILED: %s" % why[:300]
        row["mpps"] = ""
    finally:
        if tp is not None:
            tp.close()
        if back is not None:
            back.close()
        shutil.rmtree(rundir, ignore_errors=True)
    return row


def throughput(args, out):
    runs = []
    variants = [v for v in VARIANTS
                if not args.variants or v[0] in args.variants or
                v[0] == "direct"]
    print("throughput: %d variants x %d rounds, %.1f s window after %.1f s "
          "warm-up, interleaved" % (len(variants), args.rounds,
                                    args.seconds, args.warmup), flush=True)
    for rnd in range(1, args.rounds + 1):
        for idx, (name, driver, fn, backend, pre, _) in enumerate(variants):
            row = run_variant(args, out, rnd, idx, name, driver, fn,
                              backend, pre, args.seconds, args.warmup)
            runs.append(row)
            print("  round %d  %-24s %8s Mpps  (lcore had %s of core 1, "
                  "steal %s) %s" % (rnd, name, row["mpps"] or "-",
                                    row["fwd_cpu_share"] or "-",
                                    row["cpu1_steal"] or "-", row["note"]),
                  flush=True)
    with open(out / "throughput_runs.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(runs[0]))
        w.writeheader()
        w.writerows(runs)

    # direct in the same round, for per-round ratios
    direct = {r["round"]: float(r["mpps"]) for r in runs
              if r["variant"] == "direct" and r["mpps"]}
    dmed = statistics.median(direct.values()) if direct else None

    def norm(r):
        # packets per second of CPU time the forwarding lcore really had
        return float(r["mpps"]) / float(r["fwd_cpu_share"]) \
            if r["fwd_cpu_share"] and float(r["fwd_cpu_share"]) > 0 else None
    dnorm = [norm(r) for r in runs if r["variant"] == "direct" and
             r["mpps"] and norm(r)]
    dnorm = statistics.median(dnorm) if dnorm else None
    dbest = max([float(r["mpps_best_slice"]) for r in runs
                 if r["variant"] == "direct" and r["mpps"]] or [0]) or None
    summary = []
    for name, _, _, _, _, group in variants:
        vals = [float(r["mpps"]) for r in runs
                if r["variant"] == name and r["mpps"]]
        notes = sorted({r["note"] for r in runs
                        if r["variant"] == name and r["note"]})
        rr = [float(r["mpps"]) / direct[r["round"]] for r in runs
              if r["variant"] == name and r["mpps"] and
              r["round"] in direct]
        best = [float(r["mpps_best_slice"]) for r in runs
                if r["variant"] == name and r["mpps"]]
        share = [float(r["fwd_cpu_share"]) for r in runs
                 if r["variant"] == name and r["fwd_cpu_share"]]
        s = {"variant": name, "group": group, "runs": len(vals),
             "median_mpps": "", "min_mpps": "", "max_mpps": "",
             "ratio": "", "ratio_round_median": "", "ratio_round_min": "",
             "ratio_round_max": "", "best_slice_mpps": "",
             "ratio_best_slice": "",
             "min_fwd_cpu_share": "%.2f" % min(share) if share else "",
             "ratio_cpu_normalised": "",
             "target": TARGETS.get(name, ""),
             "description": DESCRIPTION[name], "notes": "; ".join(notes)}
        if vals:
            s["median_mpps"] = "%.3f" % statistics.median(vals)
            s["min_mpps"] = "%.3f" % min(vals)
            s["max_mpps"] = "%.3f" % max(vals)
            if dmed:
                s["ratio"] = "%.3f" % (statistics.median(vals) / dmed)
        nv = [norm(r) for r in runs if r["variant"] == name and
              r["mpps"] and norm(r)]
        if nv and dnorm:
            s["ratio_cpu_normalised"] = "%.3f" % (statistics.median(nv) /
                                                  dnorm)
        if best:
            s["best_slice_mpps"] = "%.3f" % max(best)
            if dbest:
                s["ratio_best_slice"] = "%.3f" % (max(best) / dbest)
        if rr:
            s["ratio_round_median"] = "%.3f" % statistics.median(rr)
            s["ratio_round_min"] = "%.3f" % min(rr)
            s["ratio_round_max"] = "%.3f" % max(rr)
        summary.append(s)
    with open(out / "throughput_summary.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(summary[0]))
        w.writeheader()
        w.writerows(summary)
    chart(summary, out / "throughput.png", args)
    return summary


def chart(summary, path, args):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("  (no matplotlib: no chart; apt-get install "
              "python3-matplotlib)")
        return
    rows = [s for s in summary if s["ratio"]]
    names = [s["variant"] for s in rows][::-1]
    ratio = [float(s["ratio"]) for s in rows][::-1]
    lo = [float(s["ratio"]) - float(s["ratio_round_min"] or s["ratio"])
          for s in rows][::-1]
    hi = [float(s["ratio_round_max"] or s["ratio"]) - float(s["ratio"])
          for s in rows][::-1]
    colours = {"direct": "#888888", "failover": "#1f77b4",
               "failsafe": "#ff7f0e", "bonding-ab": "#2ca02c"}
    fig, ax = plt.subplots(figsize=(9, 0.45 * len(rows) + 1.6))
    y = range(len(rows))
    ax.barh(y, ratio, xerr=[[max(0, v) for v in lo], [max(0, v) for v in hi]],
            color=[colours.get(n.split("/")[0], "#999999") for n in names],
            capsize=3)
    best = [float(s["ratio_best_slice"] or 0) for s in rows][::-1]
    ax.plot(best, list(y), "kx", markersize=5,
            label="best 0.5-s slice / best direct slice")
    for i, n in enumerate(names):
        if n in TARGETS:
            ax.plot([TARGETS[n]] * 2, [i - 0.4, i + 0.4], color="red",
                    linewidth=2)
        ax.text(0.01, i, "%.3f" % ratio[i], va="center", color="white",
                fontsize=8)
    ax.set_yticks(list(y))
    ax.set_yticklabels(names, fontsize=8)
    ax.set_xlim(0, max(1.1, max(ratio) + max(hi + [0]) + 0.02,
                       max(best) + 0.02))
    ax.legend(loc="lower right", fontsize=7)
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.set_xlabel("throughput / direct (median of %d rounds; bars: "
                  "min-max of per-round ratios; red: target)" % args.rounds,
                  fontsize=8)
    ax.set_title("testpmd io forwarding, 2 ports, 1 lcore, burst 32 "
                 "(%s)" % datetime.date.today().isoformat(), fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# -- switchover and re-adoption ----------------------------------------------

def run_prog(cmd, timeout):
    """Run one of the programs: (exit code, output). A program that
    outlives @timeout is killed (it is ours) and reported with code
    "timeout", with what it printed until then."""
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=timeout)
        return p.returncode, p.stdout.decode(errors="replace")
    except subprocess.TimeoutExpired as e:
        out = e.stdout or b""
        if isinstance(out, bytes):
            out = out.decode(errors="replace")
        return "timeout after %d s" % timeout, out


def kv(text):
    return dict(l.split("=", 1) for l in text.splitlines()
                if "=" in l and " " not in l.split("=", 1)[0])


def switchover(args, out):
    vias = ["rmv", "dev-event", "destroy"]
    rows = []
    print("switchover: %d runs of tests/fo_functional (null primary, "
          "virtio-user standby, %d pps; removal, then re-plug)" %
          (args.switch_runs, args.rate), flush=True)
    for i in range(args.switch_runs):
        via = vias[i % len(vias)]
        rundir = pathlib.Path(tempfile.mkdtemp(prefix="fo-bench-",
                                               dir="/var/tmp"))
        sock = rundir / "vhost.sock"
        n = args.switch_packets
        # the lcores of tests/test_functional.py: main on core 0, the
        # vhost peer and the worker share core 1
        cmd = [str(args.harness)] + eal("fobs%d_%d" % (os.getpid(), i),
                                   mem=512)
        cmd[cmd.index("-l"):cmd.index("-l") + 2] = ["--lcores",
                                                    "0@0,1@1,2@1"]
        cmd += ["-d", str(args.pmd), "--log-level", "pmd.net.failover*:info",
                "--vdev", "net_null0",
                "--vdev", "net_vhost0,iface=%s,queues=1" % sock, "--",
                "--create", "net_failover0,standby=(net_virtio_user0,"
                "path=%s,queues=1),primary=net_null0" % sock,
                "--primary", "net_null0", "--standby", "net_virtio_user0",
                "--peer", "net_vhost0", "--remove-via", via,
                "--packets", str(n), "--remove-at", str(n // 3),
                "--readd-at", str(n * 2 // 3), "--primary-args", "net_null0",
                "--rate", str(args.rate)]
        rc, text = run_prog(cmd, 60)
        shutil.rmtree(rundir, ignore_errors=True)
        (out / "logs" / ("switchover-%02d-%s.log" % (i, via))).write_text(
            text)
        r = kv(text)
        row = {"run": i, "via": via, "switch_us": r.get("switch_us", ""),
               "released_us": r.get("released_us", ""),
               "readopt_us": r.get("readopt_us", ""), "sent": "",
               "lost": "", "dropped": r.get("fo_oerrors", ""), "note": ""}
        try:
            sent = int(r["sent"])
            standby = int(r["standby_opackets"])
            again = int(r["primary_opackets_end"])
            first = int(r["fo_opackets"]) - standby - again
            peer = int(r["peer_received"])
            row["sent"] = sent
            # what neither the primary (before and after) nor the standby's
            # peer got
            row["lost"] = sent - first - peer - again
        except (KeyError, ValueError):
            pass
        if rc != 0 or r.get("done") != "1" or "error" in r:
            row["note"] = "FAILED: %s" % r.get("error", "exit %s" % rc)
        rows.append(row)
        print("  %2d %-9s switch %6s us  released %6s us  re-adopted %6s us"
              "  lost %s %s" % (i, via, row["switch_us"] or "-",
                                row["released_us"] or "-",
                                row["readopt_us"] or "-", row["lost"],
                                row["note"]), flush=True)
    with open(out / "switchover.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return rows


def readopt(args, out):
    print("re-adoption: tests/fo_functional --cycles (%d on net_null, %d "
          "on virtio-user)" % (args.cycles, args.virtio_cycles), flush=True)
    rows = []
    rundir = pathlib.Path(tempfile.mkdtemp(prefix="fo-bench-",
                                           dir="/var/tmp"))
    mac = "02:fa:00:00:00:10"
    s, pr = rundir / "s.sock", rundir / "p.sock"
    primary = "net_virtio_user1,path=%s,queues=1,mac=%s,cq=1" % (pr, mac)
    cases = [
        ("net_null, 2 queues, rmv/dev-event/destroy", "0@0,1@1,2@1,3@0",
         ["net_null0", "net_null1,no-rx=1",
          "net_failover0,standby=net_null1,primary=net_null0"],
         ["--primary", "net_null0", "--standby", "net_null1",
          "--primary-args", "net_null0", "--queues", "2",
          "--cycles", str(args.cycles), "--packets", str(10 ** 12),
          "--settings", "mtu,mac,rss,reta"], args.cycles,
         30 + args.cycles // 10),
        ("virtio-user, 1 queue, rmv/dev-event", "0@0,1@1,2@1",
         ["net_vhost0,iface=%s,queues=1" % s,
          "net_vhost1,iface=%s,queues=1" % pr],
         ["--create", "net_failover0,standby=(net_virtio_user0,path=%s,"
          "queues=1,mac=%s,cq=1),primary=(%s)" % (s, mac, primary),
          "--primary", "net_virtio_user1", "--standby", "net_virtio_user0",
          "--peer", "net_vhost0", "--extra-peer", "net_vhost1",
          "--primary-args", primary, "--vias", "rmv,dev-event",
          "--cycles", str(args.virtio_cycles), "--packets", str(10 ** 12),
          "--settings", "mtu,promisc"], args.virtio_cycles,
         30 + args.virtio_cycles // 2),
    ]
    for i, (name, lcores, vdevs, hargs, cycles, limit) in enumerate(cases):
        if cycles == 0:
            continue
        cmd = [str(args.harness)] + eal("fobr%d_%d" % (os.getpid(), i), mem=512)
        cmd[cmd.index("-l"):cmd.index("-l") + 2] = ["--lcores", lcores]
        cmd += ["-d", str(args.pmd)]
        for v in vdevs:
            cmd += ["--vdev", v]
        rc, text = run_prog(cmd + ["--"] + hargs, limit)
        (out / "logs" / ("readopt-%d.log" % i)).write_text(text)
        r = kv(text)
        row = {"case": name, "cycles": r.get("cycles_verified", ""),
               "readopt_us_median": r.get("readopt_us_median", ""),
               "readopt_us_max": r.get("readopt_us_max", ""), "note": ""}
        if rc != 0 or "error" in r:
            row["note"] = "FAILED: %s" % r.get("error", "exit %s" % rc)
        rows.append(row)
        print("  %-42s %5s cycles  median %6s us  max %6s us %s" % (
            name, row["cycles"], row["readopt_us_median"],
            row["readopt_us_max"], row["note"]), flush=True)
    shutil.rmtree(rundir, ignore_errors=True)
    with open(out / "readopt.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return rows


# -- callgrind ---------------------------------------------------------------

def build_cost(args):
    """Compile bench/fo_burst_cost.c into the build folder if it changed,
    and use a copy of it in the results' bin/."""
    if getattr(args, "cost_bin", None) is not None:
        return
    COST_BIN.parent.mkdir(parents=True, exist_ok=True)
    if (not COST_BIN.exists() or
            COST_BIN.stat().st_mtime < COST_SRC.stat().st_mtime):
        flags = subprocess.run(["pkg-config", "--cflags", "--libs",
                                "libdpdk"], stdout=subprocess.PIPE,
                               text=True, check=True).stdout.split()
        subprocess.run(["gcc", "-O2", "-g", "-Wall", "-Wextra", "-o",
                        str(COST_BIN), str(COST_SRC)] + flags, check=True)
    args.cost_bin = args.bindir / COST_BIN.name
    shutil.copy2(COST_BIN, args.cost_bin)


ANNOT_RE = re.compile(r"^\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+(\S+?):(\S+)\s+\[")


def annotate(path, inclusive):
    """{function: Ir} from callgrind_annotate."""
    cmd = ["callgrind_annotate", "--threshold=100", "--auto=no"]
    if inclusive:
        cmd.append("--inclusive=yes")
    outp = subprocess.run(cmd + [str(path)], stdout=subprocess.PIPE,
                          text=True, check=True).stdout
    res = {}
    for line in outp.splitlines():
        m = ANNOT_RE.match(line)
        if m:
            # a function with inlined code is listed once per source file:
            # its self cost is the sum, its inclusive cost the largest
            fn, ir = m.group(3), int(m.group(1).replace(",", ""))
            res[fn] = max(res.get(fn, 0), ir) if inclusive else \
                res.get(fn, 0) + ir
        elif "PROGRAM TOTALS" in line:
            res["__total__"] = int(line.split()[0].replace(",", ""))
    return res


def cg_process(args, out, tag, vdevs, groups, detach=()):
    cgdir = out / "callgrind"
    cgdir.mkdir(exist_ok=True)
    base = cgdir / ("%s.out" % tag)
    for old in cgdir.glob("%s.out*" % tag):
        old.unlink()
    cmd = ["valgrind", "--tool=callgrind", "--separate-threads=yes",
           "--callgrind-out-file=%s" % base, str(args.cost_bin)]
    cmd += eal("fobc%d_%s" % (os.getpid(), tag), lcores="0", mem=128)
    cmd += ["-d", str(args.pmd)]
    for v in vdevs:
        cmd += ["--vdev", v]
    cmd += ["--", "--rounds", str(args.cg_rounds)]
    for d in detach:
        cmd += ["--detach", d]
    for name, q, ports in groups:
        cmd += ["--group", "%s:%d:%s" % (name, q, ",".join(ports))]
    rc, text = run_prog(cmd, 600)
    (out / "logs" / ("callgrind-%s.log" % tag)).write_text(text)
    counts = {}
    for m in re.finditer(r"^group=(\S+) queues=(\d+) ports=(\d+) "
                         r"bursts=(\d+) rx_pkts=(\d+) tx_pkts=(\d+)",
                         text, re.M):
        counts[m.group(1)] = [int(x) for x in m.groups()[1:]]
    if rc != 0 or "done=1" not in text:
        raise RuntimeError("fo_burst_cost under callgrind failed (%s): %s"
                           % (rc, text[-1500:]))
    rows = []
    # thread 1 (the main lcore) only: EAL's and the drivers' control
    # threads (bonding polls its members' links) are kept apart
    for f in sorted(cgdir.glob("%s.out.*-01" % tag),
                    key=lambda x: int(x.name.split(".")[-1].split("-")[0])):
        m = re.search(r"^desc: Trigger: Client Request: (\S+)",
                      f.read_text(), re.M)
        if not m or m.group(1) not in counts:
            continue
        name = m.group(1)
        q, nports, bursts, rx, tx = counts[name]
        self_ = annotate(f, False)
        incl = annotate(f, True)
        total = incl.get("bench_loop", self_.get("__total__"))
        row = {"group": name, "queues": q, "ports": nports,
               "bursts": bursts, "packets": rx, "tx_packets": tx,
               "ir_total": total,
               "ir_per_burst": "%.1f" % (total / bursts),
               "ir_per_packet": "%.2f" % (total / rx) if rx else "",
               "note": "" if tx == rx else
               "TX took %d of %d packets" % (tx, rx)}
        for fn in ("failover_rx_burst", "failover_tx_burst"):
            if fn in incl:
                row[fn + "_self_per_call"] = "%.1f" % (self_.get(fn, 0) /
                                                       bursts)
                row[fn + "_incl_per_call"] = "%.1f" % (incl[fn] / bursts)
        rows.append(row)
    return rows


# The PMDs side by side for fo_burst_cost: one port of each, 1 queue.
PMDS_VDEVS = [
    "net_null20",
    "net_null0", "net_null1,no-rx=1",
    "net_failover0,primary=net_null0,standby=net_null1",
    "net_null2", "net_ring0",
    "net_failover1,primary=net_null2,standby=net_ring0",
    # its primary is detached before the groups run
    "net_null4", "net_null5",
    "net_failover2,primary=net_null4,standby=net_null5",
    "net_failsafe0,dev(net_null6),dev(net_null7,no-rx=1)",
    "net_failsafe1,dev(net_null8),dev(net_ring1)",
    "net_failsafe2,dev(0000:00:1f.7),dev(net_null9)",
    "net_null10", "net_null11,no-rx=1",
    "net_bonding0,mode=1,{m}=net_null10,{m}=net_null11,"
    "primary=net_null10".format(m=BOND_MEMBER),
    "net_null13",
    "net_bonding1,mode=1,%s=net_null13" % BOND_MEMBER]
PMDS_DETACH = ["net_null4"]
PMDS_GROUPS = [("direct", 1, ["net_null20"]),
               ("failover/null-idle", 1, ["net_failover0"]),
               ("failover/ring-idle", 1, ["net_failover1"]),
               ("failover/standby-tx", 1, ["net_failover2"]),
               ("failsafe/null-idle", 1, ["net_failsafe0"]),
               ("failsafe/ring-idle", 1, ["net_failsafe1"]),
               ("failsafe/standby-tx", 1, ["net_failsafe2"]),
               ("bonding-ab/null-idle", 1, ["net_bonding0"]),
               ("bonding-ab/standby-tx", 1, ["net_bonding1"])]


def callgrind(args, out):
    if not shutil.which("valgrind"):
        print("callgrind: valgrind is not installed: skipped")
        return None
    build_cost(args)
    print("callgrind: bench/fo_burst_cost, %d rounds per group" %
          args.cg_rounds, flush=True)
    rows = []
    # 1. The PMDs side by side, 1 queue, 1 port each.
    rows += cg_process(args, out, "pmds", PMDS_VDEVS, PMDS_GROUPS,
                       detach=PMDS_DETACH)
    # 2. Scaling: queues 1, 2, 4 on one port; 1, 2, 4, 8 ports of 1 queue.
    vd = ["net_null%d" % (20 + i) for i in range(8)]
    for i in range(8):
        vd += ["net_null%d" % (2 * i), "net_null%d,no-rx=1" % (2 * i + 1),
               "net_failover%d,primary=net_null%d,standby=net_null%d" %
               (i, 2 * i, 2 * i + 1)]
    groups = []
    for q in (1, 2, 4):
        groups.append(("direct/q%d" % q, q, ["net_null20"]))
        groups.append(("failover/q%d" % q, q, ["net_failover0"]))
    for n in (1, 2, 4, 8):
        groups.append(("direct/x%d" % n, 1,
                       ["net_null%d" % (20 + i) for i in range(n)]))
        groups.append(("failover/x%d" % n, 1,
                       ["net_failover%d" % i for i in range(n)]))
    rows += cg_process(args, out, "scaling", vd, groups)
    keys = []
    for r in rows:
        keys += [k for k in r if k not in keys]
    with open(out / "callgrind.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=keys)
        w.writeheader()
        w.writerows(rows)
    direct = {r["group"]: float(r["ir_per_packet"]) for r in rows
              if r["group"].startswith("direct")}
    for r in rows:
        ref = direct.get("direct") if "/" not in r["group"] or \
            r["group"].split("/")[1] in ("null-idle", "ring-idle",
                                         "standby-tx") else \
            direct.get("direct/" + r["group"].split("/")[1])
        if ref is not None and r["ir_per_packet"]:
            r["over_direct_per_packet"] = "%+.2f" % (
                float(r["ir_per_packet"]) - ref)
        print("  %-24s q=%d ports=%d  %8s Ir/burst  %7s Ir/pkt  %s/pkt vs "
              "direct%s" % (
                  r["group"], r["queues"], r["ports"], r["ir_per_burst"],
                  r["ir_per_packet"], r.get("over_direct_per_packet", "-"),
                  "  rx_burst self %s incl %s, tx_burst self %s incl %s" % (
                      r["failover_rx_burst_self_per_call"],
                      r["failover_rx_burst_incl_per_call"],
                      r["failover_tx_burst_self_per_call"],
                      r["failover_tx_burst_incl_per_call"])
                  if "failover_rx_burst_self_per_call" in r else ""),
              flush=True)
    return rows


def native(args, out):
    """fo_burst_cost without valgrind, on core 1: cycles per burst of the
    same loops (of the thread's CPU time, at the TSC rate), all groups one
    after the other in each run."""
    build_cost(args)
    print("native: bench/fo_burst_cost on core 1, %d runs of %d rounds per "
          "group" % (args.native_runs, args.native_rounds), flush=True)
    per = {}
    wall = {}
    ratios = {}
    hz = None
    for i in range(args.native_runs):
        cmd = [str(args.cost_bin)] + eal("fobn%d_%d" % (os.getpid(), i),
                                    lcores="1", mem=128)
        cmd += ["-d", str(args.pmd)]
        for v in PMDS_VDEVS:
            cmd += ["--vdev", v]
        cmd += ["--", "--rounds", str(args.native_rounds)]
        for d in PMDS_DETACH:
            cmd += ["--detach", d]
        for name, q, ports in PMDS_GROUPS:
            cmd += ["--group", "%s:%d:%s" % (name, q, ",".join(ports))]
        rc, text = run_prog(cmd, 120)
        (out / "logs" / ("native-%d.log" % i)).write_text(text)
        if rc != 0 or "done=1" not in text:
            raise RuntimeError("fo_burst_cost failed (%s): %s" %
                               (rc, text[-1500:]))
        hz = int(re.search(r"^tsc_hz=(\d+)", text, re.M).group(1))
        run = {}
        for m in re.finditer(r"^group=(\S+) .*bursts=(\d+) .*tsc=(\d+) "
                             r"cpu_ns=(\d+)", text, re.M):
            b = int(m.group(2))
            # cycles of the CPU time the lcore had (other programs on the
            # core left out), and of the wall clock
            run[m.group(1)] = (int(m.group(4)) * hz / 1e9 / b,
                               int(m.group(3)) / b)
        for name, (c, w) in run.items():
            per.setdefault(name, []).append(c)
            wall.setdefault(name, []).append(w)
            ratios.setdefault(name, []).append(run["direct"][0] / c)
    rows = []
    d = statistics.median(per["direct"])
    for name, _, _ in PMDS_GROUPS:
        c = statistics.median(per[name])
        rows.append({"group": name, "runs": len(per[name]),
                     "cycles_per_burst": "%.1f" % c,
                     "cycles_per_burst_min": "%.1f" % min(per[name]),
                     "wall_cycles_per_burst": "%.1f" %
                     statistics.median(wall[name]),
                     "ns_per_packet": "%.2f" % (c / 32 / hz * 1e9),
                     "over_direct_cycles_per_packet": "%+.2f" % ((c - d) /
                                                                32),
                     "ratio": "%.3f" % statistics.median(ratios[name]),
                     "ratio_min": "%.3f" % min(ratios[name]),
                     "ratio_max": "%.3f" % max(ratios[name]),
                     "target": TARGETS.get(name, "")})
    with open(out / "native.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    for r in rows:
        print("  %-24s %8s cycles/burst  %6s ns/pkt  %s cycles/pkt vs "
              "direct  ratio %s [%s-%s]" % (
                  r["group"], r["cycles_per_burst"], r["ns_per_packet"],
                  r["over_direct_cycles_per_packet"], r["ratio"],
                  r["ratio_min"], r["ratio_max"]), flush=True)
    return rows, hz


# -- report ------------------------------------------------------------------

def machine(out, args):
    def sh(c):
        try:
            return subprocess.run(c, shell=True, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT,
                                  text=True).stdout.strip()
        except OSError:
            return ""
    text = "\n".join([
        "date: %s" % datetime.datetime.now().isoformat(timespec="seconds"),
        "kernel: %s" % sh("uname -r"),
        "dpdk: %s" % sh("pkg-config --modversion libdpdk"),
        "testpmd: %s" % TESTPMD,
        "memory: %s" % ("hugepages (--in-memory)" if HUGE else "--no-huge"),
        "commit: %s%s" % (sh("git -C %s rev-parse --short HEAD" % TOP),
                          " (+ local changes)" if sh(
                              "git -C %s status --porcelain -- drivers lib"
                              % TOP) else ""),
        "plugin: %s (sha256 %s)" % (args.pmd, sh("sha256sum %s" %
                                                   args.pmd).split()[0]),
        "lscpu:", sh("lscpu | head -n 20 | grep -v '^Flags'")])
    (out / "machine.txt").write_text(text + "\n")
    return text


def table(summary):
    lines = ["%-22s %4s %7s %7s %7s %6s %19s %6s %6s %5s %6s  %s" % (
        "variant", "runs", "median", "min", "max", "ratio",
        "per-round ratio", "best", "cpu-", "cpu", "target", "vs target")]
    lines.append("%-22s %4s %7s %7s %7s %6s %19s %6s %6s %5s %6s" % (
        "", "", "Mpps", "Mpps", "Mpps", "", "median [min-max]", "slice",
        "norm", "min", ""))
    group = None
    for s in summary:
        if s["group"] != group:
            group = s["group"]
            lines.append("-- %s" % ("primary carries the traffic, standby "
                                    "idle" if group == "primary" else
                                    "primary absent, standby carries the "
                                    "traffic"))
        vs = ""
        if s["target"] != "" and s["ratio"]:
            d = float(s["ratio"]) - float(s["target"])
            vs = "met (%+.3f)" % d if d >= 0 else "missed by %.3f" % -d
        lines.append("%-22s %4s %7s %7s %7s %6s %19s %6s %6s %5s %6s  %s" % (
            s["variant"], s["runs"], s["median_mpps"] or "-",
            s["min_mpps"] or "-", s["max_mpps"] or "-", s["ratio"] or "-",
            "%s [%s-%s]" % (s["ratio_round_median"], s["ratio_round_min"],
                            s["ratio_round_max"])
            if s["ratio_round_median"] else "-",
            s["ratio_best_slice"] or "-", s["ratio_cpu_normalised"] or "-",
            s["min_fwd_cpu_share"] or "-",
            s["target"], vs + ("  " + s["notes"] if s["notes"] else "")))
    return "\n".join(lines)


def med(xs):
    xs = [float(x) for x in xs if x not in ("", "never", None)]
    return (statistics.median(xs), max(xs)) if xs else (None, None)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true",
                    help="about 2 minutes: 2 rounds of 1.5 s, fewer "
                    "switchover runs and cycles, fewer callgrind rounds")
    ap.add_argument("--rounds", type=int, help="throughput rounds (5)")
    ap.add_argument("--seconds", type=float,
                    help="measured window per run, s (3)")
    ap.add_argument("--warmup", type=float,
                    help="forwarding before the window, s (1)")
    ap.add_argument("--variants", nargs="*",
                    help="only these throughput variants (direct always)")
    ap.add_argument("--switch-runs", type=int, help="switchover runs (15)")
    ap.add_argument("--cycles", type=int,
                    help="re-adoption cycles on net_null (1000)")
    ap.add_argument("--virtio-cycles", type=int,
                    help="re-adoption cycles on virtio-user (100)")
    ap.add_argument("--cg-rounds", type=int,
                    help="callgrind rounds per group (20000)")
    ap.add_argument("--native-runs", type=int,
                    help="native fo_burst_cost runs (11)")
    ap.add_argument("--parts", default="throughput,switchover,readopt,"
                    "callgrind,native", help="comma-separated parts to run")
    ap.add_argument("--out", help="results folder "
                    "(results/bench-<date>)")
    ap.add_argument("--huge", action="store_true",
                    help="hugepages instead of --no-huge (needs about 512 "
                    "MB of free 2 MB pages with the virtio variants)")
    args = ap.parse_args()
    global HUGE
    HUGE = args.huge
    q = args.quick
    for k, normal, quick in (("rounds", 5, 2), ("seconds", 3.0, 1.5),
                             ("warmup", 1.0, 0.5), ("switch_runs", 15, 6),
                             ("cycles", 1000, 200), ("virtio_cycles", 100, 20),
                             ("cg_rounds", 20000, 5000),
                             ("native_runs", 11, 5)):
        if getattr(args, k) is None:
            setattr(args, k, quick if q else normal)
    args.rate = 200000
    args.native_rounds = 200000
    args.switch_packets = 150000
    parts = args.parts.split(",")
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    out = pathlib.Path(args.out) if args.out else \
        TOP / "results" / ("bench-%s%s%s" % (stamp, "-quick" if q else "",
                                             "-huge" if args.huge else ""))
    (out / "logs").mkdir(parents=True, exist_ok=True)
    # Every part runs the same binaries, copied now: the build folder may
    # be rebuilt meanwhile (devtools/setup, ninja by someone else).
    args.bindir = out / "bin"
    args.bindir.mkdir(exist_ok=True)
    plugin = BUILD / "drivers/net/failover/librte_net_failover.so"
    for f in (plugin, HARNESS):
        shutil.copy2(f, args.bindir / f.name)
    args.pmd = loadable(args.bindir / plugin.name)
    args.harness = args.bindir / HARNESS.name
    args.cost_bin = None
    t_start = time.monotonic()
    info = machine(out, args)
    print("bench: results in %s" % out)
    print("\n".join(info.splitlines()[:5]), flush=True)

    report = []
    summary = sw = ro = cg = nat = None
    if "throughput" in parts:
        summary = throughput(args, out)
    if "switchover" in parts:
        sw = switchover(args, out)
    if "readopt" in parts:
        ro = readopt(args, out)
    if "callgrind" in parts:
        try:
            cg = callgrind(args, out)
        except (RuntimeError, subprocess.CalledProcessError) as e:
            print("callgrind: FAILED: %s" % e)
    if "native" in parts:
        try:
            nat = native(args, out)
        except (RuntimeError, subprocess.CalledProcessError) as e:
            print("native: FAILED: %s" % e)

    report.append(info)
    if summary:
        report += ["", "Throughput (testpmd io, 2 ports, 1 forwarding lcore, "
                   "burst 32, %d rounds of %.1f s, interleaved)" %
                   (args.rounds, args.seconds), table(summary)]
    if sw:
        ok = [r for r in sw if not r["note"]]
        report += ["", "Switchover (%d runs, %d pps, rmv/dev-event/destroy "
                   "in turn)" % (len(sw), args.rate)]
        for label, key in (("removal -> first packet on the standby",
                            "switch_us"),
                           ("removal -> primary released", "released_us"),
                           ("re-plug -> first packet on the primary",
                            "readopt_us")):
            m, x = med(r[key] for r in ok)
            report.append("  %-40s median %8s us  max %8s us" % (
                label, "%.0f" % m if m is not None else "-",
                "%.0f" % x if x is not None else "-"))
        for via in ("rmv", "dev-event", "destroy"):
            m, x = med(r["switch_us"] for r in ok if r["via"] == via)
            if m is not None:
                report.append("  %-40s median %8.0f us  max %8.0f us" % (
                    "  switch via " + via, m, x))
        lost = [int(r["lost"]) for r in ok if r["lost"] != ""]
        report.append("  %-40s total %d in %d runs (max %d in one run)" % (
            "packets lost", sum(lost), len(lost), max(lost or [0])))
        if len(ok) < len(sw):
            report.append("  %d runs failed (see logs/)" % (len(sw) -
                                                             len(ok)))
    if ro:
        report += ["", "Re-adoption (probe of the returning primary -> "
                   "first packet on it, tests/fo_functional --cycles)"]
        for r in ro:
            report.append("  %-42s %5s cycles  median %6s us  max %6s us %s"
                          % (r["case"], r["cycles"], r["readopt_us_median"],
                             r["readopt_us_max"], r["note"]))
    if cg:
        report += ["", "Callgrind (instructions, main lcore only, per RX+TX "
                   "burst pair of 32 packets on one queue)",
                   "%-24s %3s %5s %10s %9s %9s %12s %12s" % (
                       "group", "q", "ports", "Ir/burst", "Ir/pkt",
                       "vs direct", "fo_rx self", "fo_tx self")]
        for r in cg:
            report.append("%-24s %3d %5d %10s %9s %9s %12s %12s  %s" % (
                r["group"], r["queues"], r["ports"], r["ir_per_burst"],
                r["ir_per_packet"], r.get("over_direct_per_packet", "-"),
                r.get("failover_rx_burst_self_per_call", "-"),
                r.get("failover_tx_burst_self_per_call", "-"), r["note"]))
    if nat:
        rows, hz = nat
        report += ["", "Native cycles (bench/fo_burst_cost on core 1, no "
                   "valgrind: the thread's CPU time at the TSC rate, %.2f "
                   "GHz; median of %d runs; ratio = direct cycles / cycles, "
                   "per run)" % (hz / 1e9, args.native_runs),
                   "%-24s %12s %8s %14s %21s %6s" % (
                       "group", "cycles/burst", "ns/pkt", "vs direct",
                       "ratio [min-max]", "target")]
        for r in rows:
            report.append("%-24s %12s %8s %14s %21s %6s" % (
                r["group"], r["cycles_per_burst"], r["ns_per_packet"],
                r["over_direct_cycles_per_packet"] + " cyc/pkt",
                "%s [%s-%s]" % (r["ratio"], r["ratio_min"], r["ratio_max"]),
                r["target"]))
    report.append("\nbench: %.0f s" % (time.monotonic() - t_start))
    text = "\n".join(report)
    (out / "summary.txt").write_text(text + "\n")
    print("\n" + text)
    print("\nbench: results in %s" % out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
