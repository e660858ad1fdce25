# SPDX-License-Identifier: BSD-3-Clause
"""Races the PMD must survive, provoked with traffic on every queue:
scripted steps of tests/functional/fo_functional (--step).

Each run ends with the harness's own checks: every mbuf back in the pool
after close, counters monotonic, every lcore still completing bursts."""
import os
import re

import pytest

from conftest import (BUILD, PMD, absent_primary_failover, eal_args,
                      run)

HARNESS = BUILD / "tests/fo_functional"
NULLS = ["net_null0", "net_null1,no-rx=1"]
SUBS = ["--primary", "net_null0", "--standby", "net_null1",
        "--primary-args", "net_null0", "--queues", "2"]


# gdb in non-stop mode: a thread (by default any but main) reaching FUNCTION
# stays stopped there HOLD seconds while every other thread runs on; gdb
# quits when the program exits. The CLI cannot wait in batch mode without
# stopping gdb's event loop, hence Python and a timer.
GDB_HOLD = """set pagination off
set confirm off
handle all nostop noprint pass
set print thread-events off
set breakpoint pending on
set non-stop on
break %(function)s if $_thread %(thread)s
python
import threading
def fo_hold(ev):
    if not isinstance(ev, gdb.BreakpointEvent):
        return
    num = ev.inferior_thread.num
    def resume():
        gdb.execute("thread %%d" %% num)
        gdb.execute("continue")
    threading.Timer(%(hold)f, lambda: gdb.post_event(resume)).start()
gdb.events.stop.connect(fo_hold)
gdb.events.exited.connect(
    lambda ev: gdb.post_event(lambda: gdb.execute("quit")))
end
run
"""


# gdb counts the calls of FUNCTION, and says how many at the end.
GDB_COUNT = """set pagination off
set confirm off
handle all nostop noprint pass
set print thread-events off
set breakpoint pending on
break %(function)s
commands
silent
continue
end
run
info breakpoints
"""


def under_gdb_count(rundir, function):
    """A command prefix counting FUNCTION's calls under GDB_COUNT."""
    script = rundir / "count.gdb"
    script.write_text(GDB_COUNT % {"function": function})
    return ["gdb", "-q", "-nx", "-batch", "-x", str(script), "--args"]


def under_gdb_hold(rundir, function, hold, thread="!= 1"):
    """A command prefix running a program under GDB_HOLD; @thread: which
    threads stop (gdb's numbers; the main thread is 1)."""
    script = rundir / "hold.gdb"
    script.write_text(GDB_HOLD % {"function": function, "hold": hold,
                                  "thread": thread})
    return ["gdb", "-q", "-nx", "-x", str(script), "--args"]


def steps(prefix, vdevs, args, step_list, lcores="0@0,1@1,2@1,3@0",
          timeout=180, wrapper=()):
    cmd = list(wrapper) + [str(HARNESS)] + eal_args(prefix, mem=512)
    cmd[cmd.index("-l"):cmd.index("-l") + 2] = ["--lcores", lcores]
    cmd += ["-d", str(PMD)]
    for v in vdevs:
        cmd += ["--vdev", v]
    cmd += ["--"] + args + ["--packets", str(10 ** 12)]
    for s in step_list:
        cmd += ["--step", s]
    # gdb reads commands from stdin once its script is done: a pipe kept
    # open keeps it serving events until the program exits
    r, w = os.pipe()
    env = dict(os.environ)
    if wrapper:
        # LeakSanitizer cannot stop the world under ptrace (sanitized stage)
        env["ASAN_OPTIONS"] = ":".join(
            o for o in (env.get("ASAN_OPTIONS"), "detect_leaks=0") if o)
    try:
        out = run(cmd, timeout=timeout, stdin=r if wrapper else None,
                  env=env)
    finally:
        os.close(r)
        os.close(w)
    # gdb's thread events are off: its own lines, written in pieces, could
    # otherwise split one of the program's
    res = dict(re.findall(r"^(\w+)=(.*)$", out.stdout, re.MULTILINE))
    assert out.returncode == 0, out.stdout[-3000:]
    # under gdb: the program's own exit, not gdb's end killing it
    assert not wrapper or "exited normally]" in out.stdout, \
        out.stdout[-3000:]
    for i, s in enumerate(step_list):
        assert "step%d=ok %s" % (i, s) in out.stdout, out.stdout[-3000:]
    assert "error" not in res, out.stdout[-3000:]
    ends = {k: res.get(k) for k in
            ("stats_monotonic", "rx_bad_port", "mbufs_in_use_closed")}
    assert ends == {"stats_monotonic": "1", "rx_bad_port": "0",
                    "mbufs_in_use_closed": "0"}, out.stdout[-3000:]
    return res, out.stdout


