# SPDX-License-Identifier: BSD-3-Clause
"""Bad failover devargs, seen from dpdk-testpmd.

A vdev whose probe fails does not stop EAL: it logs
"vdev_probe(): failed to initialize net_failover0 device" and
"EAL: Bus (vdev) probe failed.", and testpmd goes on with the other ports.
So each case checks that:
  - EAL reports the failover probe failed and no failover port exists;
  - the failover PMD printed exactly one line (at its default level),
    naming the problem;
  - nothing leaked: a sub-device the PMD probed itself from a parenthesized
    string is neither a port nor a probed device any more, and a device the
    application declared is still its own, visible port;
  - testpmd itself ran and quit normally.
"""
import re

import pytest

from conftest import PMD, eal_args, run

CRASH = ("Segmentation fault", "core dumped", "PANIC", "Caught signal")
COMMANDS = "show port summary all\nshow device info all\nquit\n"


def default_log_eal_args(prefix):
    """eal_args() without its --log-level: the PMD logs at its default
    level, what a user sees without asking (a second --log-level for the
    same pattern does not override the first)."""
    args = eal_args(prefix)
    i = args.index("--log-level")
    assert args[i + 1].startswith("pmd.net.failover"), args
    return args[:i] + args[i + 2:]


def run_testpmd(prefix, vdevs, commands=COMMANDS):
    """Run testpmd with @vdevs, feed it @commands; return its output."""
    cmd = (["dpdk-testpmd"] + default_log_eal_args(prefix) + list(vdevs) +
           ["-d", str(PMD), "--", "-i", "--total-num-mbufs=2048",
            "--no-flush-rx"])
    res = run(cmd, timeout=60, input=commands)
    out = res.stdout
    for pat in CRASH:
        assert pat not in out, out
    assert res.returncode == 0, "testpmd exit %d:\n%s" % (res.returncode, out)
    assert "Bye..." in out, out
    return out


def visible_ports(out):
    """{name: port} from the output of `show port summary all`."""
    summary = out[out.index("Number of available ports"):]
    return {m.group(2): int(m.group(1)) for m in re.finditer(
        r"^(\d+)\s+\S+\s+(\S+)\s+\S+\s+(?:up|down)\b", summary, re.M)}


def probed_devices(out):
    return set(re.findall(r"Infos for device (\S+) \*", out))


def failover_lines(out):
    return [l for l in out.splitlines() if l.startswith("net_failover0:")]


def check_failed(out, expect, leaked=(), kept=()):
    """The failover vdev failed with exactly one line matching @expect;
    devices in @leaked are gone; ports in @kept are visible and usable."""
    assert "vdev_probe(): failed to initialize net_failover0 device" in out, \
        out
    assert "EAL: Bus (vdev) probe failed." in out, out
    lines = failover_lines(out)
    assert len(lines) == 1, \
        "expected one net_failover0 line, got %d:\n%s\n--- output:\n%s" % (
            len(lines), "\n".join(lines), out)
    assert re.search(expect, lines[0]), lines[0]
    ports = visible_ports(out)
    assert "net_failover0" not in ports, ports
    devices = probed_devices(out)
    for name in leaked:
        assert name not in ports, "%s left as a port: %r" % (name, ports)
        assert name not in devices, "%s left probed: %r" % (name, devices)
    for name in kept:
        assert name in ports, \
            "%s, declared by the application, is no longer its port: %r\n%s" \
            % (name, ports, out)


NULL0 = ["--vdev", "net_null0"]

