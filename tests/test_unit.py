# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The dpdk-failover authors
"""Run the unit tests of lib/failover (a plain C program, no EAL)."""
import re

import pytest

from conftest import BUILD, run

UNIT = BUILD / "tests/fo_unit_tests"


def test_unit():
    if not UNIT.exists():
        pytest.fail("%s not built: run ninja -C %s" % (UNIT, BUILD))
    res = run([str(UNIT)], timeout=60)
    lines = res.stdout.strip().splitlines()
    assert lines, "no output from %s" % UNIT
    assert res.returncode == 0, res.stdout
    m = re.match(r"^(\d+) passed, 0 failed$", lines[-1])
    assert m is not None, res.stdout
    assert int(m.group(1)) > 50, res.stdout
