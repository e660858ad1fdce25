# SPDX-License-Identifier: BSD-3-Clause
"""dpdk-testpmd driven as a person would, on the failover port.

Most tests use two net_null sub-devices (they generate RX endlessly and
count TX), declared before the failover vdev:

    --vdev net_null0 --vdev net_null1 \\
    --vdev net_failover0,standby=net_null1,primary=net_null0

so the failover port is port 2 and ports 0 and 1 are owned and hidden.
The virtio tests run a second testpmd as the vhost-user backend (the net_vhost
PMD creates its socket only when its port is configured, after EAL init, so
an in-process backend cannot serve virtio-user sub-devices probed at EAL
init); that backend also sees, per sub-device, what the failover port sends.
"""
import re

import pytest

from conftest import PMD, absent_primary_failover, eal_args
from testpmd_session import TestpmdSession

TESTPMD_OPTS = ["--total-num-mbufs=4096",
                # Without it, every `start` polls the endless net_null RX
                # for a second per queue and pass.
                "--no-flush-rx"]
NULL_PAIR = ["--vdev", "net_null0", "--vdev", "net_null1",
             "--vdev", "net_failover0,standby=net_null1,primary=net_null0"]
FO = 2  # the failover port with NULL_PAIR
MAC_RE = r"([0-9A-F]{2}(?::[0-9A-F]{2}){5})"


def session(prefix, rundir, vdevs):
    """testpmd -i with the failover plugin and @vdevs (not started yet)."""
    args = (eal_args(prefix) + list(vdevs) +
            ["-d", str(PMD), "--", "-i"] + TESTPMD_OPTS)
    return TestpmdSession(args, logfile=str(rundir / "testpmd.log"))


@pytest.fixture
def tp(prefix, rundir):
    """testpmd with the net_null pair; quits and checks the exit on exit."""
    with session(prefix, rundir, NULL_PAIR) as s:
        yield s


def info_value(info, key):
    assert key in info, "no %r in port info:\n%s" % (key, info["_raw"])
    return info[key]


ERROR_RE = re.compile(r"(?i)\b(fail|failed|error|invalid|refused|cannot)\b")


def assert_no_error(out):
    """No error line in a command's output ("failover" does not count)."""
    bad = [l for l in out.splitlines() if ERROR_RE.search(l)]
    assert not bad, "error in command output:\n" + out


def assert_failover_log_clean(s):
    """No refusal or error logged by the failover PMD during the session."""
    bad = [l for l in s.log.splitlines()
           if l.startswith("net_failover0:") and
           re.search(r"refused|failed|cannot|invalid", l)]
    assert not bad, "unexpected failover errors:\n" + "\n".join(bad)


# -- port information and statistics -------------------------------------


def test_show_port_info(prefix, rundir):
    """The failover port is the only visible port; show port info reports
    its identity, the MAC given by mac=, link up and the intersected
    capabilities of the sub-devices (net_null: 1 MAC address, 1024 queues)."""
    vdevs = ["--vdev", "net_null0", "--vdev", "net_null1", "--vdev",
             "net_failover0,standby=net_null1,primary=net_null0,"
             "mac=02:00:00:00:0a:01"]
    with session(prefix, rundir, vdevs) as s:
        ports = s.ports()
        assert list(ports) == [FO], ports
        assert ports[FO]["name"] == "net_failover0"
        assert ports[FO]["driver"] == "net_failover"
        assert ports[FO]["status"] == "up"
        assert ports[FO]["mac"] == "02:00:00:00:0A:01"

        info = s.port_info(FO)
        assert info_value(info, "Device name") == "net_failover0"
        assert info_value(info, "Driver name") == "net_failover"
        assert info_value(info, "MAC address") == "02:00:00:00:0A:01"
        assert info_value(info, "Devargs") == \
            "standby=net_null1,primary=net_null0,mac=02:00:00:00:0a:01"
        assert info_value(info, "Link status") == "up"
        assert info_value(info, "MTU") == "1500"
        # Intersection: net_null's single MAC, not the failover's 64.
        assert info_value(info, "Maximum number of MAC addresses") == "1"
        assert info_value(info, "Max possible RX queues") == "1024"
        assert info_value(info, "Current number of RX queues") == "1"
        assert info_value(info, "Current number of TX queues") == "1"

        # The sub-devices are owned: testpmd refuses to touch them.
        for sub in (0, 1):
            out = s.cmd("show port info %d" % sub)
            assert "Invalid port %d" % sub in out, out
        assert s.alive()
        assert_failover_log_clean(s)


