# SPDX-License-Identifier: BSD-3-Clause
"""The hotplug scenario, end to end, and its figures.

Traffic up on the primary -> QMP device_del of the primary -> traffic goes
on on the standby -> QMP DEVICE_DELETED (the guest let the device go) ->
device_add -> the guest binds it (console: FO-BOUND) -> the failover port
takes it back by itself -> traffic on the primary again. Every step waits
for what proves it: a QMP event, a console line, replies on a cable.

    python3 tests/vm/scenario.py [--mode vfio|uio|linux]
        [--hotplug acpi|native] [--rundir DIR]   (default: the matrix)
    python3 tests/vm/scenario.py --migrate nova|teaming [--mode vfio|linux]
"""
import argparse
import contextlib
import os
import pathlib
import re
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).parent))
import guest as guest_build          # noqa: E402
import qemu                          # noqa: E402
import traffic                       # noqa: E402

FAILOVER_PORT = 2        # after the two PCI ports the guest probes first
MATRIX = [("vfio", "acpi"), ("vfio", "native"), ("uio", "acpi"),
          ("linux", "acpi")]
# Time limits, in TCG time (the guest runs emulated, ~10x slower).
BOOT_S = 120
APP_S = 120
# uio: EAL stops and closes the dead e1000 (each ~13 s under TCG)
RELEASE_S = 90


def free_udp_ports(n):
    socks = []
    for _ in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 0))
        socks.append(s)
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


# The failover port over the guest's two NICs; the primary named, so that
# the PMD probes it again when it comes back.
FAILOVER_VDEV = ("net_failover0,standby=%s,primary=%s" %
                 (qemu.STANDBY_PCI, qemu.PRIMARY_PCI))


# The PMD's lines that time the primary's adoption: the port the failover
# port took it as, then TX moving onto it (once its link is up).
ADOPTED = r"primary is %s \(port" % qemu.PRIMARY_PCI
ON_PRIMARY = r"TX on primary \(was standby\)"


def adoption(vm, start, timeout):
    """When, from console position @start, the PMD adopted the primary
    and when TX moved onto it."""
    _, t_adopted, _ = vm.expect(ADOPTED, timeout, start)
    _, t_tx, _ = vm.expect(ON_PRIMARY, timeout, start)
    return t_adopted, t_tx


def _bugs(*vms):
    """The PMD's 'no such transition' lines on the guests' consoles."""
    bugs = []
    for vm in vms:
        with vm.console.cond:
            bugs += [line for _, line in vm.console.items
                     if "no such transition" in line]
    return bugs


def start_dpdk(vm, vdev, port=FAILOVER_PORT):
    """Start the forwarder; the time from the primary's adoption to TX on
    it, in ms: the device's own start and link-up, nothing of a re-plug.
    @port: the failover port's number (one less where the primary is not
    plugged yet)."""
    m = vm.mark()
    vm.send("dpdk-failover-fwd -l 0-1 -n 1 -m 256 "
            "--log-level=pmd.net.failover*:info --vdev '%s' -- "
            "--mac-swap --announce & app=$!" % vdev)
    # fail as soon as the application runs without the port or exits
    vm.expect(r"forwarding on \d+ ports|exiting with code", APP_S, m)
    try:
        vm.expect(r"port %d is a failover port" % port, 0, m)
    except qemu.Timeout:
        raise RuntimeError("dpdk-failover-fwd has no failover port "
                           "(console.log)") from None
    t_adopted, t_tx = adoption(vm, m, APP_S)
    return (t_tx - t_adopted) * 1000


def stop_dpdk(vm):
    m = vm.mark()
    vm.send("kill -INT $app; wait $app; echo FO-APP-EXIT $?")
    _, _, rc = vm.expect(r"FO-APP-EXIT (\d+)", APP_S, m)
    return int(rc.group(1))


def start_linux(vm):
    """The kernel's net_failover master, answering pings."""
    m = vm.mark()
    vm.send("fo-linux-up %s" % qemu.GUEST_MAC)
    _, _, line = vm.expect(r"FO-LINUX-(READY|FAILED) ?(\S*)", APP_S, m)
    if line.group(1) != "READY":
        raise RuntimeError("no Linux failover master in the guest")
    return line.group(2)


