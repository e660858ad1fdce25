# SPDX-License-Identifier: BSD-3-Clause
"""Races the PMD must survive, provoked with traffic on every queue:
scripted steps of tests/functional/fo_functional (--step).

Each run ends with the harness's own checks: every mbuf back in the pool
after close, counters monotonic, every lcore still completing bursts."""
import pytest

from conftest import BUILD, PMD, eal_args, run

HARNESS = BUILD / "tests/fo_functional"
NULLS = ["net_null0", "net_null1,no-rx=1"]
SUBS = ["--primary", "net_null0", "--standby", "net_null1",
        "--primary-args", "net_null0", "--queues", "2"]


def steps(prefix, vdevs, args, step_list, lcores="0@0,1@1,2@1,3@0",
          timeout=180):
    cmd = [str(HARNESS)] + eal_args(prefix, mem=512)
    cmd[cmd.index("-l"):cmd.index("-l") + 2] = ["--lcores", lcores]
    cmd += ["-d", str(PMD)]
    for v in vdevs:
        cmd += ["--vdev", v]
    cmd += ["--"] + args + ["--packets", str(10 ** 12)]
    for s in step_list:
        cmd += ["--step", s]
    out = run(cmd, timeout=timeout)
    res = dict(l.split("=", 1) for l in out.stdout.splitlines()
               if "=" in l and " " not in l.split("=", 1)[0])
    assert out.returncode == 0, out.stdout[-3000:]
    for i, s in enumerate(step_list):
        assert "step%d=ok %s" % (i, s) in out.stdout, out.stdout[-3000:]
    assert "error" not in res, out.stdout[-3000:]
    assert res["stats_monotonic"] == "1"
    assert res["rx_bad_port"] == "0"
    assert res["mbufs_in_use_closed"] == "0"
    return res, out.stdout


def failover(extra=""):
    return "net_failover0,standby=net_null1,primary=net_null0" + extra


@pytest.mark.parametrize("via", ["rmv", "dev-event", "destroy"])
def test_removal_during_readoption(prefix, via):
    """The primary is plugged and removed again at once, 60 times, the
    removal falling on each stage of its re-adoption (claimed in NEW,
    adopted, brought up, published). A removal raised before the port is
    a sub-device is not the PMD's to see: the device is then adopted,
    and detached by the harness (by name: the PMD may be releasing it)."""
    res, _ = steps(prefix, NULLS + [failover()], SUBS, [
        "remove:destroy:net_null0", "expect-gone:net_null0",
        "plug-remove:%s:60" % via,
        "plug:net_null0", "expect-adopted:net_null0"])
    assert int(res["plug_remove_released"]) + \
        int(res["plug_remove_adopted"]) == 60


@pytest.mark.parametrize("first", ["standby", "primary"])
def test_both_gone_then_either_returns(prefix, first):
    """The primary goes, then the standby while the primary is absent:
    no path (held, with no_path=hold). Either comes back first and
    carries TX; then the other."""
    back = {"standby": "net_null1", "primary": "net_null0"}
    other = "primary" if first == "standby" else "standby"
    steps(prefix, NULLS + [failover(",no_path=hold")], SUBS, [
        "remove:rmv:net_null0", "expect-gone:net_null0",
        "remove:dev-event:net_null1", "expect-gone:net_null1",
        "expect-no-path:hold",
        "plug:%s" % back[first], "expect-adopted:%s" % back[first],
        "plug:%s" % back[other], "expect-owned:%s" % back[other],
        "expect-adopted:net_null0"])


@pytest.mark.parametrize("via", ["rmv", "dev-event", "destroy"])
def test_removal_while_port_stopped(prefix, via):
    """The primary is removed while the application has the failover port
    stopped: released all the same; the start runs on the standby, and the
    primary, plugged back, is re-adopted."""
    steps(prefix, NULLS + [failover()], SUBS, [
        "expect-adopted:net_null0", "stop:-",
        "remove:%s:net_null0" % via, "expect-gone:net_null0",
        "start:-", "expect-adopted:net_null1",
        "plug:net_null0", "expect-adopted:net_null0"])


@pytest.mark.parametrize("delay_us", [0, 20, 200])
def test_close_while_readoption_pending(prefix, delay_us):
    """The primary is plugged back and the failover port closed at once,
    its re-adoption pending (claimed, or being brought up): the close waits
    out the deferred work, and the device is left closed or handed back to
    the application unowned."""
    steps(prefix, NULLS + [failover()], SUBS, [
        "expect-adopted:net_null0", "remove:destroy:net_null0",
        "expect-gone:net_null0", "plug:net_null0",
        "sleep:%d" % delay_us, "close:-", "expect-free:net_null0"])


@pytest.mark.parametrize("delay_us", [0, 100, 1000, 3000])
def test_detach_while_pmd_releases(prefix, rundir, delay_us):
    """The PMD releases a virtio-user primary after an RMV (deferred, in the
    interrupt thread; its stop talks to the vhost-user backend) while the
    application detaches the standby: the two removals meet on the vdev
    bus's lock. The PMD used to remove the primary holding its own lock,
    which the standby's detach notice waits for: a deadlock."""
    mac = "02:fa:00:00:00:10"
    s, p = rundir / "s.sock", rundir / "p.sock"
    primary = "net_virtio_user1,path=%s,queues=1,mac=%s" % (p, mac)
    steps(prefix, [
        "net_vhost0,iface=%s,queues=1" % s,
        "net_vhost1,iface=%s,queues=1" % p], [
        "--create", "net_failover0,standby=(net_virtio_user0,path=%s,"
        "queues=1,mac=%s),primary=(%s),no_path=hold" % (s, mac, primary),
        "--primary", "net_virtio_user1", "--standby", "net_virtio_user0",
        "--peer", "net_vhost0", "--extra-peer", "net_vhost1",
        "--primary-args", primary], [
        "expect-adopted:net_virtio_user1",
        "rmv-then-detach:%d:net_virtio_user0" % delay_us,
        "expect-gone:net_virtio_user1", "expect-gone:net_virtio_user0",
        "expect-no-path:hold"], lcores="0@0,1@1,2@1", timeout=60)


def test_reconfigure_during_readoption(prefix):
    """The primary is plugged back and, while its adoption is pending, the
    application configures the port anew with the other queue count (1 and
    2, alternately), 40 times: the sub-devices end with the failover
    port's queue counts and the primary carries TX each time."""
    steps(prefix, NULLS + [failover()], SUBS, [
        "expect-adopted:net_null0", "reconfig:40"])
