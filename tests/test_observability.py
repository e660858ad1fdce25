# SPDX-License-Identifier: BSD-3-Clause
"""What a failover port tells: xstats with stable names whatever is
present, telemetry commands for dpdk-telemetry.py, and testpmd's dump of
the PMD's private state, before and after a removal."""
import json
import subprocess

from conftest import PMD, XSTAT_NAMES, eal_args
from testpmd_session import TestpmdSession

FO = 2
NAMES = XSTAT_NAMES


def session(prefix, rundir):
    vdevs = ["--vdev", "net_null0", "--vdev", "net_null1",
             "--vdev", "net_failover0,standby=net_null1,primary=net_null0"]
    return TestpmdSession(eal_args(prefix) + vdevs + ["-d", str(PMD), "--",
                          "-i", "--total-num-mbufs=4096", "--no-flush-rx"],
                          logfile=str(rundir / "testpmd.log"))


def xstats(tp):
    out = tp.cmd("show port xstats %d" % FO)
    vals = {}
    for line in out.splitlines():
        if ":" in line:
            k, v = line.split(":", 1)
            if v.strip().isdigit():
                vals[k.strip()] = int(v)
    return vals


def telemetry(prefix, cmd):
    out = subprocess.run(["/usr/bin/python3", "/usr/bin/dpdk-telemetry.py",
                          "-f", prefix], input=cmd + "\n", text=True,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         timeout=30)
    for line in out.stdout.splitlines():
        if line.startswith("{"):
            return json.loads(line)[cmd.split(",")[0]]
    raise AssertionError(out.stdout)


def test_xstats_telemetry_and_dump_across_removal(prefix, rundir):
    with session(prefix, rundir) as tp:
        before = xstats(tp)
        # stable names, in the same order, whatever is present
        assert [n for n in before if n in NAMES] == NAMES
        assert before["failover_switchovers"] == 0
        assert telemetry(prefix, "/failover/list") == [FO]
        info = telemetry(prefix, "/failover/info,%d" % FO)
        assert info["primary"]["device"] == "net_null0"
        assert info["standby"]["device"] == "net_null1"

        tp.cmd("start")
        tp.stats_until(FO, lambda st: st["TX-packets"] > 0, what="traffic")
        mark = tp.mark()
        tp.cmd("device detach net_null0", timeout=30)
        tp.expect_log("TX on standby (was primary)", mark)
        tp.cmd("stop")
        after = xstats(tp)
        assert [n for n in after if n in NAMES] == NAMES
        assert after["failover_switchovers"] == 1
        assert after["failover_last_switch_ms"] > 0
        # the removed primary keeps what it counted last
        assert after["primary_opackets"] > 0
        assert after["standby_opackets"] > 0
        assert after["failover_tx_no_path_drops"] == 0

        info = telemetry(prefix, "/failover/info,%d" % FO)
        assert info["tx"] == "standby" and info["switchovers"] == 1
        assert info["primary"]["state"] == "absent"
        assert any("port destroy" in e for e in info["events"])
        assert any("TX on standby (was primary)" in e
                   for e in info["events"])

        # the PMD's priv_dump, through ethdev's own telemetry command
        dump = telemetry(prefix, "/ethdev/dump_priv,%d" % FO)
        assert "TX on standby, switchovers 1" in dump, dump
        assert "primary: absent" in dump and "standby: started" in dump

        tp.cmd("clear port xstats %d" % FO)
        assert xstats(tp)["failover_switchovers"] == 0


def test_telemetry_refuses_bad_port(prefix, rundir):
    """A missing, malformed or foreign port id gets no answer (null), and
    the process goes on."""
    with session(prefix, rundir) as tp:
        for bad in ("", ",x", ",0", ",999"):
            assert telemetry(prefix, "/failover/info" + bad) is None, bad
        assert tp.alive()