@contextlib.contextmanager
def tap_cable():
    """A multi-queue tap interface for QEMU's standby, up, with nothing of
    the host's own on it (no IPv6 address, hence no solicitations); its
    name. Gone after."""
    name = "fo-sb%d" % os.getpid()
    subprocess.run(["ip", "tuntap", "add", "dev", name, "mode", "tap",
                    "multi_queue"], check=True)
    try:
        pathlib.Path("/proc/sys/net/ipv6/conf/%s/disable_ipv6" %
                     name).write_text("1")
        subprocess.run(["ip", "link", "set", name, "up"], check=True)
        yield name
    finally:
        subprocess.run(["ip", "link", "del", name], check=True)


@contextlib.contextmanager
def booted(rundir, mode, hotplug, rate=1000, teaming=False, primary=True,
           standby_tap=None, standby_legacy=False):
    """A booted guest and the switch on its two cables, gone after.
    @teaming, @primary, @standby_tap, @standby_legacy: see qemu.Guest."""
    kernel, initrd = guest_build.build()
    p = free_udp_ports(4)
    cables = [(p[0], p[1]), (p[2], p[3])]     # (QEMU's, host's) per cable
    vm = qemu.Guest(rundir, kernel, initrd, mode, hotplug, cables,
                    linux_failover=mode == "linux", teaming=teaming,
                    primary=primary, standby_tap=standby_tap,
                    standby_legacy=standby_legacy)
    if standby_tap:
        cables[0] = standby_tap
    sw = None
    try:
        vm.boot(BOOT_S)
        sw = traffic.Switch(qemu.GUEST_MAC, cables, rate=rate)
        yield vm, sw
    finally:
        if sw is not None:
            sw.close()
            sw.save(rundir / "traffic.csv")
        vm.close()


def _first(lines, text):
    """The index of the first of @lines that holds @text (or past the
    end)."""
    return next((i for i, line in enumerate(lines) if text in line),
                len(lines))