def test_stats_xstats_and_clear(tp):
    """Forwarding makes RX and TX rise on the failover port; after stop the
    basic stats and the xstats agree exactly; clear resets both to 0."""
    assert "io packet forwarding" in tp.cmd("start")
    first = tp.stats_until(FO, lambda st: st["RX-packets"] > 0 and
                           st["TX-packets"] > 0, what="traffic")
    tp.stats_until(FO, lambda st: st["RX-packets"] > first["RX-packets"] and
                   st["TX-packets"] > first["TX-packets"],
                   what="counters rising")
    tp.cmd("stop")

    st = tp.port_stats(FO)
    xs = tp.port_xstats(FO)
    assert xs["rx_good_packets"] == st["RX-packets"] > 0, (xs, st["_raw"])
    assert xs["tx_good_packets"] == st["TX-packets"] > 0, (xs, st["_raw"])
    assert xs["tx_errors"] == st["TX-errors"] == 0
    # Stopped: nothing moves any more.
    again = tp.port_stats(FO)
    assert again["RX-packets"] == st["RX-packets"]
    assert again["TX-packets"] == st["TX-packets"]

    out = tp.cmd("clear port stats %d" % FO)
    assert "NIC statistics for port %d cleared" % FO in out, out
    st = tp.port_stats(FO)
    assert st["RX-packets"] == st["TX-packets"] == 0, st["_raw"]
    xs = tp.port_xstats(FO)
    assert xs["rx_good_packets"] == xs["tx_good_packets"] == 0, xs

    # Counting resumes from zero after a reset.
    tp.cmd("start")
    tp.stats_until(FO, lambda st: st["RX-packets"] > 0 and
                   st["TX-packets"] > 0, what="traffic after clear")
    tp.cmd("stop")
    assert_failover_log_clean(tp)


def test_port_stop_start(tp):
    """port stop takes the link down (no TX path), port start brings it
    back on the primary, and forwarding works again."""
    mark = tp.mark()
    tp.cmd("port stop %d" % FO)
    tp.expect_log("net_failover0: TX on none (was primary)", mark)
    assert info_value(tp.port_info(FO), "Link status") == "down"
    assert tp.ports()[FO]["status"] == "down"

    mark = tp.mark()
    assert_no_error(tp.cmd("port start %d" % FO))
    tp.expect_log("net_failover0: TX on primary (was none)", mark)
    assert info_value(tp.port_info(FO), "Link status") == "up"
    assert tp.ports()[FO]["status"] == "up"

    before = tp.port_stats(FO)
    tp.cmd("start")
    tp.stats_until(FO, lambda st: st["TX-packets"] > before["TX-packets"],
                   what="TX after restart")
    tp.cmd("stop")
    assert_failover_log_clean(tp)


