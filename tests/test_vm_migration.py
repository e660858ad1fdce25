# SPDX-License-Identifier: BSD-3-Clause
"""Live migration between two QEMUs (TCG) under traffic: the guest of
tests/test_vm_hotplug.py, `dpdk-failover-fwd --mac-swap --announce`
answering the host's numbered traffic, moved from a source QEMU to a
destination QEMU started with the same command line and `-incoming defer`,
over a unix socket; the host's switch follows the guest's MAC from the
source's two cables to the destination's.

Two flows, each for the DPDK guest (vfio) and, as the reference, Linux's
net_failover in the same guest, in the same test:

- Nova's: device_del the primary, DEVICE_DELETED, migrate, device_add a
  new primary on the destination;
- QEMU's own (libvirt's teaming): failover=on and failover_pair_id; the
  primary appears because the guest acked VIRTIO_NET_F_STANDBY
  (negotiate_standby=1 for DPDK), migrate alone.

Each migration, boot included, takes under a minute here. The figures are
printed as one table at the end (tests/conftest.py).
"""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).parent / "vm"))
import scenario    # noqa: E402

FIGURES = []
COLUMNS = scenario.MIGRATION_COLUMNS


def migrate(flow, mode, rundir):
    d = rundir / mode
    d.mkdir()
    fig = scenario.run_migration(flow, mode, d, log=lambda s: None)
    FIGURES.append(fig)
    (d / "figures.txt").write_text(
        scenario.table([fig], COLUMNS) + "\n")
    return fig


def check_dpdk(dpdk, linux):
    assert dpdk["app_exit"] == 0, dpdk
    # nothing lost but the removed device's in-flight frames and what
    # the guest could not answer around the stop-and-copy
    assert dpdk["lost_unexplained"] == 0, dpdk
    assert dpdk["max_gap_ms"] < linux["max_gap_ms"], (dpdk, linux)
    # and the traffic is back on the destination's primary
    assert dpdk["on_dst_primary"] > 0, dpdk


def test_nova(rundir):
    """Nova's flow: the primary unplugged by hand before, a new one plugged
    on the destination after; the PMD re-adopts it by itself."""
    linux = migrate("nova", "linux", rundir)
    dpdk = migrate("nova", "vfio", rundir)
    check_dpdk(dpdk, linux)
    assert "wait_unplug_ms" not in dpdk, dpdk


def test_teaming(rundir):
    """QEMU's failover flow: migrate alone. QEMU asks the guest to let the
    primary go and waits for it (wait-unplug), then plugs the
    destination's primary while the state loads."""
    linux = migrate("teaming", "linux", rundir)
    dpdk = migrate("teaming", "vfio", rundir)
    check_dpdk(dpdk, linux)
    # QEMU waited for the guest: the guest's features held STANDBY
    assert dpdk["wait_unplug_ms"] > 0, dpdk