def run(mode, hotplug, rundir, rate=1000, log=print, poll_ms=0):
    """Run one scenario; returns its figures (raises if a step fails).
    @poll_ms: the failover port's hotplug_poll (0: none), which probes the
    absent primary by name all through its removal and re-plug."""
    linux = mode == "linux"
    fig = {"mode": mode, "hotplug": hotplug, "hotplug_poll": poll_ms}
    vdev = FAILOVER_VDEV + (",hotplug_poll=%d" % poll_ms if poll_ms else "")
    with booted(rundir, mode, hotplug, rate) as (vm, sw):
        if linux:
            fig["linux_master"] = start_linux(vm)
        else:
            fig["first_link_ms"] = start_dpdk(vm, vdev)
        sw.start()
        t_up = time.monotonic()
        # steady on the primary: a second's worth of replies there; the
        # figures count from then on
        t_steady = sw.wait_replies(traffic.PRIMARY, t_up, rate, APP_S)
        log("%s/%s: traffic up on the primary" % (mode, hotplug))

        ev = vm.event_mark()
        m = m_del = vm.mark()
        t_del = time.monotonic()
        vm.device_del()
        t_standby = sw.wait_replies(traffic.STANDBY, t_del, 1, RELEASE_S)
        fig["del_to_standby_ms"] = (t_standby - t_del) * 1000
        _, t_deleted, _ = vm.event("DEVICE_DELETED", RELEASE_S, ev,
                                   device="primary")
        fig["del_to_deleted_ms"] = (t_deleted - t_del) * 1000
        if not linux:
            # when the guest heard of it: at once with ACPI, after the
            # attention button's 5 s with native hotplug
            _, t_seen, _ = vm.expect(r"device removal in state", 1, m)
            fig["del_to_event_ms"] = (t_seen - t_del) * 1000
            fig["event_to_deleted_ms"] = (t_deleted - t_seen) * 1000
            # and when TX had left the primary, a line later
            _, t_moved, _ = vm.expect(r"TX on standby \(was primary\)", 1,
                                      m)
            # the PMD's share of the switch: from its hearing of the
            # removal to TX on the standby (both console lines)
            fig["event_to_standby_ms"] = (t_moved - t_seen) * 1000
        log("%s/%s: DEVICE_DELETED after %.0f ms" % (
            mode, hotplug, fig["del_to_deleted_ms"]))
        # a second on the standby alone
        sw.wait_replies(traffic.STANDBY, t_deleted, rate, APP_S)

        m = vm.mark()
        t_add = time.monotonic()
        vm.device_add()
        _, t_bound, _ = vm.expect(r"FO-BOUND %s" % qemu.PRIMARY_PCI, APP_S, m)
        t_back = sw.wait_replies(traffic.PRIMARY, t_add, 1, APP_S)
        fig["add_to_bound_ms"] = (t_bound - t_add) * 1000
        fig["bound_to_primary_ms"] = (t_back - t_bound) * 1000
        fig["add_to_primary_ms"] = (t_back - t_add) * 1000
        if not linux:
            # the PMD's share (bind to adoption) apart from the device's
            # own (adoption to TX on it), which start_dpdk measured too
            # (the console may trail the cable by a little)
            t_adopted, t_tx = adoption(vm, m, 5)
            fig["bound_to_adopted_ms"] = (t_adopted - t_bound) * 1000
            fig["link_ms"] = (t_tx - t_adopted) * 1000
            # whoever probed it (the ADD event, a poll), it was once
            with vm.console.cond:
                lines = [line for _, line in vm.console.items[m_del:]]
            fig["probes"] = sum("probed again" in line for line in lines)
            # uio: the new device is plugged, and EAL says so, while the
            # PMD still removes its old self
            added = _first(lines, "device %s added" % qemu.PRIMARY_PCI)
            removed = _first(lines, "%s removed" % qemu.PRIMARY_PCI)
            probed = _first(lines, "probed again")
            fig["added_while_removing"] = added < removed
            fig["probed_after_removal"] = removed < probed < len(lines)
        sw.wait_replies(traffic.PRIMARY, t_back, rate, APP_S)
        log("%s/%s: back on the primary" % (mode, hotplug))
        t_end = time.monotonic()
        sw.stop_sending()
        # what was sent up to half a second before the end has had that
        # long to come back (the guest answers within milliseconds)
        # only a uio device vanishes before the guest is told; a vfio one
        # works until the PMD lets it go
        blind = (t_del, t_moved) if mode == "uio" else (0.0, 0.0)
        fig.update(sw.report(t_steady, t_end - 0.5, blind))
        # where the longest silence began, against the steps that cause
        # one (a failed assertion on max_gap_ms shows these)
        fig["gap_at_ms"] = (fig.pop("gap_at") - t_del) * 1000
        fig["add_at_ms"] = (t_add - t_del) * 1000
        fig["back_at_ms"] = (t_back - t_del) * 1000
        fig["window_s"] = t_end - 0.5 - t_steady
        if not linux:
            fig["app_exit"] = stop_dpdk(vm)
            assert not _bugs(vm), _bugs(vm)
        return fig


# The settings the journal must carry to a re-plugged primary, as testpmd
# commands on the failover port, and how they show from outside.
EXTRA_MAC = "02:00:00:00:00:aa"
STRANGER_MAC = "02:00:00:00:00:bb"
VLAN_IN, VLAN_OUT = 100, 200
JOURNAL = ["set promisc %d off" % FAILOVER_PORT,
           "mac_addr add %d %s" % (FAILOVER_PORT, EXTRA_MAC),
           "vlan set filter on %d" % FAILOVER_PORT,
           "rx_vlan add %d %d" % (VLAN_IN, FAILOVER_PORT),
           "start"]


# testpmd's arguments that load the failover PMD and show its log.
WITH_FAILOVER = ("-d /lib/x86_64-linux-gnu/librte_net_failover.so "
                 "--log-level=pmd.net.failover*:info")


def start_testpmd(vm, args):
    """Start dpdk-testpmd in the guest with @args; the lines it printed up
    to its first prompt (fails at once if it exits instead)."""
    m = vm.mark()
    vm.send("dpdk-testpmd -l 0-1 -n 1 -m 256 " + args)
    i, _, line = vm.expect(r"testpmd> $|exiting with code", APP_S, m)
    assert "exiting" not in line.group(0), "testpmd exited (console.log)"
    with vm.console.cond:
        return [text for _, text in vm.console.items[m:i]]


