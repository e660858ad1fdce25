# SPDX-License-Identifier: BSD-3-Clause
"""Drive an interactive dpdk-testpmd through a pty, as a person would.

    with TestpmdSession(args, logfile=path) as tp:
        out = tp.cmd("show port info 2")
        ...
    # leaving the block quits testpmd and checks that it exited cleanly

cmd() sends one command line and returns what testpmd printed up to the
next "testpmd> " prompt (the echoed command and the prompt stripped).
Everything the program prints is also kept in .log for post-mortems and
for checks across the whole session (driver log lines, for instance).
"""
import re
import signal
import time

import pexpect

from conftest import TESTPMD

PROMPT = "testpmd> "
# librte_cmdline writes the prompt one character at a time, so a log line
# from another thread (an event, the PMD's deferred work) can land in the
# middle of it: "testpm" "net_failover0: TX on ...\n" "d> ". The prompt is
# matched with up to a few such whole lines between any two characters; they
# are given back as part of the output.
_SKIP = r"((?:[^\n]{0,400}\n){0,8}?)"
PROMPT_RE = re.compile(_SKIP.join(re.escape(c) for c in PROMPT))
# Things that must never appear in testpmd's output.
CRASH_PATTERNS = ("Segmentation fault", "core dumped", "PANIC",
                  "Caught signal", "EAL: Error - exiting", "Aborted")


ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class TestpmdError(AssertionError):
    pass


