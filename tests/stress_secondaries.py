# SPDX-License-Identifier: BSD-3-Clause
"""Stress, run by hand (not collected by the suite: its name does not start
with test_): secondaries killed at random moments against a primary that
keeps removing and re-adopting its primary sub-device (issue 12.2).

    /usr/bin/python3 -m pytest -p no:cacheprovider -s \
        tests/stress_secondaries.py

One run: 500 kills, 876 cycles, 458 s (each secondary that dies while EAL's
hotplug waits for its answer costs that hotplug EAL's 5 s timeout). Not in
the suite yet: with a wider kill window (2 ms) a run hung for good in EAL's
shared memory lock, which a secondary killed in its own cleanup leaves held
(see the guide's multi-process notes)."""
import os
import random
import signal
import subprocess
import time

from conftest import BUILD, PMD
from test_secondary import HUGE_DIR, PROC_INFO, hugepages  # noqa: F401

HARNESS = BUILD / "tests/fo_functional"
KILLS = int(os.environ.get("FO_SECONDARY_KILLS", "500"))


def test_secondaries_killed_at_random_moments(prefix, rundir, hugepages):
    """dpdk-proc-info --xstats started and SIGKILLed at a random moment of
    its failover port's xstats read, 500 times, while the primary process removes its
    primary sub-device by every path (the PMD's own release after RMV and
    after the EAL removal event, the application's detach) and plugs it
    back, under traffic: every cycle's switchover and re-adoption happen in
    time, every answered proc-info succeeded, and every mbuf comes back
    (issue 12.2). EAL's hotplug in the primary fails when a secondary
    vanishes in the middle of its request: the harness and the PMD try
    again."""
    seed = int(os.environ.get("FO_SEED", str(os.getpid())))
    print("seed %d" % seed)
    rng = random.Random(seed)
    cmd = [str(HARNESS), "-m", "64", "--huge-dir", str(HUGE_DIR),
           "--base-virtaddr", "0x200000000000", "--no-pci",
           "--lcores", "0@0,1@1,2@1", "--file-prefix", prefix,
           "--log-level", "pmd.net.failover*:info", "-d", str(PMD),
           "--vdev", "net_null0", "--vdev", "net_null1",
           "--vdev", "net_failover0,standby=net_null1,primary=net_null0",
           "--", "--primary", "net_null0", "--standby", "net_null1",
           "--primary-args", "net_null0", "--cycles", "1000000",
           "--cycle-gap-ms", "20", "--vias", "rmv,dev-event,destroy",
           "--packets", str(10 ** 12)]
    log = open(rundir / "harness.log", "w+")
    h = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                         text=True)
    kills = answered = 0
    try:
        deadline = time.monotonic() + 30
        while "mbufs_in_use_started" not in (rundir / "harness.log"
                                              ).read_text():
            assert h.poll() is None and time.monotonic() < deadline, \
                (rundir / "harness.log").read_text()[-3000:]
            time.sleep(0.05)
        while kills < KILLS:
            assert h.poll() is None, \
                (rundir / "harness.log").read_text()[-3000:]
            # Line-buffered: the header comes just before the PMD's
            # secondary path fetches the values. Not killed inside EAL's own
            # init or cleanup: there a secondary holds EAL's shared memory
            # lock, which is not robust either, and the primary's next
            # allocation waits for it for ever (any DPDK application).
            q = subprocess.Popen(["stdbuf", "-oL", PROC_INFO,
                                  "--file-prefix", prefix, "--no-pci",
                                  "-d", str(PMD), "--", "--xstats"],
                                 stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, text=True)
            head = ""
            while "NIC extended statistics" not in head:
                line = q.stdout.readline()
                assert line, head
                head += line
            try:
                out = head + q.communicate(
                    timeout=rng.uniform(0.0, 0.0005))[0]
                assert q.returncode == 0, out
                answered += 1
            except subprocess.TimeoutExpired:
                q.kill()
                q.communicate()
                kills += 1
        h.send_signal(signal.SIGUSR1)
        h.wait(timeout=120)
    finally:
        if h.poll() is None:
            h.kill()
            h.wait()
    out = (rundir / "harness.log").read_text()
    res = dict(l.split("=", 1) for l in out.splitlines()
               if "=" in l and " " not in l.split("=", 1)[0])
    print("proc-info killed %d, answered %d; cycles %s, hotplug retries %s,"
          " switchover max %s us (after a detach %s us), re-adoption median %s"
          " us, max %s us" % (
              kills, answered, res.get("cycles"), res.get("hotplug_retries"),
              res.get("switch_us_max"), res.get("detach_switch_us_max"),
              res.get("readopt_us_median"),
              res.get("readopt_us_max")))
    for line in out.splitlines():
        if line.startswith("slow switch"):
            print(line)
    assert h.returncode == 0, out[-3000:]
    assert "error" not in res and "setting_lost" not in res, out[-3000:]
    assert int(res["cycles"]) > 20 and res["cycles"] == res["cycles_verified"]
    # on time: TX left a primary the system removed at once, in every
    # cycle. An application's detach, and a re-adoption, may first wait out
    # EAL's own request to the secondaries (5 s when one dies holding it).
    assert int(res["switch_us_max"]) < 100000, res
    assert res["mbufs_in_use_closed"] == "0"
    assert res["fo_opackets"] == res["sent"]
    assert res["stats_monotonic"] == "1"