def quit_testpmd(vm):
    m = vm.mark()
    vm.send("quit")
    vm.expect(r"Bye", APP_S, m)


def testpmd(vm, cmd, timeout=APP_S):
    """Run a testpmd command; the lines it printed."""
    m = vm.mark()
    vm.send(cmd)
    i, _, _ = vm.expect(r"testpmd> $", timeout, m)
    with vm.console.cond:
        return [line for _, line in vm.console.items[m:i]]


# Lines that say "error" or "fail" where nothing is wrong: EAL's, when the
# virtio PMD's start under vfio disables an interrupt it had not enabled
# (with or without the failover port); QEMU's own (its output shares the
# console), when the guest acks STANDBY while no primary is paired yet, as
# run_standby_kept starts on purpose.
NOT_COMPLAINTS = ("EAL: Error disabling MSI-X interrupts",
                  "Virtio-net failover will not work")


def testpmd_complaints(lines):
    """The lines of testpmd's output that say something failed: any with
    "rror", "ail", "nvalid" or "Bad argument" in it, the port's name
    (net_failover0) aside, but those of NOT_COMPLAINTS."""
    return [line for line in lines
            if not any(n in line for n in NOT_COMPLAINTS) and
            any(w in line.replace("net_failover", "")
                for w in ("rror", "ail", "nvalid", "Bad argument"))]


def testpmd_ok(vm, cmd):
    """Run a testpmd command that must not complain."""
    bad = testpmd_complaints(testpmd(vm, cmd))
    assert not bad, (cmd, bad)


def filters(sw):
    """What the primary lets in, seen from its cable: the answers to
    requests sent to the extra MAC, on VLAN 100, on VLAN 200 and to an
    unknown MAC. The two that must not pass go first on the same cable:
    once the later ones are answered, the earlier had their chance."""
    out = [sw.probe(traffic.PRIMARY, qemu.GUEST_MAC, VLAN_OUT),
           sw.probe(traffic.PRIMARY, STRANGER_MAC)]
    ins = [sw.probe(traffic.PRIMARY, EXTRA_MAC),
           sw.probe(traffic.PRIMARY, qemu.GUEST_MAC, VLAN_IN)]
    seen = [sw.wait_probe(seq, 10) for seq in ins]
    return {"extra_mac": seen[0], "vlan_%d" % VLAN_IN: seen[1],
            "vlan_%d" % VLAN_OUT: sw.answered(out[0]),
            "unknown_mac": sw.answered(out[1])}


def run_journal(rundir, log=print):
    """The configuration journal on a real re-plugged primary: testpmd in
    a vfio guest sets promiscuous off, an extra MAC, a VLAN filter; the
    primary is unplugged and plugged back; its filters are probed from
    its cable before and after."""
    res = {}
    with booted(rundir, "vfio", "acpi") as (vm, sw):
        start_testpmd(vm, "%s --vdev '%s' -- -i --forward-mode=macswap "
                      "--port-topology=loop" % (WITH_FAILOVER, FAILOVER_VDEV))
        for cmd in JOURNAL:
            testpmd_ok(vm, cmd)
        sw.start()
        t_up = time.monotonic()
        sw.wait_replies(traffic.PRIMARY, t_up, 500, APP_S)
        res["before"] = filters(sw)
        log("journal: filters before %s" % res["before"])

        ev = vm.event_mark()
        vm.device_del()
        vm.event("DEVICE_DELETED", RELEASE_S, ev, device="primary")
        m = vm.mark()
        t_add = time.monotonic()
        vm.device_add()
        _, _, port = vm.expect(r"primary is %s \(port (\d+)\)" %
                               qemu.PRIMARY_PCI, APP_S, m)
        t_back = sw.wait_replies(traffic.PRIMARY, t_add, 1, APP_S)
        sw.wait_replies(traffic.PRIMARY, t_back, 200, APP_S)
        res["after"] = filters(sw)
        log("journal: filters after %s" % res["after"])

        res["primary_port"] = int(port.group(1))
        quit_testpmd(vm)
        return res


