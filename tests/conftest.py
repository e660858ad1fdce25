# SPDX-License-Identifier: BSD-3-Clause
"""Shared fixtures: where the build is, and how to run DPDK programs here.

Every DPDK program runs with --no-huge, --no-pci, its own --file-prefix and
run directory, so tests never share EAL state or sockets.
"""
import os
import pathlib
import shutil
import signal
import struct
import subprocess
import sys
import tempfile

import pytest

TOP = pathlib.Path(__file__).resolve().parent.parent
BUILD = pathlib.Path(os.environ.get("FO_BUILD", TOP / "build"))
sys.path.insert(0, str(TOP / "devtools"))
from plugin_path import loadable  # noqa: E402

PMD = loadable(BUILD / "drivers/net/failover/librte_net_failover.so")
TESTPMD = shutil.which("dpdk-testpmd") or "/usr/bin/dpdk-testpmd"


def eal_args(prefix, lcores="0-1", mem=256):
    """EAL arguments every test uses: no hugepages, no PCI, private prefix."""
    return ["--no-huge", "-m", str(mem), "--no-pci", "-l", lcores,
            "--file-prefix", prefix, "--log-level", "pmd.net.failover*:info"]


# The failover port's xstats, by name and in id order, whatever is present.
XSTAT_NAMES = (["failover_switchovers", "failover_last_switch_ms",
                "failover_standby_tx_with_primary",
                "failover_tx_no_path_drops", "failover_readoptions",
                "failover_readoption_failures"] +
               ["%s_%s" % (r, s) for r in ("primary", "standby")
                for s in ("ipackets", "opackets", "ibytes", "obytes",
                          "imissed", "ierrors", "oerrors", "rx_nombuf")])


@pytest.fixture
def rundir(request):
    """A private folder for sockets and captures. Its path is short: EAL
    refuses a hotplug's devargs of 128 characters or more (DPDK 24.11.7
    on), and socket and capture paths are in them. Not below a
    world-writable parent: EAL refuses plugins there. The test's name is
    printed instead of being in the path."""
    d = tempfile.mkdtemp(prefix="fo-", dir="/run")
    print("run folder of %s: %s" % (request.node.name, d))
    yield pathlib.Path(d)
    # a failed test's folder (console logs, captures) stays, and says so
    rep = getattr(request.node, "rep_call", None)
    if rep is not None and rep.failed:
        print("run folder kept: %s" % d)
    else:
        shutil.rmtree(d, ignore_errors=True)


# A backstop, not a wait: every test waits on events with its own
# deadlines; this turns a test that still hangs into a failure with a
# traceback instead of a CI job killed at its limit with nothing said.
TEST_LIMIT_S = 0 if os.environ.get("FO_LONG") else 600


class TestLimit(Exception):
    pass


def _over_limit(signum, frame):
    raise TestLimit("test still running after %d s" % TEST_LIMIT_S)


@pytest.fixture(autouse=True)
def test_limit():
    if TEST_LIMIT_S == 0:
        yield
        return
    old = signal.signal(signal.SIGALRM, _over_limit)
    signal.alarm(TEST_LIMIT_S)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Remember each phase's report on the test, for rundir above."""
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


@pytest.fixture
def prefix(request):
    """A unique EAL --file-prefix for the test."""
    name = "".join(c if c.isalnum() else "_" for c in request.node.name)
    return "fo%d_%s" % (os.getpid(), name[-24:])


def absent_primary_failover(rundir):
    """Failover devargs whose primary stays absent: net_pcap gets a MAC the
    failover port cannot give it, so it is refused at creation, and every
    hotplug_poll tick (1 ms) probes it again, and fails, under the vdev
    bus's lock. Its input is an empty capture (the pcap header alone)."""
    # short names: the devargs go through testpmd's port attach
    pcap_in = rundir / "i"
    pcap_in.write_bytes(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0,
                                    65535, 1))
    return ("net_failover0,standby=(net_null5),primary=(net_pcap0,"
            "rx_pcap=%s,tx_pcap=%s),hotplug_poll=1" %
            (pcap_in, rundir / "o"))


# What the PMD logs when its code breaks a state machine's table: never
# right, whatever a test expects otherwise.
STATE_MACHINE_BUG = "no such transition"


def run(cmd, timeout=120, **kw):
    """Run a program, returning CompletedProcess with text output; the
    output must not show a sub-device transition the table refuses."""
    out = subprocess.run(cmd, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True,
                         timeout=timeout, **kw)
    assert STATE_MACHINE_BUG not in out.stdout, out.stdout[-3000:]
    return out


def pytest_terminal_summary(terminalreporter):
    """The QEMU scenarios' figures, one table per module, after the run."""
    for name, title in (("test_vm_hotplug", "hotplug scenarios"),
                        ("test_vm_migration", "live migrations")):
        mod = sys.modules.get(name)
        if mod is None or not mod.FIGURES:
            continue
        terminalreporter.write_line("")
        terminalreporter.write_line("%s (times in TCG time):" % title)
        table = mod.scenario.table(mod.FIGURES,
                                   getattr(mod, "COLUMNS", None))
        for line in table.splitlines():
            terminalreporter.write_line(line)
