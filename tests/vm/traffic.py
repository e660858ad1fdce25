# SPDX-License-Identifier: BSD-3-Clause
"""The host side of the guest's cables: a generator, a counter, and the
learning switch between them.

Each cable is one QEMU `-netdev socket` UDP pair on 127.0.0.1, or a tap
interface that QEMU's `-netdev tap` holds and the host reads and writes
with a packet socket (the one backend with which QEMU offers virtio-net's
offloads); cables come in (standby, primary) pairs, one pair per QEMU (two
during a migration).
The host sends numbered ICMP echo requests to the guest's MAC at a fixed
rate, on the cable where a frame from that MAC was last seen, as a learning
switch forwards; where it has not been seen, or has been silent for
`age_ms`, it floods every cable, as a switch does once the port the MAC was
behind went dark. Whatever comes back from the guest's MAC with our number in it counts
as the reply to that number: the DPDK guest swaps the MACs of the request,
the Linux guest answers the ping.
"""
import socket
import struct
import threading
import time

HOST_MAC = bytes.fromhex("020000000001")
HOST_IP = bytes([10, 0, 0, 1])
GUEST_IP = bytes([10, 0, 0, 2])
MAGIC = 0xF0F0CAFE
# The cables' indices: a pair per QEMU, the standby's first; the first
# QEMU's are STANDBY and PRIMARY, a migration destination's the next two.
STANDBY, PRIMARY = 0, 1
DST_STANDBY, DST_PRIMARY = 2, 3
CABLE_NAMES = ("standby", "primary", "dst-standby", "dst-primary")


def is_primary(cable):
    return cable % 2 == PRIMARY


def _csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


# <linux/if_ether.h>, <linux/if_packet.h>
ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4

# Numbers of the probes (Switch.probe), apart from the generator's.
PROBE_BASE = 1 << 40


def echo_request(guest_mac, seq, vlan=None):
    payload = struct.pack("!IQ", MAGIC, seq) + bytes(20)
    icmp = struct.pack("!BBHHH", 8, 0, 0, 0x4646, seq & 0xffff) + payload
    icmp = icmp[:2] + struct.pack("!H", _csum(icmp)) + icmp[4:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp), seq & 0xffff,
                     0, 64, 1, 0, HOST_IP, GUEST_IP)
    ip = ip[:10] + struct.pack("!H", _csum(ip)) + ip[12:]
    tag = b"" if vlan is None else struct.pack("!HH", 0x8100, vlan)
    return guest_mac + HOST_MAC + tag + b"\x08\x00" + ip + icmp


def parse_reply(frame):
    """The number a frame answers (tagged or not), or None."""
    off = 16 if frame[12:14] == b"\x81\x00" else 12
    if len(frame) < off + 2 + 20 + 8 + 12 or \
            frame[off:off + 2] != b"\x08\x00":
        return None
    ihl = (frame[off + 2] & 0xf) * 4
    magic, seq = struct.unpack_from("!IQ", frame, off + 2 + ihl + 8)
    return seq if magic == MAGIC else None


