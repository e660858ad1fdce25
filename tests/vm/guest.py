# SPDX-License-Identifier: BSD-3-Clause
"""Builds the guest the hotplug scenarios boot: Debian's kernel and an
initramfs made of this machine's own binaries.

No disk image: busybox-static, the DPDK programs and PMDs the scenarios run
(with every library ldd finds), the project's PMD and example, and the
kernel modules for vfio, uio and Linux's own failover. The result is cached
under build/guest/ by a digest of everything that goes in, so a re-run with
nothing changed costs a stat of each input.
"""
import gzip
import hashlib
import io
import os
import pathlib
import re
import shutil
import stat
import subprocess
import tempfile

TOP = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("FO_BUILD", TOP / "build"))
DEPS = TOP / ".deps" / "guest"
INIT = pathlib.Path(__file__).with_name("guest_init.sh")
HOTPLUG = pathlib.Path(__file__).with_name("guest_hotplug.sh")
LINUX_UP = pathlib.Path(__file__).with_name("guest_linux_up.sh")

# What the guest loads: vfio-pci, uio_pci_generic (DPDK scenarios); the
# kernel's virtio_net, e1000e or igb (the primary, by QEMU) and net_failover
# (the Linux comparison).
MODULES = ["vfio-pci", "vfio_iommu_type1", "uio_pci_generic", "virtio_pci",
           "virtio_net", "net_failover", "e1000e", "igb"]
# The DPDK plugins the guest needs; EAL loads every one in its plugin
# directory, so only these go there.
PMDS = ["librte_bus_pci", "librte_bus_vdev", "librte_mempool_ring",
        "librte_net_e1000", "librte_net_virtio"]
# testpmd: the one on PATH, which is a DPDK built from source in its leg
# (devtools/leg source-23.11), else Debian's.
TESTPMD = pathlib.Path(shutil.which("dpdk-testpmd") or "/usr/bin/dpdk-testpmd")
PROGRAMS = [BUILD / "examples/failover_fwd/dpdk-failover-fwd", TESTPMD]
FAILOVER_PMD = BUILD / "drivers/net/failover/librte_net_failover.so"
# Where the guest's loader looks; a library from elsewhere (a DPDK prefix,
# found through LD_LIBRARY_PATH here) goes there.
GUEST_LIBDIR = "lib/x86_64-linux-gnu"


def _run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True,
                          **kw)


def plugin_dir(libs):
    """EAL's plugin directory, as the DPDK of the programs was built with
    (@libs: what they load)."""
    eal = next(lib for lib in libs if lib.name.startswith("librte_eal.so"))
    m = re.search(rb"DPDK_PLUGIN_PATH=([^\0]+)", eal.read_bytes())
    return m.group(1).decode()


def _guest_path(lib):
    """Where a host library goes in the guest."""
    if str(lib).startswith(("/lib/", "/usr/lib/", "/lib64/")):
        return str(lib).lstrip("/")
    return GUEST_LIBDIR + "/" + lib.name


