# SPDX-License-Identifier: BSD-3-Clause
"""Which device becomes the primary, and the policy device arguments, with
traffic on: scripted steps of tests/functional/fo_functional (--step)."""
import os
import subprocess

import pytest

from conftest import BUILD, PMD, eal_args, run

HARNESS = BUILD / "tests/fo_functional"
MAC = "02:fa:00:00:00:20"


def steps(prefix, vdevs, args, step_list):
    cmd = [str(HARNESS)] + eal_args(prefix, mem=512) + ["-d", str(PMD)]
    for v in vdevs:
        cmd += ["--vdev", v]
    cmd += ["--"] + args + ["--packets", str(10 ** 12)]
    for s in step_list:
        cmd += ["--step", s]
    out = run(cmd, timeout=180)
    assert out.returncode == 0, out.stdout[-3000:]
    for i, s in enumerate(step_list):
        assert "step%d=ok %s" % (i, s) in out.stdout, out.stdout[-3000:]
    assert "mbufs_in_use_closed=0" in out.stdout
    return out.stdout


def tag():
    return "%x" % (os.getpid() & 0xffff)


def test_mac_rule_for_hotplugged_ports(prefix):
    """Without primary=, a port that appears with the failover MAC is the
    primary (Linux net_failover's rule); another MAC, or a second candidate
    while one is adopted, is left to the application, with a log line."""
    t = tag()
    log = steps(prefix, ["net_failover0,standby=(net_null1),mac=%s" % MAC],
                ["--standby", "net_null1"], [
        "plug:net_tap0,iface=fa%s,mac=02:fa:00:00:00:21" % t,
        "expect-visible:net_tap0",
        "plug:net_tap1,iface=fb%s,mac=%s" % (t, MAC),
        "expect-adopted:net_tap1",
        "plug:net_tap2,iface=fc%s,mac=%s" % (t, MAC),
        "expect-visible:net_tap2"])
    assert "port 2 (net_tap0) is not the failover MAC: not a primary" in log
    assert "primary net_tap2 appeared while the primary is present: " \
           "ignored" in log


@pytest.fixture
def veth():
    a, b = "fv%s" % tag(), "fw%s" % tag()
    subprocess.run(["ip", "link", "add", a, "type", "veth", "peer", "name",
                    b], check=True)
    subprocess.run(["ip", "link", "set", a, "address", MAC], check=True)
    for i in (a, b):
        subprocess.run(["ip", "link", "set", i, "up"], check=True)
    yield a
    subprocess.run(["ip", "link", "del", a])


def test_refused_replay_stays_on_standby_and_is_retried(prefix, veth):
    """The application set MTU 1400 while a tap primary was there. The
    application detaches it with the failover port stopped (net_tap frees
    its queues in its close: the guide's rule). A net_pcap primary comes back that cannot set its MTU: it
    is held out, logged once by name of the setting, TX stays on the
    standby, and restarting the port does not fail for it. Once the
    application sets 1500 again, the next poll tick adopts it."""
    t = tag()
    log = steps(prefix, ["net_failover0,standby=(net_null1),mac=%s,"
                         "hotplug_poll=20" % MAC], ["--standby", "net_null1"], [
        "plug:net_tap1,iface=fb%s,mac=%s" % (t, MAC),
        "expect-adopted:net_tap1",
        "mtu:1400",
        "stop:-",
        "detach:net_tap1",
        "start:-",
        "plug:net_pcap0,iface=%s,phy_mac=1" % veth,
        "expect-held:net_pcap0",
        # a held-out primary does not make the application's start fail
        "restart:-",
        "expect-held:net_pcap0",
        "mtu:1500",
        "expect-adopted:net_pcap0"])
    refusals = [l for l in log.splitlines() if "not brought up" in l]
    assert refusals and all("net_pcap0" in l and "mtu failed" in l
                            for l in refusals)
    # retried on every poll tick, logged once
    assert len(refusals) == 1, refusals


@pytest.mark.parametrize("policy,polled", [("always", "yes"),
                                           ("absent", "no")])
def test_standby_rx_policy(prefix, policy, polled):
    """standby_rx=always polls the standby all the time; absent (Linux's
    rule) only while the primary is away, plus the drain window."""
    steps(prefix, ["net_null0", "net_null1",
                   "net_failover0,standby=net_null1,primary=net_null0,"
                   "standby_rx=%s,drain_ms=20" % policy],
          ["--standby", "net_null1", "--primary", "net_null0"], [
        "expect-adopted:net_null0",
        "expect-standby-rx:%s" % polled,
        "detach:net_null0",
        "expect-standby-rx:yes"])


