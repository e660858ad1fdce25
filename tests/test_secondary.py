# SPDX-License-Identifier: BSD-3-Clause
"""Secondary processes against a testpmd that has a failover port:
dpdk-proc-info (stats, xstats, reset) and dpdk-dumpcap (capture), run
while testpmd detaches the primary and the PMD re-adopts it.

Multi-process needs hugepages (the rest of the suite runs with --no-huge):
the `hugepages` fixture mounts hugetlbfs and reserves a few pages if the
machine has too few free, and gives back what it reserved.

Traffic is paced by testpmd's noisy forwarding (memory lookups per packet,
a few thousand packets a second instead of millions), so that a capture
stays a few megabytes.
"""
import errno
import os
import pathlib
import re
import shutil
import signal
import struct
import subprocess
import threading
import time

import pytest

from conftest import BUILD, PMD, TESTPMD, XSTAT_NAMES
from testpmd_session import TestpmdSession

FO = 2
HUGE_DIR = pathlib.Path("/dev/hugepages")
HUGE_NR = pathlib.Path("/proc/sys/vm/nr_hugepages")
# 2 MB pages: testpmd (mbufs, the noisy lookup table), dumpcap's ring and
# pool, proc-info, with room to spare.
HUGE_PAGES = 96
PROC_INFO = shutil.which("dpdk-proc-info") or "/usr/bin/dpdk-proc-info"
DUMPCAP = shutil.which("dpdk-dumpcap") or "/usr/bin/dpdk-dumpcap"
NAMES = XSTAT_NAMES
# Counters of the failover port that never go back (no reset in between);
# the per-role ones start again with a re-adopted device.
MONOTONIC = ["rx_good_packets", "tx_good_packets", "failover_switchovers",
             "failover_last_switch_ms", "failover_readoptions"]


def _meminfo(key):
    for line in open("/proc/meminfo"):
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise AssertionError("no %s in /proc/meminfo" % key)


def _hugetlbfs_at(path):
    for line in open("/proc/mounts"):
        f = line.split()
        if f[1] == str(path) and f[2] == "hugetlbfs":
            return True
    return False


@pytest.fixture
def hugepages(prefix):
    """hugetlbfs on /dev/hugepages with HUGE_PAGES free 2 MB pages; on the
    way out, this test's page files and run folder go (a killed primary
    leaves them) and the pages reserved here are given back."""
    if not _hugetlbfs_at(HUGE_DIR):
        HUGE_DIR.mkdir(exist_ok=True)
        subprocess.run(["mount", "-t", "hugetlbfs", "nodev", str(HUGE_DIR)],
                       check=True)
    assert _meminfo("Hugepagesize") == 2048, "2 MB default pages expected"
    before = int(HUGE_NR.read_text())
    short = HUGE_PAGES - _meminfo("HugePages_Free")
    if short > 0:
        HUGE_NR.write_text(str(before + short))
    free = _meminfo("HugePages_Free")
    assert free >= HUGE_PAGES, "only %d free hugepages" % free
    yield HUGE_DIR
    for f in HUGE_DIR.glob(prefix + "map_*"):
        f.unlink()
    shutil.rmtree("/var/run/dpdk/" + prefix, ignore_errors=True)
    if short > 0:
        # Pages others took meanwhile stay theirs: the kernel frees only
        # unused ones.
        HUGE_NR.write_text(str(before))


def session(prefix, rundir):
    vdevs = ["--vdev", "net_null0", "--vdev", "net_null1",
             "--vdev", "net_failover0,standby=net_null1,primary=net_null0,"
             "hotplug_poll=20"]
    # Secondaries map the primary's memory at its addresses: far above
    # where libraries and ASan's shadow go, so that the range is free in
    # every process.
    eal = ["-m", "64", "--huge-dir", str(HUGE_DIR),
           "--base-virtaddr", "0x200000000000", "--no-pci", "-l", "0-1",
           "--file-prefix", prefix, "--log-level", "pmd.net.failover*:info"]
    app = ["--", "-i", "--total-num-mbufs=4096", "--no-flush-rx",
           "--forward-mode=noisy", "--burst=4", "--noisy-lkup-memory=16",
           "--noisy-lkup-num-reads=50000"]
    return TestpmdSession(eal + vdevs + ["-d", str(PMD)] + app,
                          logfile=str(rundir / "testpmd.log"))


