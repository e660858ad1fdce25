# SPDX-License-Identifier: BSD-3-Clause
"""Creation of the failover port as EAL users write it: both probe orders,
sub-devices hidden, and the parameter string dpdk-pmdinfo shows."""
import re
import subprocess

import pytest

from conftest import PMD, TESTPMD, eal_args, run

ORDERS = {
    # sub-devices probed before the failover port
    "subs-first": ["--vdev", "net_null0", "--vdev", "net_null1,no-rx=1",
                   "--vdev", "net_failover0,standby=net_null1,primary=net_null0"],
    # sub-devices declared after it: adopted in their NEW events
    "subs-after": ["--vdev", "net_failover0,standby=net_null1,primary=net_null0",
                   "--vdev", "net_null0", "--vdev", "net_null1,no-rx=1"],
    # primary found by MAC (no primary=): net_null0 takes the standby's MAC
    # only if named, so here the standby's MAC is given to both by mac=
    "standby-after": ["--vdev", "net_failover0,standby=net_null1",
                      "--vdev", "net_null1,no-rx=1", "--vdev", "net_null0"],
}


@pytest.mark.parametrize("order", sorted(ORDERS))
def test_probe_orders(prefix, order):
    cmd = [TESTPMD] + eal_args(prefix) + ["-d", str(PMD)] + ORDERS[order] + [
        "--", "-i", "--total-num-mbufs=2048"]
    out = run(cmd, input="show port summary all\nstart\nstop\nquit\n",
              timeout=60)
    assert out.returncode == 0, out.stdout[-3000:]
    ports = re.findall(r"^(\d+)\s+\S+\s+(\S+)\s+(\S+)\s+(up|down)", out.stdout,
                       re.M)
    names = [p[1] for p in ports]
    assert "net_failover0" in names
    # the failover port's sub-devices are owned, so testpmd never sees them
    assert "net_null1" not in names
    if order != "standby-after":
        assert "net_null0" not in names
        fo = [p for p in ports if p[1] == "net_failover0"][0]
        assert fo[3] == "up"
        # forwarding went through the primary
        assert re.search(r"TX-packets: [1-9]\d*", out.stdout)
    else:
        # net_null0 has another random MAC and no primary= names it: the
        # Linux rule leaves it to the application
        assert "net_null0" in names


def test_pmdinfo_shows_parameters():
    out = run(["dpdk-pmdinfo.py", str(PMD)])
    assert out.returncode == 0, out.stdout
    assert "net_failover" in out.stdout
    assert "standby=" in out.stdout and "primary=" in out.stdout