class Switch:
    """Generator, counter and learning switch for the guest's cables."""

    def __init__(self, guest_mac, cables, rate=1000, age_ms=20):
        self.mac = bytes.fromhex(guest_mac.replace(":", ""))
        self.rate = rate
        self.age = age_ms / 1000.0
        self.socks = []
        self.peers = []
        for cable in cables:
            if isinstance(cable, str):      # a tap interface's name
                s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                                  socket.htons(ETH_P_ALL))
                s.bind((cable, 0))
                self.peers.append(None)
            else:
                qemu_port, host_port = cable
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.bind(("127.0.0.1", host_port))
                self.peers.append(("127.0.0.1", qemu_port))
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
            s.settimeout(0.1)
            self.socks.append(s)
        self.lock = threading.Lock()
        # notified on every answer: waiters need no polling
        self.answer = threading.Condition(self.lock)
        self.where = None           # cable the guest MAC was last seen on
        self.seen_at = 0.0
        self.sent = []              # (time, seq, cables)
        self.replies = []           # (time, seq, cable)
        self.probes = {}            # probe seq -> (time, cable) answered
        self.probe_seq = PROBE_BASE
        self.running = True
        self.tx_on = True
        self.sending = threading.Event()
        self.threads = [threading.Thread(target=self._rx, args=(c,),
                                         daemon=True)
                        for c in range(len(cables))]
        self.threads.append(threading.Thread(target=self._tx, daemon=True))
        for t in self.threads:
            t.start()

    def _rx(self, cable):
        s = self.socks[cable]
        while self.running:
            try:
                frame, addr = s.recvfrom(65536)
            except socket.timeout:
                continue
            # a packet socket sees what we send on the tap too
            if self.peers[cable] is None and addr[2] == PACKET_OUTGOING:
                continue
            now = time.monotonic()
            seq = parse_reply(frame)
            if seq is not None and seq >= PROBE_BASE:
                # a probe's answer comes from whatever MAC it was sent to
                with self.lock:
                    self.probes[seq] = (now, cable)
                    self.answer.notify_all()
                continue
            if frame[6:12] != self.mac:
                continue
            with self.lock:
                # anything from the guest's MAC (an announce too) teaches
                self.where, self.seen_at = cable, now
                if seq is not None:
                    self.replies.append((now, seq, cable))
                    self.answer.notify_all()

    def _tx(self):
        seq = 0
        self.sending.wait()
        nxt = time.monotonic()
        while self.running and self.tx_on:
            now = time.monotonic()
            if now < nxt:
                time.sleep(nxt - now)
                continue
            nxt += 1.0 / self.rate
            with self.lock:
                if self.where is None or now - self.seen_at > self.age:
                    out = tuple(range(len(self.socks)))
                else:
                    out = (self.where,)
                self.sent.append((now, seq, out))
            frame = echo_request(self.mac, seq)
            for c in out:
                self._send(c, frame)
            seq += 1

    def _send(self, cable, frame):
        if self.peers[cable] is None:
            self.socks[cable].send(frame)
        else:
            self.socks[cable].sendto(frame, self.peers[cable])

    def probe(self, cable, dst_mac, vlan=None):
        """Send one numbered request to @dst_mac on @cable; its number."""
        with self.lock:
            seq = self.probe_seq
            self.probe_seq += 1
        frame = echo_request(bytes.fromhex(dst_mac.replace(":", "")), seq,
                             vlan)
        self._send(cable, frame)
        return seq

    def wait_probe(self, seq, timeout):
        """Wait for the answer to probe @seq; False if none came."""
        with self.lock:
            return self.answer.wait_for(lambda: seq in self.probes, timeout)

    def answered(self, seq):
        with self.lock:
            return seq in self.probes

    def start(self):
        self.sending.set()

    def stop_sending(self):
        """Stop the generator; the counter keeps counting late replies."""
        self.tx_on = False
        self.threads[-1].join()

    def wait_replies(self, cable, since, count, timeout):
        """The time of the @count-th reply on @cable after @since."""
        deadline = time.monotonic() + timeout
        seen = 0
        i = 0
        with self.lock:
            while True:
                # only the answers that came since the last look
                for t, _, c in self.replies[i:]:
                    if c == cable and t >= since:
                        seen += 1
                        if seen == count:
                            return t
                i = len(self.replies)
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(
                        "%d replies on the %s cable since t=%.3f not seen "
                        "within %.0f s (seen %d)" % (
                            count, CABLE_NAMES[cable], since, timeout,
                            seen))
                self.answer.wait(left)

    def close(self):
        self.running = False
        # a generator never started waits for this; let it see running off
        self.sending.set()
        for t in self.threads:
            t.join()
        for s in self.socks:
            s.close()

    def save(self, path):
        """Every number sent and answered, for a look after the fact."""
        with self.lock, open(path, "w") as f:
            f.write("event,time,seq,cable\n")
            for t, seq, out in self.sent:
                f.write("sent,%.6f,%d,%s\n" % (
                    t, seq, "+".join(CABLE_NAMES[c] for c in out)))
            for t, seq, c in self.replies:
                f.write("reply,%.6f,%d,%s\n" % (t, seq, CABLE_NAMES[c]))

    def rtt_max(self, start, end, cables):
        """The longest time a request sent in [start, end) took to be
        answered on one of @cables: how long before a stop the guest may
        already have been unable to answer what it was sent."""
        with self.lock:
            sent = {s: t for t, s, _ in self.sent if start <= t < end}
            rtts = [t - sent[s] for t, s, c in self.replies
                    if s in sent and c in cables]
        return max(rtts, default=0.0)

    def report(self, start, end, blind=(0.0, 0.0)):
        """Gap, loss and duplicates of the numbers sent in [start, end).

        @blind is when the guest could not answer what it was sent, through
        no fault of the failover port: with uio, from the unplug to TX
        leaving the vanished device the guest did not know gone yet; in a
        migration, the stop-and-copy (the source stopped, the destination
        not yet running)."""
        with self.lock:
            sent = [(t, s, c) for t, s, c in self.sent if start <= t < end]
            replies = list(self.replies)
        window = {s for _, s, _ in sent}
        answered = {}
        dups = 0
        for t, seq, c in replies:
            if seq not in window:
                continue
            if seq in answered:
                dups += 1
            else:
                answered[seq] = (t, c)
        lost = [(t, s, c) for t, s, c in sent if s not in answered]
        # frames sent only into primaries' cables: they went into the
        # device being removed (or into a cable with none behind it)
        to_primary = {s for t, s, c in lost
                      if all(is_primary(x) for x in c)}
        in_blind = [s for t, s, c in lost
                    if s not in to_primary and blind[0] <= t < blind[1]]
        times = sorted(t for t, s, c in replies
                       if start <= t < end + 1.0)
        gaps = [(b - a, a) for a, b in zip(times, times[1:])]
        gap, gap_at = max(gaps) if gaps else (0.0, start)
        # the silence no rule explains: each gap less its part in @blind
        unexplained = max((b - a - max(0.0, min(b, blind[1]) -
                                        max(a, blind[0]))
                           for a, b in zip(times, times[1:])), default=0.0)
        return {
            "sent": len(sent),
            "answered": len(sent) - len(lost),
            "lost": len(lost),
            "lost_to_primary": len(to_primary),
            "lost_blind": len(in_blind),
            # what no rule explains: neither of the above
            "lost_unexplained": len(lost) - len(to_primary) - len(in_blind),
            "duplicates": dups,
            "max_gap_ms": gap * 1000.0,
            "gap_unexplained_ms": unexplained * 1000.0,
            "gap_at": gap_at,
            "on_standby": sum(1 for t, s, c in replies
                              if not is_primary(c) and start <= t < end),
            "on_primary": sum(1 for t, s, c in replies
                              if is_primary(c) and start <= t < end),
            # a migration destination's primary (none with two cables)
            "on_dst_primary": sum(1 for t, s, c in replies
                                  if c == DST_PRIMARY and start <= t < end),
        }
