# SPDX-License-Identifier: BSD-3-Clause
"""A QEMU guest for the hotplug scenarios: the machine, its serial console
and its QMP socket, each read by a thread that timestamps what arrives.

Everything waits on something the guest or QEMU says (a console line, a QMP
event), with a deadline; nothing sleeps to let time pass.
"""
import functools
import json
import pathlib
import re
import socket
import subprocess
import threading
import time

# The guest's MAC, on both NICs: that is the pairing.
GUEST_MAC = "52:54:00:fa:11:00"
STANDBY_BUS, PRIMARY_BUS = "rp1", "rp2"
# Where the guest finds them (bus numbers follow the root ports' order).
STANDBY_PCI, PRIMARY_PCI = "0000:01:00.0", "0000:02:00.0"


@functools.lru_cache(maxsize=None)
def primary_model():
    """The primary's QEMU model: igb where this QEMU has it (8.0 on), else
    e1000e. QEMU 11.1's e1000e aborts when it is unplugged while the guest
    transmits (net_tx_pkt_reset: Assertion 'pkt->raw[i].iov_base' failed),
    so a surprise removal under traffic there would test QEMU, not us; igb,
    the 82576 with SR-IOV whose VFs clouds give, survives it."""
    out = subprocess.run(["qemu-system-x86_64", "-device", "help"],
                         check=True, capture_output=True, text=True).stdout
    return "igb" if re.search(r'^name "igb"', out, re.MULTILINE) else "e1000e"


class Timeout(Exception):
    pass


class Waitable:
    """Timestamped items appended by a reader thread, waited on by tests."""

    def __init__(self):
        self.items = []
        self.cond = threading.Condition()
        self.closed = False

    def add(self, item):
        with self.cond:
            self.items.append((time.monotonic(), item))
            self.cond.notify_all()

    def close(self):
        with self.cond:
            self.closed = True
            self.cond.notify_all()

    def wait(self, match, timeout, start=0, what=None):
        """The first (index, time, item) from @start that @match accepts."""
        deadline = time.monotonic() + timeout
        i = start
        with self.cond:
            while True:
                while i < len(self.items):
                    t, item = self.items[i]
                    if match(item):
                        return i, t, item
                    i += 1
                left = deadline - time.monotonic()
                if left <= 0 or self.closed:
                    raise Timeout("%s not seen within %.0f s%s" % (
                        what or match, timeout,
                        " (QEMU exited)" if self.closed else ""))
                self.cond.wait(left)