# (id, failover devargs, regex of the one line, sub-devices that must not
#  remain, application ports that must remain)
BAD = [
    ("unknown-key", "standby=net_null0,foo=1",
     r'^net_failover0: invalid arguments: unknown key "foo" \(valid keys: '
     r'standby, primary, mac\b[^)]*\)$', (), ("net_null0",)),
    ("bad-word-value", "standby=net_null0,no_path=bogus",
     r'^net_failover0: invalid arguments: no_path: "bogus" is not one of',
     (), ("net_null0",)),
    ("bad-ms-value", "standby=net_null0,warmup_ms=soon",
     r"^net_failover0: invalid arguments: warmup_ms: ", (), ("net_null0",)),
    ("missing-standby", "primary=net_null0",
     r"^net_failover0: invalid arguments: standby=<device> is required",
     (), ("net_null0",)),
    ("no-args", "",
     r"^net_failover0: invalid arguments: standby=<device> is required",
     (), ("net_null0",)),
    ("unbalanced-open", "standby=(net_null5,primary=net_null0",
     r"^net_failover0: invalid arguments: unbalanced '\('",
     ("net_null5",), ("net_null0",)),
    ("unbalanced-close", "standby=net_null5),primary=net_null0",
     r"^net_failover0: invalid arguments: unbalanced '\)'",
     ("net_null5",), ("net_null0",)),
    ("text-after-paren", "standby=(net_null5)x,primary=net_null0",
     r"^net_failover0: invalid arguments: standby: text after '\)'",
     ("net_null5",), ("net_null0",)),
    ("key-twice", "standby=net_null0,standby=net_null0",
     r"^net_failover0: invalid arguments: standby given twice$",
     (), ("net_null0",)),
    ("empty-value", "standby=,primary=net_null0",
     r"^net_failover0: invalid arguments: standby: empty value$",
     (), ("net_null0",)),
    ("name-too-long", "standby=net_null" + "9" * 60,
     r"^net_failover0: invalid arguments: standby: device name longer than",
     (), ("net_null0",)),
    ("bad-mac", "standby=net_null0,mac=02:00:00:00:0:1",
     r'^net_failover0: invalid arguments: mac: "02:00:00:00:0:1" is not a '
     r'MAC address', (), ("net_null0",)),
    ("multicast-mac", "standby=net_null0,mac=01:00:5e:00:00:01",
     r"^net_failover0: invalid arguments: mac: 01:00:5e:00:00:01 is a "
     r"multicast address", (), ("net_null0",)),
    ("same-device", "standby=net_null0,primary=net_null0",
     r"^net_failover0: invalid arguments: standby and primary are the same "
     r"device net_null0$", (), ("net_null0",)),
    ("no-such-standby", "standby=net_nothere7",
     r"^net_failover0: standby: no such device net_nothere7$",
     (), ("net_null0",)),
    ("no-such-primary-after-probed-standby",
     "standby=(net_null5),primary=net_nonexistent9",
     r"^net_failover0: primary: no such device net_nonexistent9$",
     ("net_null5",), ("net_null0",)),
    ("no-such-driver", "standby=(net_bogusdrv0),primary=net_null0",
     r'^net_failover0: standby: cannot probe "net_bogusdrv0"',
     ("net_bogusdrv0",), ("net_null0",)),
    ("standby-probe-fails", "standby=(net_null5,bogus=1),primary=net_null0",
     r'^net_failover0: standby: cannot probe "net_null5,bogus=1"',
     ("net_null5",), ("net_null0",)),
    # The PMD took the application's net_null0 as standby before the
    # primary failed: it must give it back as it found it, a usable port.
    ("no-such-primary-after-declared-standby",
     "standby=net_null0,primary=net_nonexistent9",
     r"^net_failover0: primary: no such device net_nonexistent9$",
     (), ("net_null0",)),
    # Same failure as no-such-primary, reached through a probe error: the
    # outcome must not depend on the errno the sub-driver happens to use.
    ("primary-probe-fails", "standby=(net_null5),primary=(net_null6,bogus=1)",
     r'^net_failover0: primary: cannot probe "net_null6,bogus=1"',
     ("net_null5", "net_null6"), ("net_null0",)),
    ("negotiate-standby-bad-value", "standby=net_null0,negotiate_standby=on",
     r'^net_failover0: invalid arguments: negotiate_standby: "on" is not '
     r'one of 0, 1$', (), ("net_null0",)),
    # VIRTIO_NET_F_STANDBY is a virtio-net PCI device's feature only
    ("negotiate-standby-not-virtio",
     "standby=(net_null5),negotiate_standby=1",
     r"^net_failover0: negotiate_standby: standby net_null5 is not a "
     r"virtio-net PCI device \(driver net_null\)$", ("net_null5",),
     ("net_null0",)),
    ("negotiate-standby-declared-not-virtio",
     "standby=net_null0,negotiate_standby=1",
     r"^net_failover0: negotiate_standby: standby net_null0 is not a "
     r"virtio-net PCI device \(driver net_null\)$", (), ("net_null0",)),
]