# What the virtio PMD does after its probe, as testpmd commands on the
# failover port (port 1: the standby is port 0, the primary not plugged).
# The virtio PMD initializes the device again in a configure that requests
# other features: an Rx or Tx checksum offload (GUEST_CSUM, CSUM), RSS
# with more than one queue (RSS); not for a stop/start or an MTU change,
# which the steps do too. The last step is the configuration the primary
# can take (one queue, no offload).
STANDBY_STEPS = [
    ("stop/start", ["port stop 1", "port start 1"]),
    ("rx tcp_cksum on", ["port stop 1",
                         "port config 1 rx_offload tcp_cksum on",
                         "port start 1"]),
    ("tx tcp_cksum on", ["port stop 1",
                         "port config 1 tx_offload tcp_cksum on",
                         "port start 1"]),
    ("2 queues", ["port stop 1", "port config all rxq 2",
                  "port config all txq 2", "port start 1"]),
    ("mtu 1400", ["port stop 1", "port config mtu 1 1400", "port start 1"]),
    ("stop/start", ["port stop 1", "port start 1"]),
    ("1 queue, no offload", ["port stop 1", "port config all rxq 1",
                             "port config all txq 1",
                             "port config 1 rx_offload tcp_cksum off",
                             "port config 1 tx_offload tcp_cksum off",
                             "port config mtu 1 1500", "port start 1"]),
]
NEGOTIATED = r"standby %s negotiated" % qemu.STANDBY_PCI


def _has_standby(vm):
    """Whether QEMU holds VIRTIO_NET_F_STANDBY in the standby's guest
    features; None where QEMU cannot tell (qemu.Guest.standby_features)."""
    feats = vm.standby_features()
    if feats is None:
        return None
    return any("VIRTIO_NET_F_STANDBY" in f for f in feats)


def _negotiations(vm, start):
    """QEMU's FAILOVER_NEGOTIATED events from event position @start: one
    for each write of the guest features that holds STANDBY."""
    with vm.events.cond:
        return sum(1 for _, e in vm.events.items[start:]
                   if e["event"] == "FAILOVER_NEGOTIATED")


def run_standby_kept(rundir, rate=500, log=print):
    """negotiate_standby=1 in a teaming guest (vfio) under testpmd, the
    standby alone at first (no primary on QEMU's command line): the host's
    traffic is answered through the standby while testpmd stops, starts
    and re-configures the failover port. After each step: the guest
    features QEMU holds, whether the failover port ran the handshake again,
    and a second of replies on the standby's cable (its rings, programmed
    again by the handshake, carry both ways). Then a primary paired with
    the standby is plugged and adopted. Returns one row per step."""
    steps = []
    with tap_cable() as tap, \
            booted(rundir, "vfio", "acpi", rate, teaming=True,
                   primary=False, standby_tap=tap) as (vm, sw):
        ev = vm.event_mark()
        start_testpmd(vm, "%s --vdev '%s,negotiate_standby=1' -- -i "
                      "--forward-mode=macswap --port-topology=loop" %
                      (WITH_FAILOVER, FAILOVER_VDEV))
        vm.event("FAILOVER_NEGOTIATED", APP_S, ev,
                 **{"device-id": "standby"})
        testpmd_ok(vm, "start")
        sw.start()
        sw.wait_replies(traffic.STANDBY, time.monotonic(), rate, APP_S)
        log("standby: traffic on the standby")
        for name, cmds in STANDBY_STEPS:
            m = vm.mark()
            ev = vm.event_mark()
            testpmd_ok(vm, "stop")
            for cmd in cmds:
                testpmd_ok(vm, cmd)
            testpmd_ok(vm, "start")
            t = time.monotonic()
            with vm.console.cond:
                lines = [line for _, line in vm.console.items[m:]]
            row = {"step": name, "standby": _has_standby(vm),
                   "handshakes": sum(bool(re.search(NEGOTIATED, line))
                                     for line in lines),
                   "negotiated": _negotiations(vm, ev)}
            # the first reply from the standby after the step, then a
            # second's worth
            t_first = sw.wait_replies(traffic.STANDBY, t, 1, APP_S)
            row["first_reply_ms"] = (t_first - t) * 1000
            sw.wait_replies(traffic.STANDBY, t, rate, APP_S)
            steps.append(row)
            log("standby: %s" % row)

        # the primary, paired with the standby, is plugged at once now
        m = vm.mark()
        t_add = time.monotonic()
        vm.device_add()
        adoption(vm, m, APP_S)
        sw.wait_replies(traffic.PRIMARY, t_add, rate, APP_S)
        quit_testpmd(vm)
        assert not _bugs(vm), _bugs(vm)
    return steps


