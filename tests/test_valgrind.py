# SPDX-License-Identifier: BSD-3-Clause
"""valgrind memcheck over the failover port's life: probe (sub-devices
probed by the PMD), configure, start, bursts, the primary detached and
plugged back, removed by RMV and plugged back, stop, close, detach; five
times (tests/valgrind/fo_lifecycle.c).

EAL runs without hugepages and shared config (--no-huge --no-shconf), IOVA
as VA. tests/valgrind/dpdk.supp suppresses DPDK and glibc internals only
(the TLS of EAL's control threads, never joined); nothing of the PMD.
DPDK's own heap (rte_malloc: the PMD's private data and queues) is not
seen by valgrind; the mbufs are counted by the program."""
import re
import shutil

from conftest import BUILD, PMD, TOP, run

PROG = BUILD / "tests/fo_lifecycle"
SUPP = TOP / "tests/valgrind/dpdk.supp"
CYCLES = 5


def test_memcheck_lifecycle(prefix):
    # devtools/setup installs valgrind: missing, it is a set-up defect, not
    # a reason to skip.
    assert shutil.which("valgrind"), "valgrind not found (devtools/setup)"
    cmd = ["valgrind", "--tool=memcheck", "--leak-check=full",
           "--error-limit=no", "--suppressions=%s" % SUPP,
           str(PROG), "--no-huge", "-m", "256", "--no-pci", "--no-shconf",
           "--iova-mode=va", "-l", "0", "--file-prefix", prefix,
           "-d", str(PMD), "--", str(CYCLES)]
    out = run(cmd, timeout=300)
    log = out.stdout
    assert out.returncode == 0, log[-4000:]
    assert "cycles=%d" % CYCLES in log, log[-4000:]
    assert "mbufs_in_use=0" in log, log[-4000:]

    def summary(kind):
        m = re.search(r"==\d+==\s+%s: ([\d,]+) bytes in" % kind, log)
        assert m, "no %s line:\n%s" % (kind, log[-4000:])
        return int(m.group(1).replace(",", ""))

    definitely, indirectly = summary("definitely lost"), \
        summary("indirectly lost")
    print("valgrind: definitely lost %d, indirectly lost %d bytes" %
          (definitely, indirectly))
    assert definitely == 0, log[-6000:]
    assert indirectly == 0, log[-6000:]
    # every error valgrind reports, one block each, blank-line separated
    blocks = re.split(r"==\d+== \n", log)
    bad = [b for b in blocks if re.search(
        r"Invalid (read|write|free)|uninitialised|Conditional jump", b)]
    ours = [b for b in bad if "librte_net_failover" in b or
            "fo_lifecycle" in b]
    assert ours == [], "\n".join(ours)[-6000:]
    m = re.search(r"ERROR SUMMARY: (\d+) errors", log)
    assert m and int(m.group(1)) == 0, log[-6000:]
