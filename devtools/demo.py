# SPDX-License-Identifier: BSD-3-Clause
"""The demo behind devtools/demo: runs tests/functional/fo_functional once
and prints what happened, path by path."""
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

TOP = pathlib.Path(__file__).resolve().parent.parent
BUILD = TOP / "build"
PACKETS = 400000
RATE = 100000


def main():
    run = pathlib.Path(tempfile.mkdtemp(prefix="fo-demo-", dir="/var/tmp"))
    sock = run / "vhost.sock"
    cmd = [str(BUILD / "tests/fo_functional"), "--no-huge", "-m", "512",
           "--no-pci", "--lcores", "0@0,1@1,2@1", "--file-prefix",
           "fodemo%d" % os.getpid(),
           "-d", str(BUILD / "drivers/net/failover/librte_net_failover.so"),
           "--log-level", "pmd.net.failover*:info",
           "--vdev", "net_null0",
           "--vdev", "net_vhost0,iface=%s,queues=1" % sock, "--",
           "--create", "net_failover0,standby=(net_virtio_user0,path=%s,"
           "queues=1),primary=net_null0" % sock,
           "--primary", "net_null0", "--standby", "net_virtio_user0",
           "--peer", "net_vhost0", "--remove-via", "dev-event",
           "--packets", str(PACKETS), "--remove-at", str(PACKETS // 2),
           "--rate", str(RATE)]
    print("demo: %d numbered packets at %d pps through net_failover0;"
          " the primary is removed half-way\n" % (PACKETS, RATE))
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    res = {}
    for line in proc.stdout:
        line = line.rstrip()
        if line.startswith("net_failover0:"):
            print("  PMD  " + line)
        elif "=" in line and " " not in line.split("=", 1)[0]:
            k, v = line.split("=", 1)
            res[k] = v
    rc = proc.wait()
    shutil.rmtree(run, ignore_errors=True)
    if rc != 0 or "error" in res or res.get("done") != "1":
        print("demo failed: %s" % res)
        return 1
    sent = int(res["sent"])
    standby = int(res["standby_opackets"])
    primary = int(res["fo_opackets"]) - standby
    peer = int(res["peer_received"])
    lost = sent - primary - peer
    print("\n%-34s %12s" % ("path", "packets"))
    print("%-34s %12d" % ("sent by the application", sent))
    print("%-34s %12d" % ("on the primary (net_null0)", primary))
    print("%-34s %12d" % ("on the standby (virtio-user)", standby))
    print("%-34s %12d" % ("  received by the vhost backend", peer))
    print("%-34s %12d" % ("lost", lost))
    print("%-34s %12s" % ("removal event -> first standby pkt",
                          res["switch_us"] + " us"))
    print("%-34s %12s" % ("removal event -> primary released",
                          res["released_us"] + " us"))
    print("%-34s %12s" % ("mbufs in use after close",
                          res["mbufs_in_use_closed"]))
    return 0 if lost == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