def run_legacy_refused(rundir, log=print):
    """negotiate_standby=1 over a legacy-only virtio-net standby (uio):
    the failover port's creation fails with one line; testpmd goes on with
    the two PCI ports. Returns the PMD's lines and testpmd's port count."""
    with booted(rundir, "uio", "acpi", standby_legacy=True) as (vm, sw):
        lines = start_testpmd(vm, "%s --vdev '%s,negotiate_standby=1' -- -i"
                              % (WITH_FAILOVER, FAILOVER_VDEV))
        ports = len(re.findall(r"Port \d+: [0-9A-F:]{17}", "\n".join(lines)))
        quit_testpmd(vm)
    return {"failover": [line for line in lines
                         if line.startswith("net_failover0:")],
            "ports": ports}


def run_virtio_devarg(rundir, rate=500, log=print):
    """The virtio PMD's own 'standby' devarg (contrib/virtio-standby, in a
    DPDK built with it): testpmd in a teaming guest drives the standby
    alone (no failover port), on a tap with offloads. Without the devarg
    QEMU keeps the primary hidden; with standby=1 it says
    FAILOVER_NEGOTIATED and plugs the primary, and the feature stays
    negotiated across a configure that initializes the device again (an Rx
    offload), after which the standby still answers."""
    res = {}
    with tap_cable() as tap, \
            booted(rundir, "vfio", "acpi", rate, teaming=True,
                   standby_tap=tap) as (vm, sw):
        for name, devarg in (("without", ""), ("with", ",standby=1")):
            ev = vm.event_mark()
            m = vm.mark()
            start_testpmd(vm, "-a %s%s -- -i --forward-mode=macswap" %
                          (qemu.STANDBY_PCI, devarg))
            if devarg:
                vm.event("FAILOVER_NEGOTIATED", APP_S, ev,
                         **{"device-id": "standby"})
                # QEMU plugged the primary; the guest bound it
                vm.expect(r"FO-BOUND %s" % qemu.PRIMARY_PCI, APP_S, m)
            res[name] = {"standby": _has_standby(vm),
                         "negotiated": _negotiations(vm, ev)}
            if devarg:
                ev = vm.event_mark()
                for c in ("port stop 0", "port config 0 rx_offload "
                          "tcp_cksum on", "port start 0", "start"):
                    testpmd_ok(vm, c)
                res["reconfigured"] = {"standby": _has_standby(vm),
                                       "negotiated": _negotiations(vm, ev)}
                sw.start()
                sw.wait_replies(traffic.STANDBY, time.monotonic(), rate,
                                APP_S)
            quit_testpmd(vm)
            log("virtio devarg: %s: %s" % (name, res[name]))
    return res


# A migration: the RAM copy and the stop-and-copy, under TCG.
MIGRATE_S = 300
FLOWS = ("nova", "teaming")


@contextlib.contextmanager
def migration_pair(rundir, mode, flow, rate=1000):
    """A booted source guest, a destination QEMU waiting for it (the same
    command line, -incoming defer) and the switch on all four cables."""
    kernel, initrd = guest_build.build()
    p = free_udp_ports(8)
    cables = [(p[i], p[i + 1]) for i in range(0, 8, 2)]
    teaming = flow == "teaming"
    opts = dict(linux_failover=mode == "linux", teaming=teaming)
    src = qemu.Guest(rundir, kernel, initrd, mode, "acpi", cables[:2],
                     name="src", **opts)
    dst = sw = None
    try:
        src.boot(BOOT_S)
        # Nova unplugs the VF before it migrates, and plugs one on the
        # destination after: the destination starts without it. With
        # teaming, QEMU plugs the destination's (hidden) primary itself.
        dst = qemu.Guest(rundir, kernel, initrd, mode, "acpi", cables[2:],
                         incoming=True, primary=teaming, name="dst", **opts)
        dst.attach()
        sw = traffic.Switch(qemu.GUEST_MAC, cables, rate=rate)
        yield src, dst, sw
    finally:
        if sw is not None:
            sw.close()
            sw.save(rundir / "traffic.csv")
        for vm in (dst, src):
            if vm is not None:
                vm.close()


