# SPDX-License-Identifier: BSD-3-Clause
"""The hotplug scenario, end to end, and its figures.

Traffic up on the primary -> QMP device_del of the primary -> traffic goes
on on the standby -> QMP DEVICE_DELETED (the guest let the device go) ->
device_add -> the guest binds it (console: FO-BOUND) -> the failover port
takes it back by itself -> traffic on the primary again. Every step waits
for what proves it: a QMP event, a console line, replies on a cable.

    python3 tests/vm/scenario.py [--mode vfio|uio|linux]
        [--hotplug acpi|native] [--rundir DIR]   (default: the matrix)
"""
import argparse
import contextlib
import pathlib
import socket
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


def start_dpdk(vm, vdev):
    """Start the forwarder; the time from the primary's adoption to TX on
    it, in ms: the device's own start and link-up, nothing of a re-plug."""
    m = vm.mark()
    vm.send("dpdk-failover-fwd -l 0-1 -n 1 -m 256 "
            "--log-level=pmd.net.failover*:info --vdev '%s' -- "
            "--mac-swap --announce & app=$!" % vdev)
    # fail as soon as the application runs without the port or exits
    vm.expect(r"forwarding on \d+ ports|exiting with code", APP_S, m)
    try:
        vm.expect(r"port %d is a failover port" % FAILOVER_PORT, 0, m)
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
def booted(rundir, mode, hotplug, rate=1000):
    """A booted guest and the switch on its two cables, gone after."""
    kernel, initrd = guest_build.build()
    p = free_udp_ports(4)
    cables = [(p[0], p[1]), (p[2], p[3])]     # (QEMU's, host's) per cable
    vm = qemu.Guest(rundir, kernel, initrd, mode, hotplug, cables,
                    linux_failover=mode == "linux")
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
            with vm.console.cond:
                bugs = [line for _, line in vm.console.items
                        if "no such transition" in line]
            assert not bugs, bugs
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


def testpmd(vm, cmd, timeout=APP_S):
    """Run a testpmd command; the lines it printed."""
    m = vm.mark()
    vm.send(cmd)
    i, _, _ = vm.expect(r"testpmd> $", timeout, m)
    with vm.console.cond:
        return [line for _, line in vm.console.items[m:i]]


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
        m = vm.mark()
        vm.send("dpdk-testpmd -l 0-1 -n 1 -m 256 "
                "-d /lib/x86_64-linux-gnu/librte_net_failover.so "
                "--log-level=pmd.net.failover*:info --vdev '%s' -- -i "
                "--forward-mode=macswap --port-topology=loop" %
                FAILOVER_VDEV)
        vm.expect(r"testpmd> $", APP_S, m)
        for cmd in JOURNAL:
            out = testpmd(vm, cmd)
            bad = [line for line in out if "rror" in line or
                   "ail" in line or "nvalid" in line]
            assert not bad, (cmd, bad)
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
        m = vm.mark()
        vm.send("quit")
        vm.expect(r"Bye", APP_S, m)
        return res


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


def table(figs):
    head = [c for c, _ in COLUMNS]
    rows = [[f % fig[c] if c in fig else "-" for c, f in COLUMNS]
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
    a = ap.parse_args()
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
