# SPDX-License-Identifier: BSD-3-Clause
"""Real PCI hot-unplug: a QEMU guest (TCG) with a virtio-net standby and an
e1000e primary with the same MAC, DPDK's failover port answering traffic
from the host, the primary unplugged and plugged back through QMP.

One scenario per test, each in its own run folder with its own UDP ports;
the figures of all of them are printed as one table at the end, Linux's own
net_failover in the same guest among them. See tests/vm/scenario.py.
"""
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent / "vm"))
import scenario    # noqa: E402

FIGURES = []


@pytest.fixture(scope="module")
def figures():
    """The scenarios' figures; conftest prints them as one table."""
    return FIGURES


def run(mode, hotplug, rundir, figures, poll_ms=0):
    fig = scenario.run(mode, hotplug, rundir, log=lambda s: None,
                       poll_ms=poll_ms)
    figures.append(fig)
    (rundir / "figures.txt").write_text(scenario.table([fig]) + "\n")
    return fig


@pytest.mark.parametrize("hotplug", ["acpi", "native"])
def test_vfio(rundir, figures, hotplug):
    """vfio: the guest is asked to let the device go, and does at once."""
    fig = run("vfio", hotplug, rundir, figures)
    assert fig["app_exit"] == 0
    # nothing lost but what was already on its way into the removed device
    assert fig["lost_unexplained"] == 0, fig
    assert fig["gap_unexplained_ms"] < 100, fig
    assert fig["event_to_standby_ms"] < 100, fig
    # the PMD released the device: QEMU completed the unplug (pciehp
    # waits 1 s after powering the slot off before it says so)
    assert fig["event_to_deleted_ms"] < (2000 if hotplug == "native"
                                         else 1000), fig
    # the PMD adopts the bound device at once; TX then waits for its link
    # no longer than it did at the application's start
    assert fig["bound_to_adopted_ms"] < 1000, fig
    assert fig["link_ms"] < fig["first_link_ms"] + 500, fig
    assert fig["probes"] == 1 and fig["probed_after_removal"], fig
    assert fig["on_standby"] > 0 and fig["on_primary"] > 0, fig


def test_uio(rundir, figures):
    """uio: the device vanishes first; EAL's monitor tells the PMD."""
    fig = run("uio", "acpi", rundir, figures)
    assert fig["app_exit"] == 0
    # the vanished device's removal takes seconds: its successor's ADD
    # event arrives meanwhile, and is probed once, after it
    assert fig["added_while_removing"], fig
    # and what the guest answered into the vanished device before EAL's
    # monitor told the PMD; that blind time is the guest kernel's and
    # EAL's (tens of ms under TCG, more on a busy host), the gap beside it
    # the PMD's
    assert fig["lost_unexplained"] == 0, fig
    assert fig["del_to_event_ms"] < 1000, fig
    assert fig["gap_unexplained_ms"] < 100, fig
    assert fig["event_to_standby_ms"] < 100, fig
    assert fig["link_ms"] < fig["first_link_ms"] + 500, fig
    assert fig["probes"] == 1 and fig["probed_after_removal"], fig
    assert fig["on_standby"] > 0 and fig["on_primary"] > 0, fig


@pytest.mark.parametrize("mode", ["vfio", "uio"])
def test_hotplug_poll(rundir, figures, mode):
    """hotplug_poll probes the absent primary by name every 100 ms, while
    its old self is being released (uio: tens of seconds) and while the
    new one is plugged and bound: the PMD's one hotplug owner probes it
    once, after the release, and never beside it."""
    fig = run(mode, "acpi", rundir, figures, poll_ms=100)
    assert fig["app_exit"] == 0
    assert fig["added_while_removing"] == (mode == "uio"), fig
    if mode == "uio":
        assert fig["del_to_event_ms"] < 1000, fig
    assert fig["probes"] == 1 and fig["probed_after_removal"], fig
    assert fig["lost_unexplained"] == 0, fig
    assert fig["gap_unexplained_ms"] < 100, fig
    assert fig["event_to_standby_ms"] < 100, fig
    assert fig["link_ms"] < fig["first_link_ms"] + 500, fig
    assert fig["on_standby"] > 0 and fig["on_primary"] > 0, fig


def test_linux_net_failover(rundir, figures):
    """The reference: Linux's net_failover, measured the same way."""
    fig = run("linux", "acpi", rundir, figures)
    assert fig["on_standby"] > 0 and fig["on_primary"] > 0, fig


def test_journal_on_replugged_primary(rundir):
    """Settings that software sub-devices cannot hold, on a real NIC:
    testpmd turns promiscuous off, adds a MAC and a VLAN filter on the
    failover port; after the unplug and re-plug, the new e1000e, probed on
    its own cable, lets in exactly what the old one did: the extra MAC and
    VLAN 100, not VLAN 200 nor a stranger's MAC. (The NIC's own filtering
    is the read-back: testpmd refuses to address a port another owns.)"""
    res = scenario.run_journal(rundir, log=lambda s: None)
    expected = {"extra_mac": True, "vlan_%d" % scenario.VLAN_IN: True,
                "vlan_%d" % scenario.VLAN_OUT: False, "unknown_mac": False}
    assert res["before"] == expected, res
    assert res["after"] == expected, res


def test_negotiate_standby_kept(rundir):
    """negotiate_standby=1 with QEMU's failover=on (teaming), the standby
    alone on a tap with offloads, two queue pairs and RSS: testpmd stops,
    starts and re-configures the failover port. VIRTIO_NET_F_STANDBY stays
    in the features QEMU holds after every step; the failover port runs
    the handshake again exactly where the virtio PMD initialized the
    device again (a configure that requests other features) and nowhere
    else; the standby answers after each step. Then the paired primary is
    plugged and adopted (the scenario waits for it)."""
    steps = scenario.run_standby_kept(rundir, log=lambda s: None)
    reinit = {"rx tcp_cksum on", "tx tcp_cksum on", "2 queues",
              "1 queue, no offload"}
    assert [s["step"] for s in steps] == \
        [name for name, _ in scenario.STANDBY_STEPS]
    for s in steps:
        assert s["handshakes"] == (1 if s["step"] in reinit else 0), steps
        # QEMU said FAILOVER_NEGOTIATED after each handshake, and never
        # where nothing re-initialized the device. (QEMU 7.2 says it once
        # more per re-initialization: the virtio PMD writes its low half of
        # the features beside the high half the last handshake left, which
        # QEMU 11.1 has cleared by then. So the event alone does not tell
        # that STANDBY stayed; the guest features do, below.)
        assert s["negotiated"] >= s["handshakes"], steps
        if s["step"] not in reinit:
            assert s["negotiated"] == 0, steps
        # QEMU holds STANDBY now (where it can tell: see
        # qemu.Guest.standby_features)
        assert s["standby"] is not False, steps


def test_negotiate_standby_refuses_legacy(rundir):
    """A virtio-net standby the virtio PMD drives through the legacy
    interface has no modern common configuration to negotiate STANDBY on:
    the failover port is not created, with one line saying why, and the
    application keeps its two PCI ports."""
    res = scenario.run_legacy_refused(rundir, log=lambda s: None)
    assert res["failover"] == [
        "net_failover0: negotiate_standby: standby %s has no modern virtio "
        "interface (a legacy device): not supported" %
        scenario.qemu.STANDBY_PCI], res
    assert res["ports"] == 2, res
