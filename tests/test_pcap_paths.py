# SPDX-License-Identifier: BSD-3-Clause
"""Per-path packet truth: net_pcap sub-devices on veth pairs (same MAC, by
phy_mac=1), tcpdump on the far ends. Numbered packets cross the failover
port; the primary is removed half-way. From the captures: which path carried
each packet, that none was duplicated, and which were lost."""
import os
import struct
import subprocess
import time

import pytest

from conftest import BUILD, PMD, eal_args, run

HARNESS = BUILD / "tests/fo_functional"
MAGIC = 0x466F5371
MAC = "02:fa:11:00:00:01"


def pcap_seqs(path):
    """Sequence numbers of the harness's packets in a pcap file."""
    data = path.read_bytes() if path.exists() else b""
    seqs, off = [], 24
    while off + 16 <= len(data):
        incl = struct.unpack_from("<I", data, off + 8)[0]
        pkt = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if len(pkt) >= 54 and struct.unpack_from("<I", pkt, 42)[0] == MAGIC:
            seqs.append(struct.unpack_from("<Q", pkt, 46)[0])
    return seqs


@pytest.fixture
def veths():
    tag = "%x" % (os.getpid() & 0xffff)
    pairs = [("fp%s" % tag, "fq%s" % tag), ("sp%s" % tag, "sq%s" % tag)]
    for a, b in pairs:
        subprocess.run(["ip", "link", "add", a, "type", "veth", "peer",
                        "name", b], check=True)
        subprocess.run(["ip", "link", "set", a, "address", MAC], check=True)
        for i in (a, b):
            subprocess.run(["ip", "link", "set", i, "up"], check=True)
    yield pairs
    for a, _ in pairs:
        subprocess.run(["ip", "link", "del", a])


def capture(iface, path):
    p = subprocess.Popen(["tcpdump", "-i", iface, "-w", str(path), "-U",
                          "-B", "16384", "udp"], stderr=subprocess.PIPE,
                         text=True)
    # ready when it says so, not after a guessed delay
    line = p.stderr.readline()
    assert "listening on" in line, line
    return p


@pytest.mark.parametrize("via", ["rmv", "dev-event"])
def test_each_packet_on_one_path(rundir, prefix, veths, via):
    (p_dev, p_far), (s_dev, s_far) = veths
    caps = {"primary": rundir / "primary.pcap", "standby": rundir / "standby.pcap"}
    dumps = [capture(p_far, caps["primary"]), capture(s_far, caps["standby"])]
    packets = 20000
    cmd = [str(HARNESS)] + eal_args(prefix, mem=512) + ["-d", str(PMD), "--",
           "--create", "net_failover0,standby=(net_pcap1,iface=%s,phy_mac=1),"
           "primary=(net_pcap0,iface=%s,phy_mac=1)" % (s_dev, p_dev),
           "--primary", "net_pcap0", "--standby", "net_pcap1",
           "--remove-via", via, "--packets", str(packets),
           "--remove-at", str(packets // 2), "--rate", "50000"]
    out = run(cmd, timeout=120)
    res = dict(l.split("=", 1) for l in out.stdout.splitlines()
               if "=" in l and " " not in l.split("=", 1)[0])
    try:
        assert out.returncode == 0 and res.get("done") == "1", out.stdout[-3000:]
        assert "error" not in res, out.stdout[-3000:]
        sent = int(res["fo_opackets"])
        assert sent == packets
        # wait for tcpdump to have written what the devices carried
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if sum(len(pcap_seqs(c)) for c in caps.values()) >= sent:
                break
            time.sleep(0.05)
    finally:
        for d in dumps:
            d.terminate()
            d.wait(timeout=10)
    prim, stby = pcap_seqs(caps["primary"]), pcap_seqs(caps["standby"])
    both = prim + stby
    # none duplicated, on one path or across the two
    assert len(both) == len(set(both))
    lost = set(range(packets)) - set(both)
    print("primary=%d standby=%d lost=%d switch_us=%s" %
          (len(prim), len(stby), len(lost), res["switch_us"]))
    # a software switch loses nothing: every packet reached one capture
    assert not lost, sorted(lost)[:20]
    # the primary carried the start of the stream, the standby the end
    assert prim and stby
    assert max(prim) < min(stby)
    assert len(prim) >= packets // 2
