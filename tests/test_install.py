# SPDX-License-Identifier: BSD-3-Clause
"""meson install: the PMD goes where the installed DPDK's EAL loads PMDs
from, with the public header and a pkg-config file; after installing,
dpdk-testpmd finds net_failover with no -d, and an application builds
against libdpdk-failover. The real install is undone whatever happens, so
the rest of the suite keeps loading the build tree's PMD with -d."""
import os
import pathlib
import subprocess

from conftest import BUILD, TESTPMD, eal_args, run

EAL = "/usr/lib/x86_64-linux-gnu/librte_eal.so"


def pmd_dir():
    out = subprocess.run(["grep", "-aoE",
                          "DPDK_PLUGIN_PATH=[^[:space:][:cntrl:]]+",
                          EAL], stdout=subprocess.PIPE, text=True)
    return out.stdout.splitlines()[0].split("=", 1)[1]


def test_install_tree(tmp_path):
    dest = tmp_path / "dest"
    out = run(["meson", "install", "-C", str(BUILD), "--quiet",
               "--destdir", str(dest)])
    assert out.returncode == 0, out.stdout
    link = dest / pmd_dir().lstrip("/") / "librte_net_failover.so"
    assert link.is_symlink()
    target = pathlib.Path(os.readlink(link))
    assert (dest / str(target).lstrip("/")).is_file()
    files = {p.name for p in dest.rglob("*")}
    assert {"rte_pmd_failover.h", "libdpdk-failover.pc",
            "librte_net_failover.a", "dpdk-failover-fwd"} <= files


def test_installed_driver_loads_without_d(prefix, tmp_path):
    out = run(["meson", "install", "-C", str(BUILD), "--quiet"])
    assert out.returncode == 0, out.stdout
    try:
        # no -d: EAL's own plugin directory has it now
        cmd = [TESTPMD] + eal_args(prefix) + [
            "--vdev", "net_null0", "--vdev", "net_null1",
            "--vdev", "net_failover0,standby=net_null1,primary=net_null0",
            "--", "-i", "--total-num-mbufs=2048"]
        out = run(cmd, input="show port summary all\nquit\n", timeout=60)
        assert out.returncode == 0, out.stdout[-2000:]
        assert "net_failover0 net_failover" in out.stdout, \
            out.stdout[-2000:]
        # an application builds and links against the installed API
        src = tmp_path / "app.c"
        src.write_text('#include <rte_pmd_failover.h>\n'
                       'int main(void) { return rte_pmd_failover_info_get('
                       '0, 0) == -ENODEV ? 0 : 1; }\n'
                       .replace("#include", "#include <errno.h>\n#include",
                                1))
        env = dict(os.environ, PKG_CONFIG_PATH=":".join(
            str(p) for p in pathlib.Path("/usr/local").rglob("pkgconfig")))
        flags = subprocess.run(["pkg-config", "--cflags", "--libs",
                                "libdpdk-failover"], env=env, text=True,
                               stdout=subprocess.PIPE, check=True).stdout
        out = run(["cc", "-o", str(tmp_path / "app"), str(src)] +
                  flags.split())
        assert out.returncode == 0, out.stdout
    finally:
        run(["ninja", "-C", str(BUILD), "uninstall"])
    assert not (pathlib.Path(pmd_dir()) / "librte_net_failover.so").exists()