def test_queues_rss_and_reta(tp):
    """Two RX/TX queues, configured with the port stopped, reach the
    sub-devices: the port starts with 2 queues, RSS hash and RETA updates
    are accepted and read back, and both queues forward."""
    tp.cmd("port stop %d" % FO)
    assert tp.cmd("port config all rxq 2").strip() == ""
    assert tp.cmd("port config all txq 2").strip() == ""
    assert_no_error(tp.cmd("port start %d" % FO))
    info = tp.port_info(FO)
    assert info_value(info, "Current number of RX queues") == "2"
    assert info_value(info, "Current number of TX queues") == "2"

    out = tp.cmd("port config all rss ip")
    assert_no_error(out)
    assert "isn't enabled" not in out, out
    # net_null's RETA has 128 entries; move entries 0 and 2 to queue 1.
    assert_no_error(tp.cmd("port config %d rss reta (0,1),(1,0),(2,1)" % FO))
    out = tp.cmd("show port %d rss reta 128 (0x7,0x0)" % FO)
    reta = dict((int(i), int(q)) for i, q in re.findall(
        r"hash index=(\d+), queue=(\d+)", out))
    assert reta == {0: 1, 1: 0, 2: 1}, out

    out = tp.cmd("start")
    assert "RX P=%d/Q=1" % FO in out, out
    tp.stats_until(FO, lambda st: st["TX-packets"] > 0, what="traffic")
    out = tp.cmd("stop")
    per_queue = re.findall(r"RX Port= ?%d/Queue= ?(\d) -> TX Port= ?%d/"
                           r"Queue= ?\d -+\s+RX-packets: (\d+)" % (FO, FO),
                           out)
    assert sorted(q for q, _ in per_queue) == ["0", "1"], out
    assert all(int(n) > 0 for _, n in per_queue), out
    assert_failover_log_clean(tp)


def test_mtu(tp):
    """port config mtu changes the failover port's MTU (and so its
    sub-devices'); it survives a stop/start."""
    assert_no_error(tp.cmd("port config mtu %d 1400" % FO))
    assert info_value(tp.port_info(FO), "MTU") == "1400"
    tp.cmd("port stop %d" % FO)
    tp.cmd("port start %d" % FO)
    assert info_value(tp.port_info(FO), "MTU") == "1400"
    tp.cmd("port config mtu %d 1500" % FO)
    assert info_value(tp.port_info(FO), "MTU") == "1500"
    assert_failover_log_clean(tp)


def test_promiscuous_and_allmulticast(tp):
    """set promisc / set allmulti on and off are applied and shown."""
    assert info_value(tp.port_info(FO), "Promiscuous mode") == "enabled"
    for mode, key in (("promisc", "Promiscuous mode"),
                      ("allmulti", "Allmulticast mode")):
        for state, shown in (("on", "enabled"), ("off", "disabled"),
                             ("on", "enabled")):
            assert_no_error(tp.cmd("set %s %d %s" % (mode, FO, state)))
            assert info_value(tp.port_info(FO), key) == shown, (mode, state)
    assert_failover_log_clean(tp)


def test_mac_commands_null_pair(tp):
    """mac_addr set changes the port MAC; with net_null (one MAC address
    only) mac_addr add is refused cleanly and the MAC list is unchanged."""
    assert_no_error(tp.cmd("mac_addr set %d 02:00:00:00:00:44" % FO))
    assert info_value(tp.port_info(FO), "MAC address") == "02:00:00:00:00:44"
    assert tp.ports()[FO]["mac"] == "02:00:00:00:00:44"
    out = tp.cmd("show port %d macs" % FO)
    assert re.findall(MAC_RE, out) == ["02:00:00:00:00:44"], out

    out = tp.cmd("mac_addr add %d 02:00:00:00:00:33" % FO)
    assert "MAC address array full" in out, out
    assert "mac_addr_cmd error" in out, out
    out = tp.cmd("show port %d macs" % FO)
    assert re.findall(MAC_RE, out) == ["02:00:00:00:00:44"], out
    # Removing an address that is not there is a no-op.
    tp.cmd("mac_addr remove %d 02:00:00:00:00:33" % FO)
    out = tp.cmd("show port %d macs" % FO)
    assert re.findall(MAC_RE, out) == ["02:00:00:00:00:44"], out
    assert tp.ports()[FO]["status"] == "up"


def test_vlan_filter_refused_cleanly(tp):
    """Neither net_null nor any other software sub-device has a VLAN filter:
    the intersected capabilities say so, the commands are refused with an
    error, the offload stays off and testpmd keeps running."""
    out = tp.cmd("vlan set filter on %d" % FO)
    assert "failed" in out, out
    out = tp.cmd("rx_vlan add 100 %d" % FO)
    assert "failed" in out, out
    info = tp.port_info(FO)
    assert "filter off" in info["_raw"], info["_raw"]
    assert tp.ports()[FO]["status"] == "up"