class TestpmdSession:
    """One interactive testpmd. args are the EAL and testpmd arguments
    (everything after the program name); "-i" is added after "--"."""

    __test__ = False  # not a pytest test class

    def __init__(self, args, timeout=30, start_timeout=60, logfile=None):
        self.args = list(args)
        if "--" not in self.args:
            self.args.append("--")
        if "-i" not in self.args[self.args.index("--"):]:
            self.args.append("-i")
        self.timeout = timeout
        self.start_timeout = start_timeout
        self.logfile = logfile
        self.child = None
        self.log = ""
        self.exitstatus = None
        self.signalstatus = None

    # -- lifecycle ---------------------------------------------------------

    def start(self):
        self.child = pexpect.spawn(TESTPMD, self.args, encoding="utf-8",
                                   codec_errors="replace",
                                   timeout=self.timeout,
                                   dimensions=(200, 400), echo=False)
        if self.logfile is not None:
            self._logfh = open(self.logfile, "w")
            self.child.logfile_read = self._logfh
        self._expect_prompt(self.start_timeout, "start-up")
        self.startup = self.before
        return self

    def __enter__(self):
        return self.start()

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.quit()
            # the PMD breaking its own sub-device state machine
            assert "no such transition" not in self.log, self.tail(40)
        else:
            # The test failed already: do not hide its error, just clean up.
            try:
                self.quit(check=False)
            except Exception:  # noqa: BLE001 - best effort after a failure
                self.kill()
        return False

    def _record(self, text):
        self.log += text

    def _expect_prompt(self, timeout, what):
        try:
            self.child.expect(PROMPT_RE, timeout=timeout,
                              searchwindowsize=8192)
        except pexpect.TIMEOUT:
            self._record(self.child.before or "")
            self.kill()
            raise TestpmdError("testpmd: no prompt after %s within %ss; "
                               "output:\n%s" % (what, timeout,
                                                self.tail()))
        except pexpect.EOF:
            self._record(self.child.before or "")
            self._reap()
            raise TestpmdError("testpmd died during %s (exit %s, signal "
                               "%s); output:\n%s" % (what, self.exitstatus,
                                                     self.signalstatus,
                                                     self.tail()))
        # Lines printed inside the prompt belong to the output before it.
        self.before = self.child.before + "".join(self.child.match.groups())
        self._record(self.before + PROMPT)

    def tail(self, n=60):
        return "\n".join(self.log.splitlines()[-n:])

    def _reap(self):
        if self.child is None or self.child.closed:
            return
        try:
            self.child.expect(pexpect.EOF, timeout=5)
            self._record(self.child.before or "")
        except (pexpect.TIMEOUT, pexpect.EOF):
            pass
        self.child.close(force=True)
        self.exitstatus = self.child.exitstatus
        self.signalstatus = self.child.signalstatus
        if getattr(self, "_logfh", None) is not None:
            self._logfh.close()
            self._logfh = None

    def kill(self):
        """Kill testpmd (after a timeout): SIGKILL our own child only."""
        if self.child is not None and self.child.isalive():
            self.child.kill(signal.SIGKILL)
        self._reap()

    def alive(self):
        return self.child is not None and self.child.isalive()

    # -- commands ----------------------------------------------------------

    def cmd(self, line, timeout=None):
        """Send one command, wait for the prompt, return its output."""
        if not self.alive():
            raise TestpmdError("testpmd is not running (before %r)" % line)
        self.child.sendline(line)
        self._expect_prompt(timeout or self.timeout, repr(line))
        out = ANSI.sub("", self.before)
        out = out.replace("\r\n", "\n").replace("\r", "")
        # Drop the command line echoed by librte_cmdline (it may come after
        # asynchronous event messages), so that checks only see results.
        lines = out.split("\n")
        for i, text in enumerate(lines):
            if text.strip() == line.strip():
                del lines[i]
                break
        return "\n".join(lines)

    def wait_for(self, pattern, timeout=None):
        """Wait for a regex in the output that follows (asynchronous
        messages such as events); returns the match."""
        try:
            self.child.expect(pattern, timeout=timeout or self.timeout)
        except (pexpect.TIMEOUT, pexpect.EOF) as e:
            self._record(self.child.before or "")
            raise TestpmdError("testpmd: %r not seen (%s); output:\n%s"
                               % (pattern, type(e).__name__, self.tail()))
        self._record(self.child.before + self.child.after)
        return self.child.match

    def mark(self):
        """A position in .log, for expect_log()."""
        return len(self.log)

    def expect_log(self, text, since=0, timeout=None):
        """Assert that @text was printed after position @since of the log,
        waiting for it if it has not come yet (messages from other threads,
        such as the PMD's deferred work, may follow the prompt)."""
        if text not in self.log[since:]:
            self.wait_for(re.escape(text), timeout=timeout)

    def quit(self, check=True, timeout=60):
        """Quit testpmd; with check, assert it exited 0 with no crash."""
        if self.child is None:
            return
        if self.child.isalive():
            self.child.sendline("quit")
            try:
                self.child.expect(pexpect.EOF, timeout=timeout)
                self._record(self.child.before or "")
            except pexpect.TIMEOUT:
                self._record(self.child.before or "")
                self.kill()
                if check:
                    raise TestpmdError("testpmd did not exit within %ss of "
                                       "quit; output:\n%s"
                                       % (timeout, self.tail()))
        self._reap()
        if check:
            self.check_clean_exit()

    def check_clean_exit(self):
        assert self.signalstatus is None, \
            "testpmd killed by signal %s; output:\n%s" % (self.signalstatus,
                                                          self.tail())
        for pat in CRASH_PATTERNS:
            assert pat not in self.log, \
                "%r in testpmd output:\n%s" % (pat, self.tail())
        assert self.exitstatus == 0, \
            "testpmd exit status %s; output:\n%s" % (self.exitstatus,
                                                     self.tail())

    # -- parsers of testpmd output ------------------------------------------

    def port_info(self, port):
        """`show port info N` as a dict of "Key: value" lines."""
        out = self.cmd("show port info %d" % port)
        assert "Infos for port %d" % port in out, out
        info = {}
        for line in out.splitlines():
            m = re.match(r"^([A-Za-z][^:]*):\s*(.*?)\s*$", line)
            if m and m.group(1) not in info:
                info[m.group(1)] = m.group(2)
        info["_raw"] = out
        return info

    def port_stats(self, port):
        """`show port stats N` as {"RX-packets": n, "TX-packets": n, ...}."""
        out = self.cmd("show port stats %d" % port)
        assert "statistics for port %d" % port in out, out
        stats = {}
        for key, val in re.findall(r"([A-Za-z][A-Za-z-]*):\s+(\d+)", out):
            stats.setdefault(key, int(val))
        stats["_raw"] = out
        return stats

    def port_xstats(self, port):
        out = self.cmd("show port xstats %d" % port)
        return {k: int(v) for k, v in
                re.findall(r"^(\w+):\s+(\d+)\s*$", out, re.M)}

    def ports(self):
        """{port id: {"mac", "name", "driver", "status"}} of the ports
        testpmd shows (`show port summary all`: owned ports are hidden)."""
        out = self.cmd("show port summary all")
        assert "Number of available ports" in out, out
        ports = {}
        for m in re.finditer(r"^(\d+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(up|down)\b",
                             out, re.M):
            ports[int(m.group(1))] = {"mac": m.group(2), "name": m.group(3),
                                      "driver": m.group(4),
                                      "status": m.group(5)}
        return ports

    def port_of(self, name):
        """Port id of the visible port whose device is @name."""
        ids = [p for p, v in self.ports().items() if v["name"] == name]
        assert len(ids) == 1, "port %s: %r" % (name, self.ports())
        return ids[0]

    def stats_until(self, port, pred, timeout=20, what="condition"):
        """Poll `show port stats` until pred(stats) holds; returns stats."""
        deadline = time.monotonic() + timeout
        while True:
            st = self.port_stats(port)
            if pred(st):
                return st
            if time.monotonic() > deadline:
                raise TestpmdError("port %d: %s not reached within %ss; "
                                   "last stats:\n%s" % (port, what, timeout,
                                                         st["_raw"]))
            time.sleep(0.05)
