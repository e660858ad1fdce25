# SPDX-License-Identifier: BSD-3-Clause
"""The primary comes back: remove and re-add it many times while every
queue is bursting, and read back from each re-adopted primary the settings
the application made on the failover port (the journal's replay).

The soak rotates every detection path: ethdev RMV, the EAL removal event,
the same event twice (vfio repeats its request) and once more after the
release, detach (port destroy), and the carrier going down and up. After
every cycle each forwarding lcore must still be completing bursts; after
the run the mempool is back to its baseline, the counters never went
backwards and the PMD's own counters equal the cycles.

FO_LONG=1 runs the long mode (10,000 cycles)."""
import os

import pytest

from conftest import BUILD, PMD, eal_args, run

HARNESS = BUILD / "tests/fo_functional"
LONG = os.environ.get("FO_LONG") == "1"


def harness(prefix, vdevs, args, lcores="0@0,1@1,2@1,3@0", timeout=600,
            env=None):
    cmd = [str(HARNESS)] + eal_args(prefix, mem=512)
    cmd[cmd.index("-l"):cmd.index("-l") + 2] = ["--lcores", lcores]
    cmd += ["-d", str(PMD)]
    for v in vdevs:
        cmd += ["--vdev", v]
    out = run(cmd + ["--"] + args, timeout=timeout, env=env)
    res = dict(l.split("=", 1) for l in out.stdout.splitlines()
               if "=" in l and " " not in l.split("=", 1)[0])
    return out, res


def check_clean(out, res, tx_slack=0):
    """@tx_slack: mbufs a sub-device's TX ring may still hold once the
    lcores stop (virtio reclaims its TX descriptors on the next burst)."""
    assert out.returncode == 0, out.stdout[-3000:]
    assert "error" not in res and "setting_lost" not in res, \
        out.stdout[-3000:]
    assert res["stats_monotonic"] == "1"
    assert res["mbufs_in_use_closed"] == "0"
    assert res["fo_oerrors"] == "0"
    assert res["rx_bad_port"] == "0"
    # lcores stopped: what the rings hold is what they held at the start
    held = int(res["mbufs_in_use_stopped"]) - int(res["mbufs_in_use_started"])
    assert 0 <= held <= tx_slack, (res["mbufs_in_use_started"],
                                   res["mbufs_in_use_stopped"])
    # every packet the application sent was counted by the failover port
    assert res["fo_opackets"] == res["sent"]


@pytest.mark.parametrize("sync", [None, "fence"])
def test_cycles_null_every_path(prefix, sync):
    """1,000 cycles (10,000 long) rotating ethdev RMV, the EAL removal
    event, the event twice, detach and carrier loss; MTU, default MAC, RSS
    key and RETA read back each time. Also with the grace period of a
    kernel without membarrier(): a fence in every burst (FO_TEST_SYNC)."""
    cycles = 10000 if LONG else 1000
    env = None if sync is None else dict(os.environ, FO_TEST_SYNC=sync)
    out, res = harness(prefix, [
        "net_null0", "net_null1,no-rx=1",
        "net_failover0,standby=net_null1,primary=net_null0"], [
        "--primary", "net_null0", "--standby", "net_null1",
        "--primary-args", "net_null0", "--queues", "2",
        "--cycles", str(cycles), "--packets", str(10 ** 12),
        "--settings", "mtu,mac,rss,reta"], env=env)
    check_clean(out, res)
    assert (sync is not None) == ("grace periods use" in out.stdout)
    assert int(res["cycles"]) == cycles
    assert int(res["cycles_verified"]) == cycles
    # one cycle in five takes the carrier away: the device stays
    links = int(res["link_cycles"])
    assert links == cycles // 5
    # the PMD counted each cycle: away and back, one re-adoption each time
    # the device itself went
    assert int(res["failover_switchovers"]) == 2 * cycles
    assert int(res["failover_readoptions"]) == cycles - links
    assert int(res["failover_readoption_failures"]) == 0
    print("readopt_us median %s max %s" % (res["readopt_us_median"],
                                           res["readopt_us_max"]))


def test_cycles_with_application_control_thread(prefix):
    """200 cycles (every path but the carrier, which a port restart would
    bring back) while the application's own thread calls stats, xstats,
    MTU, promiscuous mode, queue stop/start and port stop/start on the
    failover port: the event thread switching must not deadlock with it
    nor lose a count."""
    cycles = 2000 if LONG else 200
    out, res = harness(prefix, [
        "net_null0", "net_null1,no-rx=1",
        "net_failover0,standby=net_null1,primary=net_null0,no_path=hold"], [
        "--primary", "net_null0", "--standby", "net_null1",
        "--primary-args", "net_null0", "--queues", "2",
        "--vias", "rmv,dev-event,dev-event2,destroy",
        "--cycles", str(cycles), "--packets", str(10 ** 12),
        "--control-thread"])
    check_clean(out, res)
    assert int(res["cycles_verified"]) == cycles
    assert int(res["control_ops"]) > 1000
    assert int(res["failover_switchovers"]) == 2 * cycles
    assert int(res["failover_readoptions"]) == cycles


def test_cycles_virtio_user(prefix, rundir):
    """virtio-user primary and standby against vhost-user backends; the
    primary re-created each cycle; MTU and promiscuous mode read back.
    (rte_dev_remove of a started virtio-user fails in DPDK itself, so the
    removal paths here are RMV and the EAL event.)"""
    cycles = 1000 if LONG else 100
    mac = "02:fa:00:00:00:10"
    s, p = rundir / "s.sock", rundir / "p.sock"
    primary = "net_virtio_user1,path=%s,queues=1,mac=%s,cq=1" % (p, mac)
    out, res = harness(prefix, [
        "net_vhost0,iface=%s,queues=1" % s,
        "net_vhost1,iface=%s,queues=1" % p], [
        "--create", "net_failover0,standby=(net_virtio_user0,path=%s,"
        "queues=1,mac=%s,cq=1),primary=(%s)" % (s, mac, primary),
        "--primary", "net_virtio_user1", "--standby", "net_virtio_user0",
        "--peer", "net_vhost0", "--extra-peer", "net_vhost1",
        "--primary-args", primary, "--vias", "rmv,dev-event",
        "--cycles", str(cycles), "--packets", str(10 ** 12),
        "--settings", "mtu,promisc"], lcores="0@0,1@1,2@1")
    # two TX rings of 256 descriptors, reclaimed lazily
    check_clean(out, res, tx_slack=512)
    assert int(res["cycles_verified"]) == cycles
    assert int(res["failover_switchovers"]) == 2 * cycles
    assert int(res["failover_readoptions"]) == cycles