def test_link_down_up_refused_by_null(tp):
    """net_null cannot set its link: set link-down/up are refused, the
    failover PMD says by whom, and the link stays up."""
    out = tp.cmd("set link-down port %d" % FO)
    assert "Set link down fail" in out, out
    assert ("net_failover0: link down refused by primary net_null0 "
            "(Operation not supported)") in out, out
    assert info_value(tp.port_info(FO), "Link status") == "up"
    out = tp.cmd("set link-up port %d" % FO)
    assert "Set link up fail" in out, out
    assert info_value(tp.port_info(FO), "Link status") == "up"


def test_link_down_up_ring(prefix, rundir):
    """With a sub-device that can set its link (net_ring), set link-down
    takes the failover link down and set link-up brings it back."""
    vdevs = ["--vdev", "net_ring0", "--vdev", "net_failover0,standby=net_ring0"]
    with session(prefix, rundir, vdevs) as s:
        port = s.port_of("net_failover0")
        assert list(s.ports()) == [port]
        assert info_value(s.port_info(port), "Link status") == "up"
        mark = s.mark()
        assert_no_error(s.cmd("set link-down port %d" % port))
        s.expect_log("net_failover0: TX on none (was standby)", mark)
        assert info_value(s.port_info(port), "Link status") == "down"
        assert s.ports()[port]["status"] == "down"
        mark = s.mark()
        assert_no_error(s.cmd("set link-up port %d" % port))
        s.expect_log("net_failover0: TX on standby (was none)", mark)
        assert info_value(s.port_info(port), "Link status") == "up"
        assert_failover_log_clean(s)


def test_port_close_releases_sub_devices(prefix, rundir):
    """port close on the failover port stops, closes and removes the
    sub-devices it probed itself: none of them is left behind."""
    vdevs = ["--vdev", "net_failover0,standby=(net_null5),primary=(net_null6)"]
    with session(prefix, rundir, vdevs) as s:
        port = s.port_of("net_failover0")
        assert list(s.ports()) == [port]
        devs = s.cmd("show device info all")
        assert "Infos for device net_null5" in devs, devs
        assert "Infos for device net_null6" in devs, devs

        s.cmd("port stop %d" % port)
        out = s.cmd("port close %d" % port)
        assert "net_failover0: primary released" in out, out
        assert "net_failover0: standby released" in out, out
        assert "net_failover0: closed" in out, out
        assert s.ports() == {}
        devs = s.cmd("show device info all")
        assert "device net_null5" not in devs, devs
        assert "device net_null6" not in devs, devs
        assert_failover_log_clean(s)


# -- hot-unplug of sub-devices while forwarding --------------------------


def test_detach_primary_while_forwarding(tp):
    """The headline: `device detach` of the primary during io forwarding.
    testpmd survives, TX moves to the standby at once (no packet dropped for
    want of a path), the failover counters never go back and keep rising
    (TX now only through the standby), and testpmd quits cleanly."""
    tp.cmd("start")
    tp.stats_until(FO, lambda st: st["TX-packets"] > 0, what="traffic")
    before = tp.port_stats(FO)

    mark = tp.mark()
    out = tp.cmd("device detach net_null0", timeout=30)
    assert "Device net_null0 is detached" in out, out
    tp.expect_log("net_failover0: primary net_null0 (port 0): port destroy "
                  "in state started", mark)
    tp.expect_log("net_failover0: TX on standby (was primary)", mark)
    assert tp.alive()

    after = tp.port_stats(FO)
    # Folded counters: what the primary counted is not lost.
    assert after["RX-packets"] >= before["RX-packets"], (before, after)
    assert after["TX-packets"] >= before["TX-packets"], (before, after)
    tp.stats_until(FO, lambda st: st["TX-packets"] > after["TX-packets"] and
                   st["RX-packets"] > after["RX-packets"],
                   what="traffic through the standby")
    final = tp.port_stats(FO)
    assert final["TX-errors"] == 0, final["_raw"]
    ports = tp.ports()
    assert list(ports) == [FO] and ports[FO]["status"] == "up", ports

    out = tp.cmd("stop")
    fwd = re.search(r"Forward statistics for port %d.*?RX-packets:\s+(\d+).*?"
                    r"TX-packets:\s+(\d+)\s+TX-dropped:\s+(\d+)" % FO, out,
                    re.S)
    assert fwd, out
    assert int(fwd.group(2)) > 0 and int(fwd.group(3)) == 0, out
    # Exit status 0, no crash: checked by the fixture's quit().