@pytest.mark.parametrize("policy", ["drop", "hold"])
def test_no_path_policy(prefix, policy):
    """Both sub-devices gone: drop and count in oerrors (Linux), or take
    nothing so that the application keeps its packets and retries."""
    steps(prefix, ["net_null0", "net_null1",
                   "net_failover0,standby=net_null1,primary=net_null0,"
                   "no_path=%s" % policy],
          ["--standby", "net_null1", "--primary", "net_null0"], [
        "expect-adopted:net_null0", "detach:net_null0", "detach:net_null1",
        "expect-no-path:%s" % policy])


def test_warmup_delays_switch_back(prefix):
    """warmup_ms: a returning primary is started and polled at once, but
    carries TX only after the delay."""
    cmd = [str(HARNESS)] + eal_args(prefix, mem=512) + ["-d", str(PMD),
           "--vdev", "net_null0", "--vdev", "net_null1,no-rx=1",
           "--vdev", "net_failover0,standby=net_null1,primary=net_null0,"
           "warmup_ms=100", "--",
           "--primary", "net_null0", "--standby", "net_null1",
           "--primary-args", "net_null0", "--cycles", "3",
           "--packets", str(10 ** 12)]
    out = run(cmd, timeout=120)
    res = dict(l.split("=", 1) for l in out.stdout.splitlines()
               if "=" in l and " " not in l.split("=", 1)[0])
    assert out.returncode == 0 and res.get("cycles_verified") == "3", \
        out.stdout[-3000:]
    assert 100000 <= int(res["readopt_us_median"]) < 1000000, res


def test_dev_add_event_brings_named_primary_back(prefix):
    """RTE_DEV_EVENT_ADD (what EAL's uevent monitor raises when a PCI device
    appears) for the named primary: the PMD probes it from its deferred
    work, adopts it and moves TX back; no poll needed."""
    log = steps(prefix, ["net_null0", "net_null1",
                         "net_failover0,standby=net_null1,primary=net_null0"],
                ["--standby", "net_null1", "--primary", "net_null0"], [
        "expect-adopted:net_null0", "detach:net_null0",
        "dev-add:net_null0", "expect-adopted:net_null0"])
    assert "device net_null0 added" in log
    assert "primary net_null0 probed again" in log


def test_probe_any_probes_unnamed_devices(prefix):
    """probe_any=1: a device that appears is probed to learn its MAC; one
    with another MAC is then left to the application."""
    log = steps(prefix, ["net_failover0,standby=(net_null1),mac=%s,"
                         "probe_any=1" % MAC], ["--standby", "net_null1"], [
        "dev-add:net_null5", "expect-visible:net_null5"])
    assert "device net_null5 added" in log
    assert "(net_null5) is not the failover MAC: not a primary" in log


def test_forwarded_fast_path_functions(prefix):
    """rx_queue_count, descriptor status, tx_prepare and fw version go to a
    sub-device: net_null has none of them, and its answers come through
    (-ENOTSUP; tx_prepare without a device check passes the packet)."""
    log = steps(prefix, ["net_null0", "net_null1",
                         "net_failover0,standby=net_null1,primary=net_null0"],
                ["--standby", "net_null1", "--primary", "net_null0"],
                ["expect-adopted:net_null0", "fastpath:-"])
    res = dict(l.split("=", 1) for l in log.splitlines()
               if "=" in l and " " not in l.split("=", 1)[0])
    assert res["rx_queue_count"] == "-95"
    assert res["rx_descriptor_status"] == "-95"
    assert res["tx_descriptor_status"] == "-95"
    assert res["tx_prepare"] == "1"
    assert res["fw_version"] == "-95"


def test_sub_devices_keep_their_driver(prefix):
    """The PMD writes nothing into a sub-device's bus or driver structures
    (issue 12.5): while adopted, each device still points to the rte_driver
    its bus registered, as driver identity checks (enic's dev_is_enic(),
    dpaa2's comparison with its own driver) require."""
    log = steps(prefix, ["net_null0", "net_null1",
                         "net_failover0,standby=net_null1,primary=net_null0"],
                ["--standby", "net_null1", "--primary", "net_null0"], [
        "expect-adopted:net_null0",
        "driver-is-own:net_null0",
        "driver-is-own:net_null1"])
    assert log.count("driver_is_own=yes") == 2, log


def test_undeclared_primary_is_polled_by_name(prefix):
    """With hotplug_poll, a primary named but neither present nor declared
    is not a typo to refuse (test_devargs: refused without the poll) but a
    device to probe by name, as an application that detached it and cannot
    declare it again (Open vSwitch) needs."""
    log = steps(prefix, ["net_failover0,standby=(net_null1),"
                         "primary=net_null8,hotplug_poll=20"],
                ["--standby", "net_null1"], [
        "expect-adopted:net_null8"])
    assert "primary net_null8 absent: probed every 20 ms" in log, log
    assert "primary net_null8 probed again" in log, log
