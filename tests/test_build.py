# SPDX-License-Identifier: BSD-3-Clause
"""The build's DPDK version check: a DPDK outside the tested range is
refused at configure time with a clear error, and the check can be
overridden above the range.

The DPDK meson sees is the installed one with only its pkg-config
version changed: a copy of its libdpdk.pc in a directory put first on
PKG_CONFIG_PATH.
"""
import json
import os
import pathlib
import re
import subprocess

import pytest

from conftest import BUILD, TOP, run

BUILD_OPTIONS = BUILD / "meson-info" / "intro-buildoptions.json"


def pcfile():
    out = subprocess.run(["pkg-config", "--variable=pcfiledir", "libdpdk"],
                         check=True, capture_output=True, text=True)
    return pathlib.Path(out.stdout.strip()) / "libdpdk.pc"


def configure(tmp_path, version, *options):
    """meson setup against the installed DPDK claiming @version."""
    pcdir = tmp_path / "pc"
    pcdir.mkdir()
    text = pcfile().read_text()
    (pcdir / "libdpdk.pc").write_text(
        re.sub(r"(?m)^Version:.*$", "Version: " + version, text))
    env = dict(os.environ)
    env["PKG_CONFIG_PATH"] = str(pcdir) + ":" + env.get(
        "PKG_CONFIG_PATH", "")
    sdk = sdk_option()
    return run(["meson", "setup", str(tmp_path / "b"), str(TOP),
                "-Dtests=false"] + sdk + list(options), env=env)


def sdk_option():
    """The SDK headers devtools/setup gave the main build, if any."""
    for o in json.loads(BUILD_OPTIONS.read_text()):
        if o["name"] == "sdk_include_dir" and o["value"]:
            return ["-Dsdk_include_dir=" + o["value"]]
    return []


@pytest.mark.parametrize("version,limit", [("21.11.9", "older than 22.11"),
                                           ("26.03.0", "newer than the "
                                            "newest series tested (25.11)")])
def test_dpdk_outside_the_tested_range_is_refused(tmp_path, version, limit):
    res = configure(tmp_path, version)
    assert res.returncode != 0, res.stdout
    assert re.search(r"ERROR: .*DPDK %s is %s" % (re.escape(version),
                                                  re.escape(limit)),
                     res.stdout), res.stdout[-2000:]


def test_newer_dpdk_builds_when_allowed(tmp_path):
    res = configure(tmp_path, "26.03.0", "-Dallow_untested_dpdk=true")
    assert res.returncode == 0, res.stdout[-2000:]
    assert "libdpdk found: YES 26.03.0" in res.stdout, res.stdout
    assert ("WARNING: DPDK 26.03.0 is newer than the newest series tested "
            "(25.11): built as -Dallow_untested_dpdk asks") in res.stdout


def test_each_tested_series_is_accepted(tmp_path):
    """The ends of the range: the first 22.11 and a late 25.11 stable
    release."""
    for v in ("22.11.0", "25.11.9"):
        d = tmp_path / v
        d.mkdir()
        res = configure(d, v)
        assert res.returncode == 0, res.stdout[-2000:]