def test_detach_standby_then_primary_while_forwarding(tp):
    """Detaching the standby leaves TX on the primary; detaching the primary
    too leaves a port without any path: link down, counters frozen, nothing
    crashes, and the port can still be stopped, started (empty) and quit."""
    tp.cmd("start")
    tp.stats_until(FO, lambda st: st["TX-packets"] > 0, what="traffic")

    mark = tp.mark()
    out = tp.cmd("device detach net_null1")
    assert "Device net_null1 is detached" in out, out
    tp.expect_log("standby net_null1 (port 1): port destroy", mark)
    mid = tp.port_stats(FO)
    tp.stats_until(FO, lambda st: st["TX-packets"] > mid["TX-packets"],
                   what="TX on the primary")

    out = tp.cmd("device detach net_null0")
    assert "Device net_null0 is detached" in out, out
    tp.expect_log("net_failover0: TX on none (was primary)", mark)
    # TX stayed on the primary while the standby left.
    assert "TX on standby" not in tp.log[mark:], tp.log[mark:]
    ports = tp.ports()
    assert list(ports) == [FO] and ports[FO]["status"] == "down", ports
    a = tp.port_stats(FO)
    b = tp.port_stats(FO)
    assert b["RX-packets"] == a["RX-packets"], "RX without sub-devices"
    assert b["TX-packets"] == a["TX-packets"], "TX without sub-devices"
    tp.cmd("stop")

    tp.cmd("port stop %d" % FO)
    out = tp.cmd("port start %d" % FO)
    assert "started with no sub-device present" in out, out
    assert info_value(tp.port_info(FO), "Link status") == "down"


# -- virtio-user sub-devices against a vhost-user backend ----------------

FO_MAC = "02:00:00:00:00:01"


@pytest.fixture
def vhost_backend(prefix, rundir):
    """A second testpmd serving two vhost-user sockets (ports 0 and 1), in
    flowgen mode: it sends to and drains both virtio-user sub-devices."""
    args = (eal_args(prefix + "b") +
            ["--vdev", "net_vhost0,iface=%s/v0.sock,queues=1" % rundir,
             "--vdev", "net_vhost1,iface=%s/v1.sock,queues=1" % rundir,
             "--", "-i", "--total-num-mbufs=2048", "--no-flush-rx",
             "--forward-mode=flowgen"])
    with TestpmdSession(args, logfile=str(rundir / "backend.log")) as b:
        yield b


def virtio_pair(rundir, primary_mac=FO_MAC):
    def sub(name, sock, mac):
        return "(%s,path=%s/%s,queues=1%s)" % (
            name, rundir, sock, ",mac=" + mac if mac else "")
    return ["--vdev", "net_failover0,standby=%s,primary=%s" % (
        sub("net_virtio_user0", "v0.sock", FO_MAC),
        sub("net_virtio_user1", "v1.sock", primary_mac))]