def proc_info(prefix, *args):
    """dpdk-proc-info as a secondary: its output; it must exit 0."""
    p = subprocess.run([PROC_INFO, "--file-prefix", prefix, "--no-pci",
                        "-d", str(PMD), "--"] + list(args),
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=60)
    assert p.returncode == 0, "proc-info %s: exit %d\n%s" % (
        " ".join(args), p.returncode, p.stdout)
    return p.stdout


def fo_info(prefix):
    """rte_pmd_failover_info_get() in a secondary (tests/secondary):
    what it printed, as a dict; it must exit 0."""
    p = subprocess.run([str(BUILD / "tests/fo_info"), "--proc-type",
                        "secondary", "--file-prefix", prefix, "--no-pci",
                        "--log-level", "pmd.net.failover*:info", "--",
                        "net_failover0"], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=60)
    assert p.returncode == 0, "fo_info: exit %d\n%s" % (p.returncode,
                                                         p.stdout)
    return dict(re.findall(r"^(\w+)=(.*)$", p.stdout, re.M))


def pi_stats(prefix):
    out = proc_info(prefix, "--stats")
    assert "NIC statistics for port %d" % FO in out, out
    stats = {}
    # the port's totals come first, then one line per queue
    for k, v in re.findall(r"([RT]X-[a-z]+):\s+(\d+)", out):
        stats.setdefault(k, int(v))
    return stats


def pi_xstats(prefix):
    """[(name, value)] in the order proc-info prints them."""
    out = proc_info(prefix, "--xstats")
    assert "NIC extended statistics for port %d" % FO in out, out
    return [(k, int(v)) for k, v in
            re.findall(r"^(\w+):\s+(\d+)\s*$", out, re.M)]


def mempool_libs_of_testpmd():
    """Mempool drivers testpmd links in (Debian's: librte_mempool_dpaa).
    Mempool ops are numbered per process in registration order, and the
    primary copies captured packets into dumpcap's pool by that number:
    dumpcap must register the same drivers first, or the primary calls
    another driver's ops on the pool."""
    for prog in (TESTPMD, "/usr/bin/dpdk-testpmd"):
        p = subprocess.run(["ldd", prog], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, text=True)
        if p.returncode == 0:
            return re.findall(r"^\s*(librte_mempool_\w+\.so[.\d]*)\s",
                              p.stdout, re.M)
    raise AssertionError("cannot list the libraries of %s" % TESTPMD)