@pytest.mark.parametrize("devargs,expect,leaked,kept",
                         [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_devargs(prefix, devargs, expect, leaked, kept):
    vdev = "net_failover0" + ("," + devargs if devargs else "")
    out = run_testpmd(prefix, NULL0 + ["--vdev", vdev])
    check_failed(out, expect, leaked, kept)


def test_standby_mac_refused(prefix):
    """mac= differs from the standby's MAC, which net_ring cannot change:
    the standby is refused in one line and the port is not created; the
    ring stays the application's port."""
    out = run_testpmd(prefix, ["--vdev", "net_ring1", "--vdev",
                           "net_failover0,standby=net_ring1,"
                           "mac=02:00:00:00:00:01"])
    check_failed(out, r"^net_failover0: standby net_ring1 refused: its MAC "
                      r"00:00:00:00:00:00 differs from the failover MAC "
                      r"02:00:00:00:00:01 and setting it failed",
                 kept=("net_ring1",))


@pytest.mark.parametrize("order", ["declared-before", "declared-after"])
def test_primary_mac_refused_runs_on_standby(prefix, order):
    """A primary whose MAC differs and cannot be changed (net_ring) is
    refused in exactly one line; the failover port runs on the standby, and
    the refused device stays an ordinary port of the application. The same
    whether the sub-devices are probed before or after the failover."""
    subs = ["--vdev", "net_ring0", "--vdev", "net_null1"]
    fo = ["--vdev", "net_failover0,standby=net_null1,primary=net_ring0"]
    vdevs = subs + fo if order == "declared-before" else fo + subs
    out = run_testpmd(prefix, vdevs, "show port summary all\nshow port info all"
                                 "\nquit\n")
    assert "failed to initialize net_failover0" not in out, out
    lines = failover_lines(out)
    refused = [l for l in lines if "refused" in l]
    assert len(refused) == 1, "\n".join(lines)
    assert re.search(r"^net_failover0: primary net_ring0 refused: its MAC "
                     r"00:00:00:00:00:00 differs from the failover MAC "
                     r"[0-9A-F:]{17} and setting it failed", refused[0]), \
        refused[0]
    ports = visible_ports(out)
    assert set(ports) == {"net_failover0", "net_ring0"}, ports
    summary = out[out.index("Number of available ports"):]
    assert re.search(r"^\d+\s+\S+\s+net_failover0\s+net_failover\s+up",
                     summary, re.M), summary


@pytest.mark.parametrize("order", ["declared-before", "declared-after"])
def test_sub_devices_adopted_in_any_order(prefix, order):
    """Sub-devices declared before or after the failover vdev are adopted:
    the failover port is the only visible port, up, with the standby's MAC
    (set on the primary too), and no error is printed."""
    subs = ["--vdev", "net_null0", "--vdev", "net_null1"]
    fo = ["--vdev", "net_failover0,standby=net_null1,primary=net_null0"]
    vdevs = subs + fo if order == "declared-before" else fo + subs
    out = run_testpmd(prefix, vdevs)
    assert failover_lines(out) == [], "\n".join(failover_lines(out))
    ports = visible_ports(out)
    assert list(ports) == ["net_failover0"], ports
    summary = out[out.index("Number of available ports"):]
    m = re.search(r"^\d+\s+(\S+)\s+net_failover0\s+net_failover\s+up",
                  summary, re.M)
    assert m, summary
    assert m.group(1) != "00:00:00:00:00:00", summary
    # Both sub-devices carry the failover MAC.
    for dev in ("net_null0", "net_null1"):
        block = re.search(r"Infos for device %s \*.*?MAC address: (\S+)" %
                          dev, out, re.S)
        assert block and block.group(1) == m.group(1), (dev, out)


def test_zero_mac_standby(prefix):
    """A standby without a MAC address (net_ring's is all zeros) and a
    named primary: either the port works on both, or the failure is
    explained in exactly one line. A silent failure is the one wrong
    answer."""
    out = run_testpmd(prefix, ["--vdev", "net_ring0", "--vdev", "net_ring1",
                           "--vdev",
                           "net_failover0,standby=net_ring1,primary=net_ring0"])
    if "failed to initialize net_failover0" in out:
        lines = failover_lines(out)
        assert len(lines) == 1, "silent or noisy failure:\n%s" % out
    else:
        ports = visible_ports(out)
        assert list(ports) == ["net_failover0"], ports


def test_zero_mac_standby_takes_primary_mac(prefix):
    """A standby without a MAC address (net_ring) and no mac=: the failover
    MAC is the primary's, not all zeros. net_ring cannot take it: one
    warning says so, and the port runs on both."""
    out = run_testpmd(prefix, ["--vdev", "net_ring0", "--vdev", "net_null0",
                               "--vdev", "net_failover0,standby=net_ring0,"
                               "primary=net_null0"],
                      "show port summary all\nshow port info all\nquit\n")
    assert failover_lines(out) and all(
        re.search(r"^net_failover0: standby net_ring0 has no MAC address "
                  r"and cannot take the primary's, ([0-9A-F:]{17}) "
                  r"\(Operation not supported\): it keeps none$", l)
        for l in failover_lines(out)), "\n".join(failover_lines(out))
    assert len(failover_lines(out)) == 1, "\n".join(failover_lines(out))
    learnt = failover_lines(out)[0].split("primary's, ")[1][:17]
    summary = out[out.index("Number of available ports"):]
    m = re.search(r"^\d+\s+(\S+)\s+net_failover0\s+net_failover\s+up",
                  summary, re.M)
    assert m and m.group(1) == learnt != "00:00:00:00:00:00", summary


def test_zero_mac_standby_without_primary_warns(prefix):
    """Neither mac= nor primary= can give the failover port a MAC when the
    standby has none: one warning at creation, the port still runs."""
    out = run_testpmd(prefix, ["--vdev", "net_ring0", "--vdev",
                               "net_failover0,standby=net_ring0"])
    assert failover_lines(out) == [
        "net_failover0: standby net_ring0 has no MAC address and no mac= is "
        "given: no port can be recognised as the primary by its MAC"], out
    assert "net_failover0" in visible_ports(out)


def test_sub_device_claimed_by_two_failover_ports(prefix):
    """A second failover port naming the first one's standby: the device
    is owned already, so the second port is refused in one line naming the
    owner, and the first keeps running."""
    out = run_testpmd(prefix, [
        "--vdev", "net_null0",
        "--vdev", "net_failover0,standby=net_null0",
        "--vdev", "net_failover1,standby=net_null0"])
    assert "failed to initialize net_failover1 device" in out, out
    lines = [l for l in out.splitlines() if l.startswith("net_failover1:")]
    assert lines == ["net_failover1: standby net_null0 is owned by "
                     "net_failover0"], out
    ports = visible_ports(out)
    assert "net_failover0" in ports and "net_failover1" not in ports, ports


REFUSED_CONFIG = [
    # more queues than a sub-device offers (net_ring: 16): the failover
    # port offers what every sub-device offers; testpmd (or ethdev) refuses
    ("queues", "port stop all\nport config all rxq 17\nport start all\n",
     r"max_rx_queues \(16\) of port 2|nb_rx_queues=17 > 16"),
    # an offload a sub-device lacks (neither has checksum offloads):
    # ethdev refuses it; testpmd itself from 23.11
    ("offload", "port stop all\nport config 2 rx_offload ipv4_cksum on\n"
                "port start all\n",
     r"Ethdev port_id=2 requested Rx offloads 0x2 doesn't match Rx "
     r"offloads capabilities 0x0|"
     r"port 2 doesn't support offload: ipv4_cksum"),
]


@pytest.mark.parametrize("what,commands,expect", REFUSED_CONFIG,
                         ids=[r[0] for r in REFUSED_CONFIG])
def test_configuration_a_sub_device_cannot_take(prefix, what, commands,
                                                expect):
    """The failover port (port 2) offers what every sub-device can take
    (see the guide's Capabilities): asking for more is refused before any
    sub-device is touched, with testpmd's or ethdev's own message."""
    out = run_testpmd(prefix, [
        "--vdev", "net_ring0", "--vdev", "net_null0",
        "--vdev", "net_failover0,standby=net_ring0,primary=net_null0"],
        commands + "quit\n")
    assert re.search(expect, out), out[-3000:]


def test_setting_a_sub_device_refuses(prefix):
    """A setting the failover port offers but one sub-device's own op
    refuses (net_ring has no MTU op): the call fails naming the sub-device
    and its error, and the port keeps its MTU."""
    out = run_testpmd(prefix, [
        "--vdev", "net_ring0", "--vdev", "net_null0",
        "--vdev", "net_failover0,standby=net_ring0,primary=net_null0"],
        "port config mtu 2 1400\nshow port info 2\nquit\n")
    assert re.search(r"net_failover0: mtu refused by standby net_ring0 "
                     r"\(Operation not supported\)\n.*Set MTU failed", out,
                     re.S), out[-3000:]
    info = out[out.index("Device name: net_failover0"):]
    assert re.search(r"^MTU: 1500$", info, re.M), info