def gdb_hits(out):
    """The hit count of the one breakpoint of GDB_COUNT."""
    m = re.search(r"breakpoint already hit (\d+) time", out)
    return int(m.group(1)) if m else 0


def failover(extra=""):
    return "net_failover0,standby=net_null1,primary=net_null0" + extra


@pytest.mark.parametrize("via", ["rmv", "dev-event"])
def test_removal_during_readoption(prefix, via):
    """The primary is plugged and removed again at once, 60 times, the
    removal falling on each stage of its re-adoption (claimed in NEW,
    adopted, brought up, published). A removal raised before the port is
    a sub-device is not the PMD's to see: the device is then adopted,
    and detached by the harness once it transmits (by name: the PMD may
    be releasing it). Not the application's own detach at once: that
    falls on the bring-up, outside the guide's rule (net_null's close
    clears the MAC table the replay reads: SIGSEGV, seen on 24.11)."""
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
    hotplug owner; its close talks to the vhost-user backend) while the
    application detaches the standby, the failover port stopped as the
    guide's rule asks: the two removals meet on the vdev bus's lock. The
    PMD used to remove the primary holding its own lock, which the
    standby's detach notice waited for: a deadlock."""
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
        "expect-adopted:net_virtio_user1", "stop:-",
        "rmv-then-detach:%d:net_virtio_user0" % delay_us,
        "expect-gone:net_virtio_user1", "expect-gone:net_virtio_user0",
        "start:-", "expect-no-path:hold"], lcores="0@0,1@1,2@1", timeout=60)


def test_slow_removal_beside_polls(prefix, rundir):
    """hotplug_poll=1 asks for the absent primary every millisecond while
    the removal of its old self is held 300 ms inside EAL's
    rte_eal_hotplug_remove() (gdb, as a vanished PCI device's removal
    takes seconds), with an RTE_DEV_EVENT_ADD for it in the middle, 10
    times under traffic: each removal ends before the primary is probed
    again, and each is followed by one probe, not one per poll or event
    that arrived meanwhile (issue 12.1)."""
    cycles = 10
    todo = []
    for n in range(1, cycles + 1):
        # an ADD event too, 100 ms into the removal; no expect-gone: the
        # polls bring the primary back a millisecond after the removal
        # ends (the log below shows each removal)
        todo += ["remove:rmv:net_null0", "sleep:100000",
                 "dev-add:net_null0", "expect-readoptions:%d" % n,
                 "expect-adopted:net_null0"]
    _, out = steps(prefix, NULLS + [failover(",hotplug_poll=1")], SUBS,
                   todo, wrapper=under_gdb_hold(
                       rundir, "rte_eal_hotplug_remove", 0.3),
                   timeout=120)
    # the PMD's own lines, in order: removed, probed, removed, probed...
    seq = re.findall(r"net_null0 removed|primary net_null0 probed again",
                     out)
    assert seq == ["net_null0 removed",
                   "primary net_null0 probed again"] * cycles, out[-3000:]


def test_reconfigure_during_readoption(prefix):
    """The primary is plugged back and, while its adoption is pending, the
    application configures the port anew with the other queue count (1 and
    2, alternately), 40 times: the sub-devices end with the failover
    port's queue counts and the primary carries TX each time."""
    steps(prefix, NULLS + [failover()], SUBS, [
        "expect-adopted:net_null0", "reconfig:40"])


def test_link_query_never_waits_for_a_bring_up(prefix, rundir):
    """A datapath lcore reading the failover link with
    rte_eth_link_get_nowait() while the PMD brings a returning primary up
    (held 2 s inside its adoption by gdb, as a slow VF start would hold
    it) is not kept waiting for it (issue 12.6)."""
    res, _ = steps(prefix, NULLS + [failover()], SUBS + ["--link-poll"], [
        "expect-adopted:net_null0", "remove:destroy:net_null0",
        "expect-gone:net_null0", "plug:net_null0",
        "expect-adopted:net_null0"],
        wrapper=under_gdb_hold(rundir, "fo_sub_adopt_locked", 2.0))
    # the longest call, against the 2 s the adoption holds the port for
    assert int(res["link_nowait_max_us"]) < 200000, res
    assert res["link_nowait_errors"] == "0", res


