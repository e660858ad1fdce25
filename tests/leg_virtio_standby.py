# SPDX-License-Identifier: BSD-3-Clause
"""contrib/virtio-standby's patch to DPDK's virtio PMD: the 'standby'
devarg, in a QEMU guest (TCG) with QEMU's failover=on, testpmd driving the
virtio-net device alone. Only a DPDK built with the patch has the devarg,
so this file runs in that leg only (devtools/leg source-23.11 names it;
pytest collects no file without the test_ prefix by itself). See
scenario.run_virtio_devarg."""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).parent / "vm"))
import scenario    # noqa: E402


def test_virtio_standby_devarg(rundir):
    res = scenario.run_virtio_devarg(rundir, log=lambda s: None)
    # the stock behaviour without the devarg: nothing negotiated, the
    # primary stays hidden
    assert res["without"] == {"standby": False, "negotiated": 0}, res
    # with it: negotiated at the probe, and again in the configure that
    # initialized the device again for the Rx offload
    assert res["with"]["standby"] and res["with"]["negotiated"] >= 1, res
    assert res["reconfigured"]["standby"], res
    assert res["reconfigured"]["negotiated"] >= 1, res