def test_virtio_pair_mac_and_mtu(prefix, rundir, vhost_backend):
    """virtio-user sub-devices advertise 64 MAC addresses, so mac_addr add
    reaches the failover PMD, which passes the sub-device's refusal (no
    control queue behind vhost-user) back cleanly, leaving the MAC list as
    it was; mac_addr set and MTU changes go through."""
    with session(prefix, rundir, virtio_pair(rundir)) as s:
        port = s.port_of("net_failover0")
        assert list(s.ports()) == [port]
        info = s.port_info(port)
        assert info_value(info, "MAC address") == FO_MAC
        assert info_value(info, "Maximum number of MAC addresses") == "64"
        assert info_value(info, "Link status") == "up"

        out = s.cmd("mac_addr add %d 02:00:00:00:00:33" % port)
        assert "mac_addr_cmd error" in out, out
        assert "net_failover0: MAC add refused by primary net_virtio_user1" \
            in out, out
        out = s.cmd("show port %d macs" % port)
        assert re.findall(MAC_RE, out) == [FO_MAC], out

        assert_no_error(s.cmd("mac_addr set %d 02:00:00:00:00:44" % port))
        assert info_value(s.port_info(port), "MAC address") == \
            "02:00:00:00:00:44"
        out = s.cmd("show port %d macs" % port)
        assert re.findall(MAC_RE, out) == ["02:00:00:00:00:44"], out

        assert_no_error(s.cmd("port config mtu %d 1400" % port))
        assert info_value(s.port_info(port), "MTU") == "1400"

        out = s.cmd("vlan set filter on %d" % port)
        assert "failed" in out, out
        assert "filter off" in s.port_info(port)["_raw"]
        assert s.ports()[port]["status"] == "up"


def test_virtio_primary_link_loss_moves_tx(prefix, rundir, vhost_backend):
    """Seen from the backend: the failover port transmits only through the
    primary; when the primary's backend goes away (its link goes down), TX
    moves to the standby and the standby's backend starts receiving."""
    b = vhost_backend
    with session(prefix, rundir, virtio_pair(rundir)) as s:
        port = s.port_of("net_failover0")
        b.cmd("start")
        s.cmd("start")
        b.stats_until(1, lambda st: st["RX-packets"] > 0,
                      what="backend of the primary receiving")
        s.stats_until(port, lambda st: st["RX-packets"] > 0,
                      what="failover port receiving")
        assert b.port_stats(0)["RX-packets"] == 0, \
            "the standby transmitted while the primary was up"

        # The primary's backend disappears.
        mark = s.mark()
        b.cmd("stop")
        b.cmd("port stop 1")
        out = b.cmd("port close 1")
        assert "Port 1 is closed" in out, out
        b.cmd("set portlist 0")
        b.cmd("start")
        s.expect_log("TX on standby (was primary)", mark, timeout=30)
        b.stats_until(0, lambda st: st["RX-packets"] > 0, timeout=30,
                      what="backend of the standby receiving")
        assert s.ports()[port]["status"] == "up"
        s.cmd("stop")
        b.cmd("stop")


@pytest.mark.parametrize("close_first", [False, True])
def test_detach_failover_while_polling_absent_primary(prefix, rundir,
                                                     close_first):
    """`device detach net_failover0` while hotplug_poll probes an absent
    primary every millisecond, 20 times (the port attached again each
    time), with and without `port close` first: the detach holds the vdev
    bus's lock while it closes the port, and the close used to wait for a
    poll that waited for that lock (issue 12.3). Each detach returns, and
    nothing of the port is left: without the close first, the standby's
    device stays on the bus (closed) for the application to detach, as
    the guide says."""
    fo = absent_primary_failover(rundir)
    with session(prefix, rundir, ["--vdev", fo]) as s:
        for cycle in range(20):
            port = s.port_of("net_failover0")
            # a poll probed it (and failed) since the port was created
            s.expect_log("pmd_pcap_probe(): Error", s.mark())
            s.cmd("port stop %d" % port)
            if close_first:
                s.cmd("port close %d" % port)
            out = s.cmd("device detach net_failover0", timeout=10)
            assert "Device net_failover0 is detached" in out, \
                "cycle %d: %s" % (cycle, out)
            assert s.ports() == {}, "cycle %d" % cycle
            if not close_first:
                out = s.cmd("device detach net_null5", timeout=10)
                assert "Device net_null5 is detached" in out, out
            devs = s.cmd("show device info all")
            assert "net_null5" not in devs and "net_pcap0" not in devs, devs
            out = s.cmd("port attach " + fo, timeout=10)
            assert "is attached" in out, out