def kernel():
    """Debian's current kernel, fetched once and unpacked: its image
    package and, where the release splits it (sid: linux-binary-*,
    linux-modules-*), the packages with the kernel and its modules."""
    listing = DEPS / "kernel-debs.txt"      # the image's deb first
    if not listing.exists():
        DEPS.mkdir(parents=True, exist_ok=True)
        # a root file system made by mmdebstrap has no package lists
        if not any(pathlib.Path("/var/lib/apt/lists").glob("*Packages*")):
            _run(["apt-get", "update", "-q"])
        dep = _run(["apt-cache", "depends", "linux-image-amd64"]).stdout
        pkg = re.search(r"Depends: (linux-image-\S+)", dep).group(1)
        dep = _run(["apt-cache", "depends", pkg]).stdout
        pkgs = [pkg] + re.findall(r"Depends: (linux-(?:binary|modules)-\S+)",
                                  dep)
        names = []
        # apt's sandbox user cannot write into root's tree: fetch in /tmp.
        with tempfile.TemporaryDirectory() as tmp:
            os.chmod(tmp, 0o777)
            _run(["apt-get", "download", "-q"] + pkgs, cwd=tmp)
            for f in sorted(pathlib.Path(tmp).glob("*.deb"),
                            key=lambda f: not f.name.startswith(pkg + "_")):
                shutil.move(str(f), DEPS / f.name)
                names.append(f.name)
        listing.write_text("\n".join(names) + "\n")
    parts = [DEPS / n for n in listing.read_text().split()]
    root = DEPS / ("root-" + parts[0].stem)
    if not (root / ".unpacked").exists():
        shutil.rmtree(root, ignore_errors=True)
        for part in parts:
            _run(["dpkg-deb", "-x", str(part), str(root)])
        # Debian 13's kernel is merged-/usr (usr/lib/modules): one layout,
        # whichever directory depmod reads
        if not (root / "lib").exists():
            (root / "lib").symlink_to("usr/lib")
        elif not (root / "usr/lib").exists():
            (root / "usr").mkdir(exist_ok=True)
            (root / "usr/lib").symlink_to("../lib")
        kver = next((root / "lib/modules").iterdir()).name
        _run(["depmod", "-b", str(root), kver])
        (root / ".unpacked").touch()
    kver = next((root / "lib/modules").iterdir()).name
    return root, kver


def _modules(root, kver):
    """The module files for MODULES and all they depend on."""
    moddir = root / "lib/modules" / kver
    deps = {}
    for line in (moddir / "modules.dep").read_text().splitlines():
        mod, _, rest = line.partition(":")
        deps[mod] = rest.split()
    by_name = {}
    for mod in deps:
        name = pathlib.Path(mod).name.split(".ko")[0]
        by_name[name.replace("-", "_")] = mod
    # sid's split packages have no modules.builtin: a module the kernel
    # has no file for is taken as built in (a kernel without it at all
    # then fails in the guest when the driver is bound)
    listed = moddir / "modules.builtin"
    builtin = {pathlib.Path(l).name.split(".ko")[0].replace("-", "_")
               for l in (listed.read_text().split() if listed.exists()
                         else [])}
    want, inside = set(), []
    for m in MODULES:
        name = m.replace("-", "_")
        if name in builtin or name not in by_name:
            inside.append(name)
            continue
        want.add(by_name[name])
        want.update(deps[by_name[name]])
    return moddir, sorted(want), inside


def _libraries(binaries):
    """Every shared library the binaries load, by ldd, with the loader."""
    libs = set()
    for b in binaries:
        out = _run(["ldd", str(b)]).stdout
        for line in out.splitlines():
            m = re.search(r"(/\S+) \(0x", line)
            if m:
                libs.add(pathlib.Path(m.group(1)))
    return sorted(libs)


def _inputs():
    """Every host file the initramfs is made of, with where it goes."""
    root, kver = kernel()
    prog_libs = _libraries(PROGRAMS)
    pdir = plugin_dir(prog_libs)
    files = {pathlib.Path("/bin/busybox"): "bin/busybox",
             INIT: "init", HOTPLUG: "sbin/fo-hotplug",
             LINUX_UP: "sbin/fo-linux-up",
             # the example finds it in the default path, not its RUNPATH
             FAILOVER_PMD: GUEST_LIBDIR + "/" + FAILOVER_PMD.name}
    for p in PROGRAMS:
        files[p] = "usr/bin/" + p.name
    pmds = []
    # a PMD a program links already (a DPDK built from source links its
    # drivers into testpmd) must not be loaded again from another file:
    # its constructors would register it twice (EAL panics)
    linked = {lib.name.split(".so")[0] for lib in prog_libs}
    for name in PMDS:
        so = sorted(pathlib.Path(pdir).glob(name + ".so.*"))
        pmds.append(so[0])
        if name in linked:
            continue
        # EAL's directory scan takes each file: one name per PMD.
        files[so[0]] = pdir.lstrip("/") + "/" + name + ".so"
    for lib in prog_libs + _libraries(pmds + [FAILOVER_PMD]):
        if lib.resolve() != FAILOVER_PMD.resolve():
            files[lib] = _guest_path(lib)
    # glibc dlopens it when a thread is cancelled (EAL's at exit).
    gcc = _run(["gcc", "-print-file-name=libgcc_s.so.1"]).stdout.strip()
    files[pathlib.Path(gcc).resolve()] = GUEST_LIBDIR + "/libgcc_s.so.1"
    moddir, mods, inside = _modules(root, kver)
    for mod in mods:
        files[moddir / mod] = "lib/modules/%s/%s" % (kver, mod)
    # what the kernel has built in of MODULES, for /init to know; written
    # only when it changes (build() keys on the inputs' times)
    builtin = root / "fo-modules.builtin"
    text = "".join("kernel/%s.ko\n" % m for m in inside)
    if not builtin.exists() or builtin.read_text() != text:
        builtin.write_text(text)
    files[builtin] = "lib/modules/%s/modules.builtin" % kver
    return root, kver, files