def dumpcap(prefix, out, *args):
    """dpdk-dumpcap has no -d: the PMD comes preloaded (an installed PMD
    is found by itself); after the sanitizer runtime in the sanitized
    stage (devtools/test-sanitized)."""
    preload = [os.environ.get("FO_SAN_PRELOAD", "")] + \
        mempool_libs_of_testpmd() + [str(PMD)] + \
        [os.environ.get("LD_PRELOAD", "")]
    env = dict(os.environ, LD_PRELOAD=":".join(p for p in preload if p))
    return subprocess.Popen([DUMPCAP, "--file-prefix", prefix, "-q",
                             "-i", "net_failover0", "-w", str(out)] +
                            list(args), env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def dumpcap_finish(p, timeout=30):
    """Wait for dumpcap; how many packets the primary put in its ring
    (some may still be there when it stops)."""
    try:
        out, _ = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, _ = p.communicate()
        raise AssertionError("dumpcap did not finish:\n" + out)
    assert p.returncode == 0, "dumpcap exit %d:\n%s" % (p.returncode, out)
    m = re.search(r"Packets received/dropped on interface "
                  r"'net_failover0': (\d+)/(\d+)", out)
    assert m, out
    return int(m.group(1)), out


def pcapng_packets(path, complete=True):
    """Original lengths of the Enhanced Packet Blocks of a pcapng file;
    of the blocks written so far unless complete."""
    data = pathlib.Path(path).read_bytes()
    assert data[:4] == b"\x0a\x0d\x0d\x0a", "not a pcapng file"
    bo = "<" if data[8:12] == b"\x4d\x3c\x2b\x1a" else ">"
    lens, off = [], 0
    while off < len(data):
        if not complete and off + 8 > len(data):
            break
        btype, blen = struct.unpack_from(bo + "II", data, off)
        if not complete and off + blen > len(data):
            break
        assert blen >= 12 and off + blen <= len(data), "truncated block"
        if btype == 6:
            lens.append(struct.unpack_from(bo + "I", data, off + 24)[0])
        off += blen
    return lens


def detach(tp, name, tries=5):
    """testpmd's `device detach`. EAL tells every secondary first, and
    gives up (the device stays) when one exits at that moment, its socket
    listed but gone (22.11: "Failed to send device detach request to
    secondary"): proc-info comes and goes all the time here, so try again.
    """
    for _ in range(tries):
        out = tp.cmd("device detach " + name, timeout=30)
        if "is detached" in out:
            return
        assert "request to secondary" in out, out
    raise AssertionError("detach refused %d times:\n%s" % (tries, out))


class ProcInfoLoop(threading.Thread):
    """proc-info --stats and --xstats, one after the other, until stopped:
    every run must succeed, names stay the same, counters never go back."""

    def __init__(self, prefix):
        super().__init__(daemon=True)
        self.prefix = prefix
        self.stop = threading.Event()
        self.runs = 0
        self.error = None

    def run(self):
        last_st, last_x = {}, {}
        try:
            while not self.stop.is_set():
                st = pi_stats(self.prefix)
                x = pi_xstats(self.prefix)
                assert [n for n, _ in x if n in NAMES] == NAMES, x
                x = dict(x)
                for k in ("RX-packets", "TX-packets"):
                    assert st[k] >= last_st.get(k, 0), (k, last_st, st)
                for k in MONOTONIC:
                    assert x[k] >= last_x.get(k, 0), (k, last_x, x)
                last_st, last_x = st, x
                self.runs += 1
        except Exception as e:  # noqa: BLE001 - reported by the test
            self.error = e


def test_proc_info_and_dumpcap_across_readoption(prefix, rundir, hugepages):
    cap = rundir / "across.pcapng"
    with session(prefix, rundir) as tp:
        tp.cmd("start")
        tp.stats_until(FO, lambda st: st["TX-packets"] > 0, what="traffic")
        x = pi_xstats(prefix)
        assert [n for n, _ in x if n in NAMES] == NAMES, x
        assert dict(x)["failover_switchovers"] == 0

        loop = ProcInfoLoop(prefix)
        loop.start()
        dc = dumpcap(prefix, cap)
        # capturing once the file has more than its header blocks
        deadline = time.monotonic() + 20
        while (not cap.exists() or not pcapng_packets(cap, False)) and \
                dc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert dc.poll() is None, dc.communicate()[0]

        mark = tp.mark()
        detach(tp, "net_null0")
        tp.expect_log("TX on standby (was primary)", mark)
        tp.expect_log("primary net_null0 probed again", mark)
        tp.expect_log("TX on primary (was standby)", mark)
        before = tp.port_stats(FO)
        tp.stats_until(FO, lambda st: st["TX-packets"] >
                       before["TX-packets"] + 500, what="traffic after return")
        runs = loop.runs
        deadline = time.monotonic() + 20
        while loop.runs < runs + 2 and loop.error is None and \
                time.monotonic() < deadline:
            time.sleep(0.1)
        loop.stop.set()
        loop.join(60)
        assert loop.error is None, loop.error
        assert loop.runs >= runs + 2, "proc-info stalled"

        dc.send_signal(signal.SIGINT)
        queued, out = dumpcap_finish(dc)
        lens = pcapng_packets(cap)
        assert 0 < len(lens) <= queued, (len(lens), queued)
        assert set(lens) == {64}, set(lens)

        # a new capture of the re-adopted port, to its own end
        after = rundir / "after.pcapng"
        dumpcap_finish(dumpcap(prefix, after, "-c", "200"))
        after = pcapng_packets(after)
        assert len(after) >= 200 and set(after) == {64}, set(after)

        tp.cmd("stop")
        # what the secondary reads is what the primary says
        st, pst = tp.port_stats(FO), pi_stats(prefix)
        assert pst == {k: st[k] for k in pst}, (pst, st["_raw"])
        assert pst["TX-packets"] > 0
        x = dict(pi_xstats(prefix))
        assert x == tp.port_xstats(FO)
        assert x["failover_switchovers"] == 2
        assert x["failover_readoptions"] == 1
        assert x["failover_tx_no_path_drops"] == 0
        assert x["primary_opackets"] > 0

        # a reset from the secondary is the primary's reset too
        out = proc_info(prefix, "--stats-reset")
        assert "NIC statistics for port %d cleared" % FO in out, out
        assert tp.port_stats(FO)["TX-packets"] == 0
        out = proc_info(prefix, "--show-port")
        assert "driver net_failover device net_failover0" in out, out
        assert "Link up" in out, out
        print("proc-info runs %d, captured %d + %d packets"
          % (loop.runs, len(lens), len(after)))


# gdb stops proc-info in its first rte_eth_stats_get (on the failover
# port), then at the next of: a nested rte_eth_stats_get (the PMD reading a
# sub-device from inside that call) or an rte_mp request (the PMD asking
# the primary); and kills it there.
GDB_KILL_IN_STATS = """set breakpoint pending on
set confirm off
break rte_eth_stats_get
break rte_mp_request_sync
disable 2
commands 1
disable 1
enable 2
tbreak rte_eth_stats_get
continue
end
run
bt 4
kill
"""


def proc_info_killed_in_stats(prefix, rundir):
    """dpdk-proc-info --stats under gdb, killed with SIGKILL (as the OOM
    killer would) inside the failover port's stats op; gdb's output."""
    script = rundir / "kill-in-stats.gdb"
    script.write_text(GDB_KILL_IN_STATS)
    prog = [PROC_INFO]
    # the sanitized stage's wrapper script: gdb follows its exec
    with open(PROC_INFO, "rb") as f:
        if f.read(2) == b"#!":
            prog = ["/bin/sh", PROC_INFO]
    p = subprocess.run(
        ["gdb", "-nx", "-batch", "-x", str(script), "--args"] + prog +
        ["--file-prefix", prefix, "--no-pci", "-d", str(PMD), "--",
         "--stats"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        timeout=120)
    return p.stdout


def test_killed_secondary_cannot_freeze_primary(prefix, rundir, hugepages):
    """A secondary killed inside the failover port's stats op leaves the
    primary working: a detach of the primary returns, the PMD re-adopts
    it, the next proc-info answers, and testpmd exits on request. The
    secondary path must hold nothing the primary needs (issue 12.2)."""
    with session(prefix, rundir) as tp:
        tp.cmd("start")
        tp.stats_until(FO, lambda st: st["TX-packets"] > 0, what="traffic")
        out = proc_info_killed_in_stats(prefix, rundir)
        # killed inside the op, not before it or after it
        assert re.search(r" hit (Temporary breakpoint 3|Breakpoint 2), ",
                         out), out
        assert "[Inferior 1 (process" in out and "killed" in out, out
        mark = tp.mark()
        detach(tp, "net_null0")
        tp.expect_log("TX on standby (was primary)", mark)
        tp.expect_log("TX on primary (was standby)", mark)
        assert pi_stats(prefix)["TX-packets"] > 0
        tp.cmd("stop")
    # the session's exit checks that testpmd quit by itself


def test_info_get_in_a_secondary(prefix, rundir, hugepages):
    """rte_pmd_failover_info_get() works in a secondary: it answers what
    the primary's port is doing (a snapshot the primary publishes; no lock
    of the primary's is taken) before and after a re-adoption, and a
    secondary may not force the standby."""
    with session(prefix, rundir) as tp:
        tp.cmd("start")
        tp.stats_until(FO, lambda st: st["TX-packets"] > 0, what="traffic")
        info = fo_info(prefix)
        assert info == {
            "info_get": "0", "port": str(FO), "tx_role": "primary",
            "primary_port": "0", "standby_port": "1",
            "primary_present": "1", "standby_present": "1",
            "forced_standby": "0", "switchovers": "0",
            "force_standby": "refused in a secondary",
            # port 0 is the primary, not a failover port
            "info_get_port0": str(-errno.EINVAL)}, info
        # the primary's TX side did not move for the secondary's request
        assert tp.port_xstats(FO)["failover_switchovers"] == 0

        # detached, and brought back by hotplug_poll (20 ms: too soon to
        # read the gap in between reliably): the secondary sees both
        # switchovers and the new port
        mark = tp.mark()
        detach(tp, "net_null0")
        tp.expect_log("TX on standby (was primary)", mark)
        tp.expect_log("TX on primary (was standby)", mark)
        info = fo_info(prefix)
        assert info["tx_role"] == "primary", info
        assert info["primary_present"] == "1", info
        assert info["switchovers"] == "2", info
        port = re.findall(r"primary is net_null0 \(port (\d+)\)",
                          tp.log[mark:])
        assert info["primary_port"] == port[-1], (info, port)
        tp.cmd("stop")