class Guest:
    """One QEMU guest with a virtio-net standby and an Intel primary (see
    primary_model)."""

    def __init__(self, rundir, kernel, initrd, mode, hotplug, ports,
                 linux_failover=False, teaming=False, incoming=False,
                 primary=True, name="qemu", standby_tap=None,
                 standby_legacy=False):
        """@ports: the (QEMU's, host's) UDP ports of each cable, the
        standby's first. @teaming: QEMU's own failover (libvirt's
        <teaming>): the standby failover=on, the primary paired with it and
        hidden until the guest acks STANDBY. @incoming: a migration
        destination (-incoming defer). @primary: the primary on the command
        line. @standby_tap: the standby on this tap interface instead (its
        cable is then the tap), with what QEMU offers only there:
        checksum and TSO offloads (vnet headers), two queue pairs and
        RSS. @standby_legacy: a legacy-only virtio-net standby (no modern
        interface; not with vfio, whose IOMMU needs the modern one)."""
        self.rundir = rundir
        self.mode = mode
        self.teaming = teaming
        self.qmp_path = str(rundir / ("%s-qmp.sock" % name))
        self.log = open(rundir / ("%s-console.log" % name
                                  if name != "qemu" else "console.log"), "w")
        vfio = mode == "vfio"
        cmdline = "console=ttyS0 panic=-1 quiet fo.mode=" + mode
        machine = "q35"
        dev = []
        if vfio:
            # vfio-pci needs an IOMMU; Debian's kernel has no no-IOMMU mode
            machine += ",kernel-irqchip=split"
            dev += ["-device", "intel-iommu,intremap=on,caching-mode=on"]
            cmdline += " intel_iommu=on iommu=pt"
        if hotplug == "native":
            # the root ports' own hotplug (pciehp) instead of ACPI's
            dev += ["-global", "ICH9-LPC.acpi-pci-hotplug-with-bridge-support"
                    "=off"]
        dev += ["-device", "pcie-root-port,id=%s,bus=pcie.0,chassis=1,"
                "addr=0x10" % STANDBY_BUS,
                "-device", "pcie-root-port,id=%s,bus=pcie.0,chassis=2,"
                "addr=0x11" % PRIMARY_BUS]
        # each NIC on its own UDP cable on loopback; the host end is ours
        self.cables = ports
        for nic, (qemu_port, host_port) in zip(("standby", "primary"),
                                               ports):
            if nic == "standby" and standby_tap:
                continue
            dev += ["-netdev", "socket,id=net_%s,udp=127.0.0.1:%d,"
                    "localaddr=127.0.0.1:%d" % (nic, host_port, qemu_port)]
        standby = ("virtio-net-pci,netdev=net_standby,bus=%s,mac=%s,"
                   "romfile=" % (STANDBY_BUS, GUEST_MAC))
        if standby_tap:
            dev += ["-netdev", "tap,id=net_standby,ifname=%s,script=no,"
                    "downscript=no,vnet_hdr=on,queues=2" % standby_tap]
            # vectors: one per queue, the control queue's and the config's
            standby += ",mq=on,vectors=6,rss=on"
        if vfio:
            standby += ",iommu_platform=on,ats=on"
        if standby_legacy:
            standby += ",disable-legacy=off,disable-modern=on"
        if linux_failover or teaming:
            standby += ",id=standby,failover=on"
        dev += ["-device", standby]
        if primary:
            dev += ["-device", self.primary_args()]
        if incoming:
            dev += ["-incoming", "defer"]
        self.cmd = ["qemu-system-x86_64", "-accel", "tcg,thread=multi",
                    "-cpu", "max", "-smp", "2", "-m", "1536",
                    "-machine", machine, "-nodefaults", "-display", "none",
                    "-no-reboot", "-serial", "stdio",
                    "-qmp", "unix:%s,server=off" % self.qmp_path,
                    "-kernel", str(kernel), "-initrd", str(initrd),
                    "-append", cmdline] + dev
        (rundir / ("%s.cmd" % name)).write_text(" ".join(self.cmd) + "\n")
        self.console = Waitable()
        self.events = Waitable()
        self._qmp_listen = socket.socket(socket.AF_UNIX)
        # a run folder used again keeps the last run's socket
        pathlib.Path(self.qmp_path).unlink(missing_ok=True)
        self._qmp_listen.bind(self.qmp_path)
        self._qmp_listen.listen(1)
        self.proc = subprocess.Popen(self.cmd, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        threading.Thread(target=self._read_console, daemon=True).start()
        self.qmp = None
        self._qmp_lock = threading.Lock()
        self._replies = Waitable()

    def primary_args(self):
        # QEMU (8.0 on) refuses igb as a failover primary ("primary device
        # must be in its own PCI slot": its SR-IOV makes it a multifunction
        # device); QEMU's failover unplugs the primary only once the guest
        # let it go, which e1000e survives on every QEMU here
        model = "e1000e" if self.teaming else primary_model()
        args = ("%s,netdev=net_primary,bus=%s,id=primary,mac=%s,romfile="
                % (model, PRIMARY_BUS, GUEST_MAC))
        return args + (",failover_pair_id=standby" if self.teaming else "")

    def _read_console(self):
        buf = b""
        while True:
            data = self.proc.stdout.read1(65536)
            if not data:
                break
            buf += data
            *lines, buf = buf.split(b"\n")
            # testpmd's prompt ends no line: it says the last command is done
            if buf.endswith(b"testpmd> "):
                lines.append(buf)
                buf = b""
            for raw in lines:
                line = raw.decode(errors="replace").rstrip("\r")
                self.log.write("%.3f %s\n" % (time.monotonic(), line))
                self.log.flush()
                self.console.add(line)
        self.console.close()
        self.events.close()

    def expect(self, pattern, timeout=60, start=0):
        """(index, time, match) of the first console line matching."""
        rx = re.compile(pattern)
        i, t, line = self.console.wait(lambda s: rx.search(s), timeout,
                                       start, what=repr(pattern))
        return i, t, rx.search(line)

    def mark(self):
        """The console position now: expect() from here on."""
        with self.console.cond:
            return len(self.console.items)

    def send(self, line):
        self.proc.stdin.write(line.encode() + b"\n")
        self.proc.stdin.flush()

    def boot(self, timeout=90):
        self.expect(r"FO-GUEST-READY", timeout)
        self._qmp_connect()

    def attach(self, timeout=30):
        """QMP only: a destination waiting for its incoming migration."""
        self._qmp_connect(timeout)

    def _qmp_connect(self, timeout=30):
        # QEMU connects to us as it starts: its greeting waits for us
        self._qmp_listen.settimeout(timeout)
        s, _ = self._qmp_listen.accept()
        s.settimeout(None)
        self._qmp_listen.close()
        self.qmp = s.makefile("rw")
        v = json.loads(self.qmp.readline())["QMP"]["version"]["qemu"]
        self.version = (v["major"], v["minor"], v["micro"])
        threading.Thread(target=self._read_qmp, daemon=True).start()
        self.execute("qmp_capabilities")

    def _read_qmp(self):
        for line in self.qmp:
            msg = json.loads(line)
            if "event" in msg:
                self.events.add(msg)
            else:
                self._replies.add(msg)

    def execute(self, cmd, **args):
        """Run a QMP command; its reply, or an exception with its error."""
        with self._qmp_lock:
            start = len(self._replies.items)
            self.qmp.write(json.dumps({"execute": cmd, "arguments": args}) +
                           "\n")
            self.qmp.flush()
            _, _, reply = self._replies.wait(lambda m: True, 30, start,
                                             what="reply to " + cmd)
        if "error" in reply:
            raise RuntimeError("%s: %s" % (cmd, reply["error"]))
        return reply["return"]

    def event(self, name, timeout, start=0, **data):
        """(index, time, event) of the first QMP event @name with @data."""
        def match(m):
            return m["event"] == name and all(
                m.get("data", {}).get(k) == v for k, v in data.items())
        return self.events.wait(match, timeout, start, what="QMP " + name)

    def event_mark(self):
        with self.events.cond:
            return len(self.events.items)

    def standby_features(self):
        """The features the guest's driver wrote to the virtio-net standby
        (QEMU's names, e.g. VIRTIO_NET_F_STANDBY); None where QEMU cannot
        tell: QEMU 11.1 aborts on x-query-virtio-status of a virtio-net
        device (qapi-visit-core.c: visit_start_struct assertion)."""
        if self.version >= (11, 1, 0):
            return None
        st = self.execute("x-query-virtio-status",
                          path="/machine/peripheral/standby/virtio-backend")
        return st["guest-features"]["dev-features"]

    def device_del(self):
        self.execute("device_del", id="primary")

    def device_add(self):
        model, *kvs = self.primary_args().split(",")
        self.execute("device_add", driver=model,
                     **dict(kv.split("=", 1) for kv in kvs))

    def migration_event(self, statuses, timeout, start):
        """(time, status) of the first MIGRATION event from @start whose
        status is one of @statuses."""
        def match(m):
            return m["event"] == "MIGRATION" and \
                m["data"]["status"] in statuses
        _, t, e = self.events.wait(match, timeout, start,
                                   what="QMP MIGRATION %s" % "|".join(statuses))
        return t, e["data"]["status"]

    def close(self):
        self._qmp_listen.close()        # QEMU may not have come that far
        if self.proc.poll() is None:
            try:
                self.send("poweroff -f")
                self.proc.wait(timeout=20)
            except (subprocess.TimeoutExpired, BrokenPipeError):
                self.proc.kill()
                self.proc.wait()
        self.log.close()


# What ends a migration, on either side.
MIGRATION_END = ("completed", "failed", "cancelled")


def migrate(src, dst, uri, timeout):
    """Migrate @src's guest into @dst (started with incoming=True) over
    @uri; when each step happened, from the QMP events of both sides:
    wait-unplug (QEMU holding the migration until the guest let its failover
    primary go), active (RAM copy), STOP on the source, RESUME on the
    destination, completed; and the source's own figures (query-migrate).
    A step not reached by @timeout cancels the migration and raises."""
    for vm in (src, dst):
        vm.execute("migrate-set-capabilities", capabilities=[
            {"capability": "events", "state": True}])
    # QEMU 7.2 copies at 128 MiB/s by default: most of 1.5 GiB is zeroes,
    # the rest is the stop-and-copy we measure, not a bandwidth limit
    src.execute("migrate-set-parameters", **{"max-bandwidth": 8 << 30})
    ev_src, ev_dst = src.event_mark(), dst.event_mark()
    dst.execute("migrate-incoming", uri=uri)
    t = {"migrate": time.monotonic()}
    src.execute("migrate", uri=uri)
    try:
        # the source's states, in the order QEMU goes through them
        i = ev_src
        while True:
            i, ts, e = src.events.wait(
                lambda m: m["event"] in ("MIGRATION", "STOP"), timeout, i,
                what="QMP MIGRATION or STOP on the source")
            i += 1
            if e["event"] == "STOP":
                t["stop"] = ts
                continue
            status = e["data"]["status"]
            t.setdefault(status, ts)
            if status in MIGRATION_END:
                break
        if status != "completed":
            raise RuntimeError("migration %s: %s" % (
                status, src.execute("query-migrate").get("error-desc")))
        _, t["resume"], _ = dst.event("RESUME", timeout, ev_dst)
        t["dst_completed"], status = dst.migration_event(
            MIGRATION_END, timeout, ev_dst)
        if status != "completed":
            raise RuntimeError("incoming migration " + status)
    except Timeout:
        src.execute("migrate_cancel")
        raise
    info = src.execute("query-migrate")
    return t, info