def run_migration(flow, mode, rundir, rate=1000, log=print):
    """Live-migrate the guest between two QEMUs under traffic, in Nova's
    flow (device_del the primary, migrate, device_add one on the
    destination) or QEMU's own (teaming: migrate alone; QEMU unplugs the
    primary, waits for the guest to let it go, plugs it on the
    destination). Returns the figures; raises if a step fails."""
    linux = mode == "linux"
    teaming = flow == "teaming"
    fig = {"flow": flow, "mode": mode}
    # the primary is hidden until the guest acks STANDBY with teaming
    vdev = FAILOVER_VDEV + (",negotiate_standby=1" if teaming else "")
    with migration_pair(rundir, mode, flow, rate) as (src, dst, sw):
        ev_boot = src.event_mark()
        if linux:
            fig["linux_master"] = start_linux(src)
        else:
            # with teaming, QEMU plugs the primary once the port acked
            # STANDBY: EAL probed the standby alone
            fig["first_link_ms"] = start_dpdk(
                src, vdev, FAILOVER_PORT - 1 if teaming else FAILOVER_PORT)
        if teaming:
            # QEMU plugs the primary because the guest acked STANDBY
            # (Linux's virtio_net at boot, before QMP is connected, so no
            # FAILOVER_NEGOTIATED event to wait for; the failover port at
            # its start, after QMP is)
            if not linux:
                src.event("FAILOVER_NEGOTIATED", 1, ev_boot,
                          **{"device-id": "standby"})
            assert _has_standby(src) is not False, src.standby_features()
        sw.start()
        t_up = time.monotonic()
        t_steady = sw.wait_replies(traffic.PRIMARY, t_up, rate, APP_S)
        log("%s/%s: traffic up on the primary" % (flow, mode))
        t_calm = t_steady
        if not teaming:
            ev = src.event_mark()
            t_del = time.monotonic()
            src.device_del()
            _, t_deleted, _ = src.event("DEVICE_DELETED", RELEASE_S, ev,
                                        device="primary")
            fig["del_to_deleted_ms"] = (t_deleted - t_del) * 1000
            sw.wait_replies(traffic.STANDBY, t_deleted, rate, APP_S)
            t_calm = t_deleted
        m = dst.mark()
        t, info = qemu.migrate(src, dst, "unix:%s" % (rundir / "mig.sock"),
                               MIGRATE_S)
        log("%s/%s: migrated, downtime %s ms" % (flow, mode,
                                                 info.get("downtime")))
        if teaming:
            # none when QEMU did not wait for the guest (no STANDBY)
            fig["wait_unplug_ms"] = (t["active"] - t["wait-unplug"]) * 1000 \
                if "wait-unplug" in t else 0
        fig["downtime_ms"] = info.get("downtime", -1)
        fig["total_ms"] = info.get("total-time", -1)
        fig["stop_to_resume_ms"] = (t["resume"] - t["stop"]) * 1000
        if not teaming:
            dst.device_add()
        t_back = sw.wait_replies(traffic.DST_PRIMARY, t["resume"], 1, APP_S)
        fig["resume_to_primary_ms"] = (t_back - t["resume"]) * 1000
        if not linux:
            # the PMD took the destination's primary and TX is on it
            adoption(dst, m, 5)
        sw.wait_replies(traffic.DST_PRIMARY, t_back, rate, APP_S)
        log("%s/%s: on the destination's primary" % (flow, mode))
        t_end = time.monotonic()
        sw.stop_sending()
        # requests sent this long before the source stopped may have found
        # the guest already unable to answer: the longest round trip the
        # source's guest made before it (the destination answers what was
        # flooded to it before, once it runs: not a round trip)
        rtt = sw.rtt_max(t_calm, t["stop"],
                         (traffic.STANDBY, traffic.PRIMARY))
        fig["rtt_max_ms"] = rtt * 1000
        fig.update(sw.report(t_steady, t_end - 0.5,
                             (t["stop"] - rtt, t["resume"])))
        fig["gap_at_ms"] = (fig.pop("gap_at") - t["stop"]) * 1000
        fig["window_s"] = t_end - 0.5 - t_steady
        if not linux:
            fig["app_exit"] = stop_dpdk(dst)
            assert not _bugs(src, dst), _bugs(src, dst)
        return fig


