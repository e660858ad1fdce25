# SPDX-License-Identifier: BSD-3-Clause
"""examples/failover_fwd, the example application linked with the PMD and
its API: a status line a second, the switchover callback, and forced
standby for planned maintenance."""
import re

from conftest import BUILD, eal_args, run

APP = BUILD / "examples/failover_fwd/dpdk-failover-fwd"


def test_forwarder_status_callback_and_planned_switch(prefix):
    # Linked with the PMD: no -d. A plain port (net_null2) rides along.
    cmd = [str(APP)] + eal_args(prefix) + [
        "--vdev", "net_null0", "--vdev", "net_null1", "--vdev",
        "net_failover0,standby=net_null1,primary=net_null0",
        "--vdev", "net_null2", "--",
        "--duration", "5", "--force-standby-at", "2", "--release-at", "4"]
    out = run(cmd, timeout=60)
    assert out.returncode == 0, out.stdout[-3000:]
    log = out.stdout
    # the API tells failover ports apart
    assert "port 2 is a failover port" in log
    assert "port 3 is a failover port" not in log
    status = {int(m.group(1)): m for m in re.finditer(
        r"^t=(\d+)s port 2: TX on (\w+)( \(forced\))? \| primary (\w+) "
        r"(\d+) pps \| standby (\d+) pps \| switchovers (\d+)$", log, re.M)}
    assert sorted(status) == [1, 2, 3, 4, 5], log[-2000:]
    assert status[1].group(2) == "primary" and int(status[1].group(5)) > 0
    # forced: the callback says so, and once force_standby returned not a
    # single packet went out on the primary in the following second
    # the callback could call the API (no lock held): its count is right
    assert "port 2: switchover primary -> standby (switchover 1)" in log
    assert status[3].group(2) == "standby" and status[3].group(3)
    assert int(status[3].group(5)) == 0
    assert int(status[3].group(6)) > 0
    # released: back on the primary, two switchovers in all
    assert "port 2: switchover standby -> primary (switchover 2)" in log
    assert status[5].group(2) == "primary" and int(status[5].group(5)) > 0
    assert int(status[5].group(7)) == 2
