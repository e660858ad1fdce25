# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The dpdk-failover authors
"""A short libFuzzer run on lib/failover's devargs parser (devtools/fuzz).

fuzz_devargs runs 10 s here, 60 s when CI=true and 300 s with FO_LONG=1
(FO_FUZZ_SECONDS overrides all three); fuzz_mac, whose input space is
small, a twelfth of that. Each starts from the seeds in tests/fuzz/corpus/
and the inputs earlier runs kept in build-fuzz/corpus/. A crash, a
sanitizer report or a broken invariant of the parser's contract fails the
test with libFuzzer's report; the input is in build-fuzz/artifacts/.
A long run: devtools/fuzz -t 3600 -j 2 devargs

test_seeds runs the same targets' contract checks once over each seed,
without libFuzzer, as built by meson in FO_BUILD (so with the sanitizers
under devtools/test-sanitized).
"""
import os
import re
import shutil

import pytest

from conftest import BUILD, TOP, run

FUZZ = TOP / "devtools/fuzz"


def budget():
    if os.environ.get("FO_FUZZ_SECONDS"):
        return int(os.environ["FO_FUZZ_SECONDS"])
    if os.environ.get("FO_LONG") == "1":
        return 300
    if os.environ.get("CI") == "true":
        return 60
    return 10


def have_libfuzzer():
    cc = shutil.which("clang") or shutil.which("clang-14")
    if cc is None:
        return False
    res = run([cc, "-print-file-name=libclang_rt.fuzzer-x86_64.a"])
    return os.path.isfile(res.stdout.strip())


@pytest.mark.parametrize("target,share", [("devargs", 1), ("mac", 12)])
def test_fuzz(target, share, capsys):
    if not have_libfuzzer():
        # devtools/setup installs clang and libclang-rt-dev
        pytest.fail("clang with libFuzzer not found: run devtools/setup")
    seconds = max(2, budget() // share)
    res = run([str(FUZZ), "-t", str(seconds), target],
              timeout=seconds + 300)
    m = re.search(r"^fuzz: %s: (\d+) execs in ([\d.]+) s \((\d+) execs/s\), "
                  r"corpus (\d+), crashes (\d+)$" % target, res.stdout,
                  re.M)
    if m is not None:
        with capsys.disabled():
            print("\n" + m.group(0), end=" ")
    assert res.returncode == 0, res.stdout
    assert m is not None, res.stdout
    execs, crashes = int(m.group(1)), int(m.group(5))
    assert crashes == 0, res.stdout
    # a run that did next to nothing is no test
    assert execs > 1000 * seconds, res.stdout


@pytest.mark.parametrize("target", ["devargs", "mac"])
def test_seeds(target):
    replay = BUILD / ("tests/fuzz_%s_replay" % target)
    if not replay.exists():
        pytest.fail("%s not built: run ninja -C %s" % (replay, BUILD))
    seeds = sorted((TOP / "tests/fuzz/corpus" / target).iterdir())
    assert len(seeds) >= 8
    res = run([str(replay)] + [str(p) for p in seeds], timeout=60)
    assert res.returncode == 0, res.stdout
    assert res.stdout.strip().splitlines()[-1] == "%d inputs" % len(seeds), \
        res.stdout
