# SPDX-License-Identifier: BSD-3-Clause
"""The demo behind devtools/demo: runs tests/functional/fo_functional once
through a whole migration cycle (primary removed, traffic on the standby,
primary plugged back and re-adopted) and prints what each path carried."""
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

from plugin_path import loadable

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
           "-d", str(loadable(BUILD /
                             "drivers/net/failover/librte_net_failover.so")),
           "--log-level", "pmd.net.failover*:info",
           "--vdev", "net_null0",
           "--vdev", "net_vhost0,iface=%s,queues=1" % sock, "--",
           "--create", "net_failover0,standby=(net_virtio_user0,path=%s,"
           "queues=1),primary=net_null0" % sock,
           "--primary", "net_null0", "--standby", "net_virtio_user0",
           "--peer", "net_vhost0", "--remove-via", "dev-event",
           "--packets", str(PACKETS), "--remove-at", str(PACKETS // 3),
           "--readd-at", str(PACKETS * 2 // 3), "--primary-args", "net_null0",
           "--rate", str(RATE)]
    print("demo: %d numbered packets at %d pps through net_failover0;\n"
          "      the primary is removed after a third (EAL device-removal\n"
          "      event, as vfio raises on a hot-unplug) and plugged back\n"
          "      after two thirds\n" % (PACKETS, RATE))
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
    primary2 = int(res["primary_opackets_end"])
    primary1 = int(res["fo_opackets"]) - standby - primary2
    peer = int(res["peer_received"])
    lost = sent - primary1 - peer - primary2
    rows = [
        ("sent by the application", sent),
        ("1. on the primary (net_null0)", primary1),
        ("2. on the standby (virtio-user)", standby),
        ("   received by the vhost backend", peer),
        ("3. on the primary again", primary2),
        ("lost", lost),
    ]
    print("\n%-36s %12s" % ("path", "packets"))
    for name, n in rows:
        print("%-36s %12d" % (name, n))
    for name, key in (("removal event -> first standby pkt", "switch_us"),
                      ("removal event -> primary released", "released_us"),
                      ("plugged back -> first primary pkt", "readopt_us")):
        print("%-36s %12s" % (name, res[key] + " us"))
    print("%-36s %12s" % ("mbufs in use after close",
                          res["mbufs_in_use_closed"]))
    return 0 if lost == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