MIGRATION_COLUMNS = [
    ("flow", "%s"), ("mode", "%s"), ("max_gap_ms", "%.1f"),
    ("gap_unexplained_ms", "%.1f"), ("gap_at_ms", "%.0f"), ("lost", "%d"),
    ("lost_to_primary", "%d"), ("lost_blind", "%d"),
    ("lost_unexplained", "%d"), ("duplicates", "%d"),
    ("wait_unplug_ms", "%.0f"), ("downtime_ms", "%d"),
    ("stop_to_resume_ms", "%.0f"), ("resume_to_primary_ms", "%.0f"),
    ("total_ms", "%d"), ("rtt_max_ms", "%.1f"), ("sent", "%d")]


COLUMNS = [("mode", "%s"), ("hotplug", "%s"), ("hotplug_poll", "%d"),
           ("max_gap_ms", "%.1f"), ("gap_unexplained_ms", "%.1f"),
           ("gap_at_ms", "%.0f"), ("add_at_ms", "%.0f"),
           ("lost", "%d"), ("lost_to_primary", "%d"),
           ("lost_unexplained", "%d"), ("duplicates", "%d"),
           ("del_to_standby_ms", "%.0f"), ("del_to_event_ms", "%.0f"),
           ("event_to_standby_ms", "%.0f"),
           ("event_to_deleted_ms", "%.0f"), ("del_to_deleted_ms", "%.0f"),
           ("bound_to_adopted_ms", "%.0f"), ("first_link_ms", "%.0f"),
           ("link_ms", "%.0f"),
           ("bound_to_primary_ms", "%.0f"), ("add_to_primary_ms", "%.0f"),
           ("sent", "%d")]


def table(figs, columns=None):
    columns = columns or COLUMNS
    head = [c for c, _ in columns]
    rows = [[f % fig[c] if c in fig else "-" for c, f in columns]
            for fig in figs]
    w = [max(len(x) for x in col) for col in zip(head, *rows)]
    out = ["  ".join(h.ljust(n) for h, n in zip(head, w))]
    out += ["  ".join(x.rjust(n) for x, n in zip(r, w)) for r in rows]
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mode", choices=["vfio", "uio", "linux"])
    ap.add_argument("--hotplug", choices=["acpi", "native"], default="acpi")
    ap.add_argument("--rundir")
    ap.add_argument("--rate", type=int, default=1000)
    ap.add_argument("--standby", action="store_true",
                    help="negotiate_standby under testpmd's re-configures")
    ap.add_argument("--migrate", choices=FLOWS,
                    help="live-migrate between two QEMUs in this flow "
                    "(--mode vfio or linux) instead of the hotplug")
    a = ap.parse_args()
    if a.standby:
        d = pathlib.Path(a.rundir or tempfile.mkdtemp(prefix="fo-sb-",
                                                      dir="/var/tmp"))
        d.mkdir(parents=True, exist_ok=True)
        for row in run_standby_kept(d):
            print(row)
        print("run folder", d)
        return
    if a.migrate:
        d = pathlib.Path(a.rundir or tempfile.mkdtemp(prefix="fo-mig-",
                                                      dir="/var/tmp"))
        d.mkdir(parents=True, exist_ok=True)
        fig = run_migration(a.migrate, a.mode or "vfio", d, rate=a.rate)
        print(table([fig], MIGRATION_COLUMNS))
        print("run folder", d)
        return
    todo = [(a.mode, a.hotplug)] if a.mode else MATRIX
    base = pathlib.Path(a.rundir or tempfile.mkdtemp(prefix="fo-vm-",
                                                     dir="/var/tmp"))
    figs = []
    for mode, hp in todo:
        d = base / ("%s-%s" % (mode, hp))
        d.mkdir(parents=True, exist_ok=True)
        figs.append(run(mode, hp, d, rate=a.rate))
    print(table(figs))
    print("run folders under", base)


if __name__ == "__main__":
    main()
