# SPDX-License-Identifier: BSD-3-Clause
"""Functional scenarios under EAL with software sub-devices.

The standby is virtio-user against a net_vhost backend in the same process
(the real standby path); the primary is net_null. tests/functional/
fo_functional sends numbered packets on every queue from its own lcore,
removes a sub-device mid-stream by one of the paths the PMD listens to, and
reports key=value lines checked here.
"""
import os

import pytest

from conftest import BUILD, PMD, eal_args, run

HARNESS = BUILD / "tests/fo_functional"


def scenario(rundir, prefix, via, role="primary", queues=1, packets=20000,
             primary="net_null0", extra=(), env=None, refused=False):
    sock = rundir / "vhost.sock"
    # main lcore + vhost peer + one worker per queue, on the 2 cores
    lcores = ",".join(["0@0", "1@1"] + ["%d@%d" % (2 + q, (q + 1) % 2)
                                        for q in range(queues)])
    cmd = [str(HARNESS)] + eal_args(prefix, mem=512)
    cmd[cmd.index("-l"):cmd.index("-l") + 2] = ["--lcores", lcores]
    cmd += ["-d", str(PMD), "--vdev", primary,
            "--vdev", "net_vhost0,iface=%s,queues=%d" % (sock, queues),
            "--",
            "--create", "net_failover0,standby=(net_virtio_user0,path=%s,"
            "queues=%d),primary=%s" % (sock, queues, primary.split(",")[0]),
            "--primary", primary.split(",")[0], "--standby",
            "net_virtio_user0",
            "--peer", "net_vhost0", "--remove-via", via,
            "--remove-role", role, "--queues", str(queues),
            "--packets", str(packets), "--remove-at", str(packets // 2),
            "--peer-log", str(rundir / "peer.log")] + list(extra)
    out = run(cmd, timeout=120, env=env)
    res = {}
    for line in out.stdout.splitlines():
        if "=" in line and " " not in line.split("=", 1)[0]:
            k, v = line.split("=", 1)
            res[k] = v
    assert out.returncode == 0, out.stdout[-3000:]
    assert "error" not in res, out.stdout[-3000:]
    assert res.get("done") == "1", out.stdout[-3000:]
    assert (int(res["remove_ret"]) != 0) == refused, out.stdout[-3000:]
    return res, out.stdout


def check_common(res, packets, sub_errors_ok=False):
    # every packet the application offered was taken, none stalled
    assert int(res["sent"]) == packets
    assert res["stats_monotonic"] == "1"
    assert int(res["rx_bad_port"]) == 0
    # nothing leaked: every mbuf is back once the port is closed
    assert int(res["mbufs_in_use_closed"]) == 0
    # the failover port counted every packet it was given, and dropped
    # none for want of a path (a tap going down counts its own errors)
    assert int(res["fo_opackets"]) == packets
    assert sub_errors_ok or int(res["fo_oerrors"]) == 0


@pytest.mark.parametrize("via", ["rmv", "dev-event", "destroy"])
@pytest.mark.parametrize("queues", [1, 2])
def test_primary_removed_under_traffic(rundir, prefix, via, queues,
                                       sync=None):
    packets = 20000
    env = None
    if sync is not None:
        # the grace period without the expedited membarrier() (issue 12.4)
        env = dict(os.environ, FO_TEST_SYNC=sync)
    res, log = scenario(rundir, prefix, via, queues=queues, packets=packets,
                        env=env)
    if sync is not None:
        assert "no expedited membarrier(): grace periods use" in log, log
        assert ("a fence in every burst" in log) == (sync == "fence")
    check_common(res, packets)
    assert int(res["remove_ret"]) == 0
    # TX moved to the standby, and the primary device was released
    assert res["switch_us"] != "never", log[-2000:]
    assert res["released_us"] != "never", log[-2000:]
    assert res["primary_present"] == "0"
    assert "TX on standby (was primary)" in log
    if via != "destroy":
        # the PMD itself stopped, closed and removed the device
        assert "primary released" in log
    # the rest of the stream crossed the real standby path, all of it
    standby = int(res["standby_opackets"])
    assert standby > 0
    assert int(res["peer_received"]) == standby
    seqs = [int(x) for x in (rundir / "peer.log").read_text().split()]
    assert len(seqs) == len(set(seqs)) == standby
    # one-way and lossless: on each queue, what the standby carried is the
    # tail of that queue's sequence, without a gap, to its last packet
    share = packets // queues
    for q in range(queues):
        mine = sorted(s & 0xffffffffffff for s in seqs if s >> 48 == q)
        assert mine, "queue %d never reached the standby" % q
        assert mine == list(range(mine[0], share)), "queue %d" % q


def test_primary_link_down_keeps_device(rundir, prefix):
    packets = 20000
    # net_tap can set its link down and take the failover MAC (net_null
    # has no link op, net_ring no MAC op)
    res, log = scenario(rundir, prefix, "link", packets=packets,
                        primary="net_tap0,iface=fo%d" % os.getpid())
    check_common(res, packets, sub_errors_ok=True)
    assert res["switch_us"] != "never"
    assert res["primary_present"] == "1"
    assert "TX on standby (was primary)" in log
    assert "primary released" not in log.split("remove_ret")[1].split(
        "sent=")[0]


@pytest.mark.parametrize("sync", ["global", "fence"])
@pytest.mark.parametrize("via", ["rmv", "destroy"])
def test_grace_period_fallbacks(rundir, prefix, via, sync):
    """The removal under traffic on 2 queues, with the grace period made by
    the system-wide membarrier() or by a fence in every burst, as on a
    kernel without the expedited one (forced by FO_TEST_SYNC)."""
    test_primary_removed_under_traffic(rundir, prefix, via, 2, sync=sync)


@pytest.mark.parametrize("via", ["rmv", "dev-event"])
def test_standby_removed_primary_keeps_running(rundir, prefix, via):
    packets = 20000
    res, log = scenario(rundir, prefix, via, role="standby", packets=packets)
    check_common(res, packets)
    assert res["primary_present"] == "1"
    assert res["released_us"] != "never"
    assert "standby released" in log
    # the primary carried everything: nothing went to the standby
    assert int(res["peer_received"]) == 0


def test_detach_of_started_virtio_user_is_refused(rundir, prefix):
    """The application's rte_dev_remove() of the virtio-user standby while
    the failover port runs: ethdev refuses to close a started port, so the
    driver's remove fails before it frees anything; the standby stays
    adopted and the stream is untouched (the guide's rule for detaching a
    sub-device; issue 12.5)."""
    packets = 20000
    res, log = scenario(rundir, prefix, "destroy", role="standby",
                        packets=packets, refused=True)
    check_common(res, packets)
    assert "Cannot close started device" in log
    assert res["released_us"] == "never"
    assert res["primary_present"] == "1"
    # still the failover port's until the failover port itself is closed
    assert "standby released" in log.split("mbufs_in_use_stopped")[1]
    assert int(res["peer_received"]) == 0


def test_full_cycle_per_path(rundir, prefix):
    """Removal, traffic on the standby, the primary plugged back and
    re-adopted: every numbered packet reaches exactly one sink."""
    packets = 30000
    res, log = scenario(rundir, prefix, "dev-event", packets=packets,
                        extra=["--readd-at", str(packets * 2 // 3),
                               "--primary-args", "net_null0"])
    check_common(res, packets)
    assert res["readopt_us"] != "never"
    assert "TX on primary (was standby)" in log
    standby, peer = int(res["standby_opackets"]), int(res["peer_received"])
    again = int(res["primary_opackets_end"])
    first = int(res["fo_opackets"]) - standby - again
    # each third went its own way, and nothing was lost on any path
    assert first > 0 and standby > 0 and again > 0
    assert peer == standby
    assert first + peer + again == packets
    seqs = [int(x) for x in (rundir / "peer.log").read_text().split()]
    assert len(seqs) == len(set(seqs)) == standby
    # the standby's share is one unbroken stretch of the sequence
    mine = sorted(s & 0xffffffffffff for s in seqs)
    assert mine == list(range(mine[0], mine[-1] + 1))