def test_deferred_work_does_not_pile_up(prefix, rundir):
    """While a returning primary warms up (warmup_ms), every link query
    asks for the deferred work at the end of the window: 2,000 queries must
    leave one request armed, not arm 2,000 alarms that all run at that
    instant (issue 12.6). gdb counts the alarms armed in the process."""
    _, out = steps(prefix, NULLS + [failover(",warmup_ms=1000")], SUBS, [
        "expect-adopted:net_null0", "remove:destroy:net_null0",
        "expect-gone:net_null0", "plug:net_null0",
        "expect-owned:net_null0", "link-get:2000",
        "expect-adopted:net_null0"],
        wrapper=under_gdb_count(rundir, "rte_eal_alarm_set"))
    # a handful of events and the window's end
    print("alarms armed: %d" % gdb_hits(out))
    assert gdb_hits(out) < 50, out[-3000:]


def test_detach_failover_while_polling_absent_primary(prefix, rundir):
    """rte_dev_remove() of the failover device while hotplug_poll probes an
    absent primary every millisecond, 5 times. The removal holds the vdev
    bus's lock while it closes the port (held there 20 ms by gdb, as a
    slow close would), so a poll meets that lock; the close used to wait
    for the poll, which waited for the lock (issue 12.3)."""
    fo = absent_primary_failover(rundir)
    steps(prefix, [], ["--create", fo, "--standby", "net_null5"],
          ["detach-self:5"],
          wrapper=under_gdb_hold(rundir, "failover_remove", 0.02,
                                 thread="== 1"), timeout=60)


@pytest.mark.parametrize("via", ["destroy", "rmv", "return"])
def test_close_from_lsc_callback(prefix, via):
    """The application closes the failover port from the port's own LSC
    callback: raised in the thread that removes the last sub-device
    (detach, RMV), or in the hotplug owner when a primary returns to a
    port that had no path. The close must not wait for the callback it is
    called from (issue 12.3), nor the PMD touch the port after it."""
    gone = ["remove:destroy:net_null1", "expect-gone:net_null1"]
    if via == "return":
        seq = gone + ["remove:destroy:net_null0", "expect-gone:net_null0",
                      "close-on-lsc:-", "plug:net_null0"]
    else:
        seq = gone + ["close-on-lsc:-", "remove:%s:net_null0" % via]
    steps(prefix, NULLS + [failover()], SUBS + ["--lsc"],
          ["expect-adopted:net_null0"] + seq + ["expect-closed:-"],
          timeout=60)


def test_close_from_switchover_callback_beside_the_event(prefix, rundir):
    """The switch an RMV causes is told by whichever thread gets to it
    first: here the hotplug owner, while the application's thread that
    raised the RMV is still inside the PMD's callback (gdb holds it 2 s at
    fo_link_notify, which tells the switch). The application closes the
    port from its switchover callback, in the owner: the close waits for
    the other thread's callback, and goes on once that returns."""
    steps(prefix, NULLS + [failover()], SUBS,
          ["expect-adopted:net_null0", "close-on-switch:-",
           "remove:rmv:net_null0", "expect-closed:-"],
          wrapper=under_gdb_hold(rundir, "fo_link_notify", 2.0,
                                 thread="== 1"),
          timeout=60)


def test_close_keeps_the_applications_hotplug_handler(prefix, rundir):
    """EAL's hotplug handler (SIGBUS on a vanished BAR, and the remapping
    on a removal uevent) is the process's: the application enabled it,
    and a failover port that wanted it too (probe_any starts the device
    monitor and the handler) must not disable it when it closes (issue
    12.7). EAL says nobody whether the handler is on, so gdb counts the
    calls that turn it off; SIGBUS still goes to EAL's handler."""
    mac = "02:fa:00:00:00:20"
    _, out = steps(prefix, ["net_failover0,standby=(net_null1),mac=%s,"
                            "probe_any=1" % mac], ["--standby", "net_null1"],
                   ["hotplug-handler:on", "close:-",
                    "expect-sigbus-handler:app"],
                   wrapper=under_gdb_count(rundir,
                                           "rte_dev_hotplug_handle_disable"))
    assert gdb_hits(out) == 0, out[-3000:]


@pytest.mark.parametrize("via", ["destroy", "rmv", "return"])
def test_close_from_switchover_callback(prefix, via):
    """The same from the PMD's switchover callback
    (rte_pmd_failover_switch_callback_register()): called in the thread
    that removes the primary, or in the hotplug owner when it returns."""
    if via == "return":
        seq = ["remove:destroy:net_null0", "expect-gone:net_null0",
               "close-on-switch:-", "plug:net_null0"]
    else:
        seq = ["close-on-switch:-", "remove:%s:net_null0" % via]
    steps(prefix, NULLS + [failover()], SUBS,
          ["expect-adopted:net_null0"] + seq + ["expect-closed:-"],
          timeout=60)