def _with_parents(path):
    """@path and every folder above it: "a/b" gives "a" and "a/b"."""
    parts = pathlib.PurePosixPath(path).parts
    return ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]


def _cpio_newc(entries):
    """A gzip'd newc cpio of (name, mode, data) entries; no cpio needed."""
    out = io.BytesIO()
    ino = 1
    for name, mode, data in entries + [("TRAILER!!!", 0, b"")]:
        nb = name.encode() + b"\0"
        hdr = "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X" % (
            ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(nb), 0)
        out.write(hdr.encode() + nb)
        out.write(b"\0" * ((4 - (110 + len(nb)) % 4) % 4))
        out.write(data)
        out.write(b"\0" * ((4 - len(data) % 4) % 4))
        ino += 1
    return gzip.compress(out.getvalue(), compresslevel=1)


def build():
    """(kernel image, initramfs path), rebuilt only when an input changed."""
    root, kver, files = _inputs()
    # in /boot, or (sid's linux-binary) beside the modules
    vmlinuz = root / "boot" / ("vmlinuz-" + kver)
    if not vmlinuz.exists():
        vmlinuz = root / "lib/modules" / kver / "vmlinuz"
    digest = hashlib.sha256(kver.encode())
    for src, dst in sorted(files.items(), key=lambda kv: kv[1]):
        st = src.stat()
        digest.update(("%s %s %d %d\n" % (src, dst, st.st_size,
                                          st.st_mtime_ns)).encode())
    out = BUILD / "guest"
    initrd = out / ("initrd-%s.cpio.gz" % digest.hexdigest()[:16])
    if initrd.exists():
        return vmlinuz, initrd
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    dirs, entries = set(), []
    for src, dst in files.items():
        dirs.update(_with_parents(pathlib.PurePosixPath(dst).parent))
        mode = stat.S_IFREG | (0o755 if os.access(src, os.X_OK) or
                               dst.startswith(("init", "sbin/")) else 0o644)
        entries.append((dst, mode, src.read_bytes()))
    for d in ["proc", "sys", "dev", "run", "tmp", "etc", "var/run",
              "dev/hugepages", "usr/sbin", "sbin"]:
        dirs.update(_with_parents(d))
    # busybox's modprobe reads modules.dep: made for exactly these files.
    with tempfile.TemporaryDirectory() as tmp:
        for src, dst in files.items():
            if dst.startswith("lib/modules/"):
                p = pathlib.Path(tmp) / dst
                p.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src, p)
        (pathlib.Path(tmp) / "usr").mkdir()
        (pathlib.Path(tmp) / "usr/lib").symlink_to("../lib")
        _run(["depmod", "-b", tmp, kver])
        mdir = pathlib.Path(tmp) / "lib/modules" / kver
        for f in ("modules.dep", "modules.alias", "modules.softdep"):
            if (mdir / f).exists():
                entries.append(("lib/modules/%s/%s" % (kver, f),
                                stat.S_IFREG | 0o644,
                                (mdir / f).read_bytes()))
    dir_entries = [(d, stat.S_IFDIR | 0o755, b"") for d in sorted(dirs)]
    initrd.write_bytes(_cpio_newc(dir_entries + entries))
    return vmlinuz, initrd


if __name__ == "__main__":
    k, i = build()
    print(k)
    print(i, "%.1f MB" % (i.stat().st_size / 1e6))
