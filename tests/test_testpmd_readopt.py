# SPDX-License-Identifier: BSD-3-Clause
"""testpmd: the primary comes back by itself.

`device detach` of the primary is the software stand-in for a hot-unplug.
With hotplug_poll, the PMD probes the named primary again (from the
arguments it had), adopts it before testpmd can see it, replays the
configuration and moves TX back, while testpmd keeps forwarding.
(testpmd's own `port attach` sets a new port up for itself even when the
PMD owns it, so it is not the way to re-plug a sub-device. testpmd also
marks every new port as being set up in its own table, hidden or not, and
then refuses a second `device detach` of it: one cycle here; the harness in
tests/test_readoption.py does a thousand.)"""
import pytest

from conftest import PMD, eal_args
from testpmd_session import TestpmdSession

FO = 2


def session(prefix, rundir, failover_args):
    vdevs = ["--vdev", "net_null0", "--vdev", "net_null1",
             "--vdev", "net_failover0,standby=net_null1,primary=net_null0" +
             failover_args]
    args = (eal_args(prefix) + vdevs + ["-d", str(PMD), "--", "-i",
            "--total-num-mbufs=4096", "--no-flush-rx"])
    return TestpmdSession(args, logfile=str(rundir / "testpmd.log"))


def test_primary_back_after_detach(prefix, rundir):
    with session(prefix, rundir, ",hotplug_poll=20") as tp:
        tp.cmd("port stop %d" % FO)
        tp.cmd("port config mtu %d 1400" % FO)
        tp.cmd("port start %d" % FO)
        tp.cmd("start")
        tp.stats_until(FO, lambda st: st["TX-packets"] > 0, what="traffic")
        mark = tp.mark()
        out = tp.cmd("device detach net_null0", timeout=30)
        assert "is detached" in out, out
        tp.expect_log("TX on standby (was primary)", mark)
        # back by itself: probed again, adopted, TX moves to it
        tp.expect_log("primary net_null0 probed again", mark)
        tp.expect_log("primary is net_null0", mark)
        tp.expect_log("TX on primary (was standby)", mark)
        assert "not brought up" not in tp.tail(200)
        # testpmd never saw the returning device as a port of its own
        assert list(tp.ports()) == [FO], tp.ports()
        before = tp.port_stats(FO)
        tp.stats_until(FO, lambda st: st["TX-packets"] >
                       before["TX-packets"], what="traffic after return")
        info = tp.port_info(FO)
        assert "MTU: 1400" in info["_raw"], info["_raw"]
        tp.cmd("stop")


def test_primary_stays_away_without_poll(prefix, rundir):
    """Without hotplug_poll (and no device event for a vdev), a detached
    primary is not re-created: the port runs on the standby."""
    with session(prefix, rundir, "") as tp:
        tp.cmd("start")
        tp.stats_until(FO, lambda st: st["TX-packets"] > 0, what="traffic")
        mark = tp.mark()
        tp.cmd("device detach net_null0", timeout=30)
        tp.expect_log("TX on standby (was primary)", mark)
        before = tp.port_stats(FO)
        tp.stats_until(FO, lambda st: st["TX-packets"] > before["TX-packets"],
                       what="traffic on the standby")
        assert "probed again" not in tp.tail(200)
        tp.cmd("stop")
