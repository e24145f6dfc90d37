#!/usr/bin/env python3
"""Stress test for ircserv: churn, hostile input, slow and dead readers,
descriptor exhaustion, with well-behaved clients checked alongside.

Usage: IRCSERV_BIN=build/release/ircserv python3 tests/stress/stress.py

Python 3 standard library only. The script starts its own servers on a
free loopback port (one normal, one under a 256-descriptor limit), runs
the phases below against them, and stops them with SIGTERM (exit status 0
expected). Everything is bounded: each wait has a timeout and the whole
run takes well under three minutes. It prints figures as it goes and ends
with the line "N passed, N failed"; the exit status is 1 if any check
failed. STRESS_KEEP=1 keeps the temporary directory (config, server log).
TEST_EVENT_BACKEND=epoll (or poll) adds that event_backend to the servers'
configuration, as it does for the integration tests.
ircserv opens the command-line port on every IPv4 address; to keep the
test servers off the network, run the script in a private network
namespace (as root): unshare -n sh -c 'ip link set lo up && python3 ...'.

Phases, all on one server while 20 well-behaved clients talk in #good:
  churn      3000 connections: closed at once, reset, mid-line, mid-burst
  bytewise   clients that send every byte in its own segment
  hostile    over-long lines, NULs, invalid UTF-8, 16+ params, bad tags,
             empty prefixes, unknown commands, huge MODE and JOIN lists
  suspend    a client stops reading, then reads everything: nothing lost
  deaf       a client never reads a flooded channel: cut off, SendQ exceeded
then, on a second server started with 256 descriptors:
  fds        400 connections: extras refused, no busy loop, recovery
then, on a third server with large state and default flood control:
  cost       30 attackers send the costliest lines at flood pace while a
             probe's PING p99 stays under 100 ms and a chat arrives in
             order (tests/stress/flood_cost.py)
and finally the first server must answer PING, hold about the descriptors
and memory it held at the start, and #good must have received every
message, complete and in per-sender order.
"""
import os
import re
import resource
import selectors
import shutil
import socket
import struct
import sys
import tempfile
import threading
import time

import flood_cost
from flood_cost import irccost

PASSWORD = "stress-pw"
CONFIG = """\
server_name = irc.stress.test
bind = 127.0.0.1
flood_exempt = 127.0.0.1
max_per_ip = 0
connect_rate = 0
sendq = 256K
max_clients = 5000
log_level = warn
"""
SENDQ = 256 * 1024
CHURN = 3000
FD_LIMIT = 256
FD_CONNECTIONS = 400
RUN_LIMIT_S = 170               # everything, including shutdowns

START = time.monotonic()


class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.lock = threading.Lock()

    def check(self, name, ok, detail=""):
        with self.lock:
            if ok:
                self.passed += 1
            else:
                self.failed += 1
        t = time.monotonic() - START
        line = "%s [%5.1fs] %s" % ("ok  " if ok else "FAIL", t, name)
        if detail and not ok:
            line += "\n       " + detail.replace("\n", "\n       ")
        print(line, flush=True)
        return ok


def figure(name, value):
    print("     %-34s %s" % (name, value), flush=True)


def time_left():
    return RUN_LIMIT_S - (time.monotonic() - START)


class Registry:
    """Every socket the script opens, so that all are closed at the end."""

    def __init__(self):
        self.socks = set()
        self.lock = threading.Lock()
        self.opened = 0

    def add(self, s):
        with self.lock:
            self.socks.add(s)
            self.opened += 1

    def close(self, s):
        with self.lock:
            self.socks.discard(s)
        try:
            s.close()
        except OSError:
            pass

    def close_all(self):
        with self.lock:
            socks = list(self.socks)
            self.socks.clear()
        for s in socks:
            try:
                s.close()
            except OSError:
                pass
        return len(socks)


REG = Registry()


def open_socket(port, rcvbuf=None, timeout=5.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    REG.add(s)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(timeout)
    try:
        s.connect(("127.0.0.1", port))
    except OSError:
        REG.close(s)
        raise
    return s


def close_reset(s):
    """Close with RST instead of FIN (SO_LINGER 0)."""
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    REG.close(s)


class Client:
    """A line-oriented IRC client on a blocking socket with timeouts."""

    def __init__(self, port, nick=None, rcvbuf=None):
        self.sock = open_socket(port, rcvbuf)
        self.nick = nick
        self.buf = b""
        self.lines = []         # received, not yet taken
        self.eof = False
        self.nbytes = 0

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def sendline(self, line):
        if isinstance(line, str):
            line = line.encode()
        self.send(line + b"\r\n")

    def _fill(self, timeout):
        self.sock.settimeout(max(timeout, 0.001))
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            return False
        except OSError:
            data = b""
        if not data:
            self.eof = True
            return False
        self.nbytes += len(data)
        self.buf += data
        *done, self.buf = self.buf.split(b"\n")
        self.lines.extend(x.rstrip(b"\r") for x in done)
        return True

    def expect(self, pattern, timeout=5.0):
        """The first line matching pattern (bytes regex), or None."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            for i, line in enumerate(self.lines):
                if rx.search(line):
                    del self.lines[:i + 1]
                    return line
            left = deadline - time.monotonic()
            if left <= 0 or self.eof:
                return None
            self._fill(left)

    def expect_all(self, patterns, timeout=5.0):
        """Wait for lines matching each of patterns, in any order; the
        patterns never matched are returned."""
        left = [re.compile(p) for p in patterns]
        deadline = time.monotonic() + timeout
        while left:
            for line in self.lines:
                left = [rx for rx in left if not rx.search(line)]
            self.lines = []
            remaining = deadline - time.monotonic()
            if not left or remaining <= 0 or self.eof:
                break
            self._fill(remaining)
        return [rx.pattern for rx in left]

    def register(self, timeout=5.0):
        self.sendline("PASS " + PASSWORD)
        self.sendline("NICK " + self.nick)
        self.sendline("USER %s 0 * :stress %s" % (self.nick, self.nick))
        return self.expect(rb"^:\S+ 001 ", timeout) is not None

    def ping(self, token, timeout=5.0):
        """PING round trip; the time it took, or None."""
        t0 = time.monotonic()
        self.sendline("PING :" + token)
        if self.expect(rb"PONG .*" + re.escape(token.encode()) + rb"$", timeout):
            return time.monotonic() - t0
        return None

    def close(self, rst=False):
        if rst:
            close_reset(self.sock)
        else:
            REG.close(self.sock)


class Server(irccost.Server):
    """irccost's server with this file's configuration, an optional
    descriptor limit, and the /proc figures the checks read."""

    def __init__(self, binary, tmpdir, name, fd_limit=None, log_level="warn"):
        def limit_fds():
            if fd_limit:
                resource.setrlimit(resource.RLIMIT_NOFILE, (fd_limit, fd_limit))

        super().__init__(binary, tmpdir, name,
                         config=CONFIG.replace("log_level = warn", "log_level = " + log_level),
                         password=PASSWORD, preexec_fn=limit_fds)

    def alive(self):
        return self.proc.poll() is None

    def fds(self):
        try:
            return len(os.listdir("/proc/%d/fd" % self.pid))
        except OSError:
            return -1

    def status_kb(self, field):
        try:
            with open("/proc/%d/status" % self.pid) as f:
                for line in f:
                    if line.startswith(field + ":"):
                        return int(line.split()[1])
        except OSError:
            pass
        return -1


def start_server(binary, tmpdir, name, **kw):
    """A server that accepts connections, or the last one that did not. The
    free port may be taken before the server binds it: then try another."""
    for _ in range(3):
        srv = Server(binary, tmpdir, name, **kw)
        if srv.wait_ready():
            return srv
        if srv.stop() != 1:
            break
    return srv


def lusers_clients(cli):
    """The client count of LUSERS 255 ("I have N clients ...")."""
    cli.sendline("LUSERS")
    line = cli.expect(rb" 255 \S+ :I have (\d+) clients", 5.0)
    if line is None:
        return -1
    return int(re.search(rb"I have (\d+) clients", line).group(1))


# -- Well-behaved traffic ----------------------------------------------------

class GoodTraffic(threading.Thread):
    """20 members of #good; 5 of them send numbered messages until stopped.
    Every member must get every other sender's messages, in order."""

    MEMBERS = 20
    SENDERS = 5
    MAX_ROUNDS = 6000           # a round every 10 ms: at most a minute

    def __init__(self, port):
        super().__init__(daemon=True)
        self.port = port
        self.members = []
        self.stop_flag = threading.Event()
        self.sent = [0] * self.SENDERS
        self.got = {}           # (member, sender) -> [seq, ...]
        self.error = None
        self.nlines = 0
        self.nbytes = 0

    def setup(self):
        for i in range(self.MEMBERS):
            c = Client(self.port, "good%d" % i)
            if not c.register():
                return False
            c.sendline("JOIN #good")
            if c.expect(rb" 366 good%d #good " % i) is None:
                return False
            c.sock.setblocking(False)
            self.members.append(c)
        return True

    def _read(self, sel, timeout):
        for key, _ in sel.select(timeout):
            m = key.data
            c = self.members[m]
            try:
                data = c.sock.recv(262144)
            except BlockingIOError:
                continue
            if not data:
                raise RuntimeError("good%d: connection closed by the server" % m)
            self.nbytes += len(data)
            c.buf += data
            *done, c.buf = c.buf.split(b"\n")
            for line in done:
                self.nlines += 1
                mt = re.search(rb"PRIVMSG #good :seq (\d+) (\d+) ", line)
                if mt:
                    key2 = (m, int(mt.group(1)))
                    self.got.setdefault(key2, []).append(int(mt.group(2)))
                elif b" PONG " in line:
                    c.lines.append(line.rstrip(b"\r"))
                elif line.startswith(b"ERROR"):
                    raise RuntimeError("good%d: %r" % (m, line))

    def run(self):
        sel = selectors.DefaultSelector()
        try:
            for i, c in enumerate(self.members):
                sel.register(c.sock, selectors.EVENT_READ, i)
            pad = "p" * 120
            rounds = 0
            while not self.stop_flag.is_set() and rounds < self.MAX_ROUNDS:
                next_round = time.monotonic() + 0.01
                for s in range(self.SENDERS):
                    line = "PRIVMSG #good :seq %d %d %s\r\n" % (s, self.sent[s], pad)
                    self.members[s].sock.setblocking(True)
                    self.members[s].sock.sendall(line.encode())
                    self.members[s].sock.setblocking(False)
                    self.sent[s] += 1
                rounds += 1
                # Read until the next round is due, so the traffic spans
                # every phase at about 100 rounds a second.
                while True:
                    left = next_round - time.monotonic()
                    self._read(sel, max(left, 0))
                    if left <= 0:
                        break
            # Each sender's PONG proves the server handled all its lines.
            for c in self.members:
                c.sock.setblocking(True)
                c.sock.sendall(b"PING :good-fin\r\n")
                c.sock.setblocking(False)
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                if all(any(b"good-fin" in x for x in c.lines) for c in self.members):
                    break
                self._read(sel, 0.1)
            # The members' PINGs went in after every relay: their PONGs
            # came after every message. Take what is still in flight.
            self._read(sel, 0.2)
        except (OSError, RuntimeError) as e:
            self.error = str(e)
        finally:
            sel.close()

    def verify(self):
        problems = []
        total = 0
        for m in range(self.MEMBERS):
            for s in range(self.SENDERS):
                if s == m:
                    continue
                seqs = self.got.get((m, s), [])
                total += len(seqs)
                if seqs != list(range(self.sent[s])):
                    missing = self.sent[s] - len(set(seqs))
                    order = seqs == sorted(seqs)
                    problems.append("good%d from sender %d: %d of %d, %d missing, %s"
                                    % (m, s, len(seqs), self.sent[s], missing,
                                       "in order" if order else "OUT OF ORDER"))
        pongs = all(any(b"good-fin" in x for x in c.lines) for c in self.members)
        if not pongs:
            problems.append("not every member got its final PONG")
        return problems, total


# -- Phases --------------------------------------------------------------------

def phase_churn(chk, srv, ctl, expected_clients):
    """CHURN connections in batches, closed in five different ways."""
    t0 = time.monotonic()
    kinds = [0] * 5
    refused = 0
    batch = 200
    n = 0
    burst = b"".join(b"PRIVMSG #churn :burst line %d\r\n" % i for i in range(50))
    while n < CHURN and time_left() > 60:
        socks = []
        for _ in range(min(batch, CHURN - n)):
            try:
                socks.append(open_socket(srv.port))
            except OSError:
                refused += 1
            n += 1
        for i, s in enumerate(socks):
            kind = i % 5
            kinds[kind] += 1
            try:
                if kind == 1:           # half a line, then gone
                    s.sendall(b"NICK churn%d\r\nUSER u 0 * :half a li" % i)
                elif kind == 2:         # registration and a burst, no reading
                    s.sendall(b"PASS %s\r\nNICK c%d_%d\r\nUSER u 0 * :c\r\n"
                              b"JOIN #churn\r\n" % (PASSWORD.encode(), n, i) + burst)
                elif kind == 3:         # mid-burst: cut inside a line
                    s.sendall(b"PASS %s\r\nNICK d%d_%d\r\nUSER u 0 * :d\r\n"
                              % (PASSWORD.encode(), n, i) + burst[:777])
            except OSError:
                pass
        # A round trip first, so the server holds the half lines and
        # bursts when the connections go away.
        if ctl.ping("churn-sent-%d" % n, 5.0) is None:
            break
        for i, s in enumerate(socks):
            if i % 5 == 4 or i % 5 == 3:
                close_reset(s)
            else:
                REG.close(s)
        if ctl.ping("churn-%d" % n, 5.0) is None:
            break
    dt = time.monotonic() - t0
    figure("churn", "%d connections in %.1f s (%.0f/s)" % (n, dt, n / dt if dt else 0))
    figure("  closed bare/half-line/burst/RST mid-burst/RST",
           "/".join(map(str, kinds)))
    chk.check("churn: %d connections opened and closed" % CHURN, n == CHURN and refused == 0,
              "opened %d, refused %d" % (n, refused))
    chk.check("churn: server answers PING", ctl.ping("after-churn") is not None)
    # The server reaps every closed connection: the count returns to ours.
    deadline = time.monotonic() + 10
    while True:
        count = lusers_clients(ctl)
        if count == expected_clients or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    chk.check("churn: LUSERS is back to %d clients" % expected_clients,
              count == expected_clients, "LUSERS says %d" % count)
    return n


def phase_bytewise(chk, srv, watcher):
    """Ten clients register, join and talk one byte per segment, interleaved."""
    clients = [Client(srv.port, "byte%d" % i) for i in range(10)]
    streams = []
    for c in clients:
        c.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        streams.append(("PASS %s\r\nNICK %s\r\nUSER b 0 * :b\r\nJOIN #watch\r\n"
                        "PRIVMSG #watch :bytewise from %s\r\n"
                        % (PASSWORD, c.nick, c.nick)).encode())
    sent = 0
    for i in range(max(len(s) for s in streams)):
        for c, s in zip(clients, streams):
            if i < len(s):
                c.send(s[i:i + 1])
                sent += 1
        if i % 8 == 0:
            time.sleep(0.001)
    figure("bytewise one-byte sends", sent)
    # Whole lines only: a message cut or merged by the reassembly fails.
    missing = watcher.expect_all([rb"^:%s!\S+ PRIVMSG #watch :bytewise from %s$"
                                  % (c.nick.encode(), c.nick.encode()) for c in clients], 10.0)
    chk.check("bytewise: all 10 messages arrived whole", not missing,
              "missing: %r" % (missing,))
    for c in clients:
        c.close()


HOSTILE = [
    (b"PRIVMSG #watch :" + b"A" * 600, rb" 417 "),
    (b"@" + b"a=b;" * 1100 + b" PING :x", rb" 417 "),
    (b"X" * 20000, rb" 417 "),
    (b"NICK " + b"n" * 600, rb" 417 "),
    (b"FOOBAR x y", rb" 421 \S+ FOOBAR "),
    (b"\x01VERSION\x01", rb" 421 "),
    (b"PRIVMSG #watch :nul\x00after", None),
    (b"\x00\x00\x00", None),
    (b"NICK \x00", None),
    (b"JOIN #\x00c", None),
    (b"PRIVMSG #watch :utf8 \xff\xfe\xc0\xaf\xed\xa0\x80 end", rb"FAIL PRIVMSG INVALID_UTF8 "),
    (b"NICK \xc3\x28", rb"FAIL NICK INVALID_UTF8 "),
    (b"JOIN #bad\xe2\x82", None),
    (b"TOPIC #watch :\xf8\x88\x80\x80\x80", None),
    (b"PRIVMSG " + b" ".join(b"t%d" % i for i in range(30)) + b" :x", None),
    (b"MODE #watch +" + b"o" * 20 + b" " + b" ".join(b"a%d" % i for i in range(20)), None),
    (b"USER " + b" ".join(b"p%d" % i for i in range(20)), rb" 462 "),
    (b"@ PRIVMSG #watch :empty tags", None),
    (b"@", None),
    (b"@;;;=;= PING :tags1", rb"PONG .*tags1"),
    (b"@a=\\ PING :tags2", rb"PONG .*tags2"),
    (b"@+x=" + b"\\" * 200 + b" TAGMSG #watch", None),
    (b":", None),
    (b": PING :emptyprefix", rb"PONG .*emptyprefix"),
    (b":nick!user@host PRIVMSG #watch :spoofed", None),
    (b"   ", None),
    (b"MODE #watch +" + b"ov" * 200 + b" " + b" ".join([b"hostile"] * 14), None),
    (b"MODE #watch " + b"+-" * 300, None),
    (b"MODE #watch +" + b"b" * 100 + b" " + b" ".join(b"m%d!*@*" % i for i in range(13)),
     None),
    (b"MODE #watch -" + b"b" * 100 + b" " + b" ".join(b"m%d!*@*" % i for i in range(13)),
     None),
    (b"MODE hostile " + b"+iw-iw" * 80, None),
    (b"JOIN " + b",".join(b"#h%d" % i for i in range(100)), rb" 407 "),
    (b"PART " + b",".join(b"#h%d" % i for i in range(100)), None),
    (b"JOIN " + b"," * 400, None),
    (b"JOIN " + b",".join(b"#k%d" % i for i in range(40)) + b" " +
     b",".join(b"key%d" % i for i in range(40)), None),
    (b"PART " + b",".join(b"#k%d" % i for i in range(40)), None),
    (b"JOIN #" + b"c" * 200, None),
    (b"KICK #watch " + b",".join(b"u%d" % i for i in range(60)) + b" :x", None),
    (b"WHOIS " + b",".join(b"n%d" % i for i in range(60)), None),
    (b"ISON " + b" ".join(b"n%d" % i for i in range(60)), None),
    (b"CAP REQ :" + b" ".join([b"multi-prefix"] * 60), None),
    (b"CAP LS 999999999999", None),
    (b"AUTHENTICATE " + b"A" * 400, None),
    (b"WHO #watch %" + b"tcuhnfdar" * 20 + b"," + b"9" * 50, None),
    (b"LIST <-1,>99999999999999999", None),
]


def phase_hostile(chk, srv, watcher):
    """Hostile lines from a registered channel member, then before registration."""
    h = Client(srv.port, "hostile")
    ok = h.register()
    h.sendline("JOIN #watch")
    ok = ok and h.expect(rb" 366 hostile #watch ") is not None
    chk.check("hostile: client registered and joined", ok)
    missing = []
    nbytes = 0
    for line, reply in HOSTILE:
        h.send(line + b"\r\n")
        nbytes += len(line) + 2
        if reply and h.expect(reply, 5.0) is None:
            missing.append("%r... -> %r" % (line[:40], reply))
    figure("hostile lines sent", "%d (%d bytes)" % (len(HOSTILE), nbytes))
    chk.check("hostile: expected replies (417, 421, FAIL, 462, 407, PONG)", not missing,
              "\n".join(missing))
    chk.check("hostile: sender still connected (PING)", h.ping("hostile-done") is not None)
    # UTF8ONLY: the PONG must come with no trace of the refused line before it.
    watcher.sendline("PING :watch-utf8")
    got = watcher.expect(rb"( PRIVMSG #watch :utf8 |PONG .*watch-utf8$)")
    chk.check("hostile: invalid UTF-8 refused, never relayed",
              got is not None and b"PONG" in got)
    chk.check("hostile: watcher still connected (PING)", watcher.ping("watch-hostile") is not None)
    h.close()
    # Before registration: the same lines, then a normal registration.
    u = Client(srv.port, "prereg")
    for line, _ in HOSTILE:
        u.send(line + b"\r\n")
    # One of the lines was CAP LS, which holds registration until CAP END.
    u.sendline("CAP END")
    ok = u.register(10.0)
    chk.check("hostile: unregistered client can still register afterwards", ok)
    u.close()
    chk.check("hostile: server alive", srv.alive())


def phase_suspend(chk, srv):
    """A member stops reading for 2 s while 600 lines (~150 KB < SendQ) arrive."""
    sender = Client(srv.port, "susp_tx")
    sleeper = Client(srv.port, "susp_rx")
    ok = sender.register() and sleeper.register()
    for c in (sender, sleeper):
        c.sendline("JOIN #susp")
        ok = ok and c.expect(rb" 366 \S+ #susp ") is not None
    chk.check("suspend: two clients in #susp", ok)
    n = 600
    pad = "s" * 220
    t0 = time.monotonic()
    sender.send("".join("PRIVMSG #susp :n %d %s\r\n" % (i, pad) for i in range(n)))
    chk.check("suspend: sender PING after the burst", sender.ping("susp-sent") is not None)
    queued = n * (len(":susp_tx!susp_tx@127.0.0.1 PRIVMSG #susp :n 000 ") + len(pad) + 2)
    figure("suspended client backlog", "~%d KB (SendQ %d KB)" % (queued // 1024, SENDQ // 1024))
    time.sleep(max(0.0, 2.0 - (time.monotonic() - t0)))
    seqs = []
    deadline = time.monotonic() + 10
    while len(seqs) < n and time.monotonic() < deadline:
        line = sleeper.expect(rb"PRIVMSG #susp :n \d+ ", deadline - time.monotonic())
        if line is None:
            break
        seqs.append(int(line.split(b" :n ")[1].split()[0]))
    chk.check("suspend: resumed reader got all %d messages in order" % n,
              seqs == list(range(n)), "got %d, first gap at %s" % (
                  len(seqs), next((i for i, v in enumerate(seqs) if v != i), None)))
    chk.check("suspend: resumed reader still connected (PING)",
              sleeper.ping("susp-rx") is not None)
    sender.close()
    sleeper.close()


def phase_deaf(chk, srv):
    """A member that never reads while #deaf is flooded must be cut off."""
    talker = Client(srv.port, "deaf_tx")
    deaf = Client(srv.port, "deaf_rx", rcvbuf=4096)
    watch = Client(srv.port, "deaf_watch")
    ok = all(c.register() for c in (talker, deaf, watch))
    for c in (talker, deaf, watch):
        c.sendline("JOIN #deaf")
        ok = ok and c.expect(rb" 366 \S+ #deaf ") is not None
    chk.check("deaf: three clients in #deaf", ok)
    pad = "d" * 380
    sent = 0
    nbytes = 0
    quit_line = None
    t0 = time.monotonic()
    # Batches of 200; the watcher reads each batch before the next one so
    # it never falls behind. The server's socket buffer to the deaf client
    # can grow to several MB before its SendQ fills.
    while quit_line is None and sent < 40000 and time.monotonic() - t0 < 40:
        batch = "".join("PRIVMSG #deaf :f %d %s\r\n" % (sent + i, pad) for i in range(200))
        talker.send(batch)
        nbytes += len(batch)
        sent += 200
        last = watch.expect(rb"(PRIVMSG #deaf :f %d |QUIT :SendQ exceeded)" % (sent - 1), 10)
        if last is None:
            break
        # expect() returns the first match in arrival order.
        if b"QUIT" in last:
            quit_line = last
    if quit_line is None:
        quit_line = watch.expect(rb"^:deaf_rx!\S+ QUIT ", 5.0)
    dt = time.monotonic() - t0
    figure("flood until cut-off", "%d lines, %.1f MB in %.1f s" % (sent, nbytes / 1e6, dt))
    chk.check("deaf: non-reading member quit with SendQ exceeded",
              quit_line is not None and b"SendQ exceeded" in quit_line,
              "quit line: %r" % (quit_line,))
    chk.check("deaf: talker and watcher still connected",
              talker.ping("deaf-tx") is not None and watch.ping("deaf-watch") is not None)
    for c in (talker, deaf, watch):
        c.close()
    return sent, nbytes


def phase_fds(chk, binary, tmpdir):
    """400 connections to a server limited to 256 descriptors."""
    # Errors only: a server stuck refusing connections logs a warning each time.
    srv = start_server(binary, tmpdir, "fdlimit", fd_limit=FD_LIMIT, log_level="error")
    try:
        if chk.check("fds: server with %d descriptors started" % FD_LIMIT, srv.alive()):
            run_phase(chk, "fds", fds_saturate, chk, srv)
    finally:
        # Also after an exception: a server left behind could be spinning.
        REG.close_all()
        code = srv.stop()
    chk.check("fds: server exits with status 0 on SIGTERM", code == 0, "status %s" % code)


def fds_saturate(chk, srv):
    ctl = Client(srv.port, "fdctl")
    chk.check("fds: control client registered", ctl.register())
    base = srv.fds()
    socks = []
    failed_connect = 0
    for _ in range(FD_CONNECTIONS):
        try:
            socks.append(open_socket(srv.port, timeout=2.0))
        except OSError:
            failed_connect += 1
    # Refused ones get "ERROR :... (Server is full)" and EOF; the others
    # are idle, unregistered connections the server holds open.
    full = closed = idle = 0
    sel = selectors.DefaultSelector()
    bufs = {}
    for s in socks:
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
        bufs[s] = b""
    deadline = time.monotonic() + 3
    open_left = set(socks)
    while open_left and time.monotonic() < deadline:
        for key, _ in sel.select(0.2):
            s = key.fileobj
            try:
                data = s.recv(4096)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                data = b""
            if data:
                bufs[s] += data
                continue
            sel.unregister(s)
            open_left.discard(s)
            if b"Server is full" in bufs[s]:
                full += 1
            else:
                closed += 1
    sel.close()
    idle = len(open_left)
    figure("fd-limited server", "%d connections: %d held, %d 'Server is full', "
           "%d closed silently, %d connect errors" % (FD_CONNECTIONS, idle, full, closed,
                                                       failed_connect))
    figure("  server descriptors", "%d before, %d saturated (limit %d)"
           % (base, srv.fds(), FD_LIMIT))
    chk.check("fds: extras refused with 'Server is full'",
              full > 0 and idle + full + closed + failed_connect == FD_CONNECTIONS
              and idle < FD_LIMIT, "held %d, full %d, closed %d" % (idle, full, closed))
    # Saturated: more connection attempts come in while we measure CPU.
    cpu0 = srv.cpu_s()
    t0 = time.monotonic()
    late_full = 0
    for _ in range(20):
        try:
            s = open_socket(srv.port, timeout=1.0)
            data = b""
            s.settimeout(1.0)
            try:
                while True:
                    d = s.recv(4096)
                    if not d:
                        break
                    data += d
            except OSError:
                pass
            late_full += b"Server is full" in data
            REG.close(s)
        except OSError:
            pass
        time.sleep(0.05)
    time.sleep(max(0.0, 2.0 - (time.monotonic() - t0)))
    cpu = srv.cpu_s() - cpu0
    wall = time.monotonic() - t0
    figure("fd-limited server CPU while saturated", "%.2f s in %.1f s" % (cpu, wall))
    chk.check("fds: no busy loop while saturated (CPU < 20%)", 0 <= cpu < 0.2 * wall,
              "%.2f s CPU in %.1f s" % (cpu, wall))
    chk.check("fds: late connections refused with 'Server is full'", late_full == 20,
              "%d of 20" % late_full)
    rtt = ctl.ping("fd-saturated")
    chk.check("fds: control client answered while saturated", rtt is not None)
    for s in socks:
        REG.close(s)
    time.sleep(0.5)
    c2 = Client(srv.port, "fdafter")
    chk.check("fds: new client registers after the flood", c2.register())
    c2.close()
    deadline = time.monotonic() + 5
    while srv.fds() > base and time.monotonic() < deadline:
        time.sleep(0.1)
    chk.check("fds: descriptors back to %d" % base, srv.fds() == base, "now %d" % srv.fds())
    ctl.close()


def run_phase(chk, name, fn, *args):
    """Run one phase; an exception (a reset, a timeout) is one failed check."""
    try:
        return fn(*args)
    except Exception as e:              # noqa: BLE001 - reported, not hidden
        chk.check("%s: ran without an exception" % name, False,
                  "%s: %s" % (type(e).__name__, e))
        return None


def final_checks(chk, srv, ctl, base_fds, base_rss, figures):
    rtt = ctl.ping("final")
    chk.check("server alive and answers PING", srv.alive() and rtt is not None)
    if rtt is not None:
        figures.append(("final PING round trip", "%.1f ms" % (rtt * 1000)))
    deadline = time.monotonic() + 5
    while lusers_clients(ctl) != 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    want_fds = base_fds - GoodTraffic.MEMBERS
    while srv.fds() != want_fds and time.monotonic() < deadline:
        time.sleep(0.1)
    fds, rss, peak = srv.fds(), srv.status_kb("VmRSS"), srv.status_kb("VmHWM")
    figures.append(("server descriptors", "%d at baseline (22 clients), %d at the end "
                    "(2 clients)" % (base_fds, fds)))
    figures.append(("server RSS", "%d KB baseline, %d KB peak, %d KB final"
                    % (base_rss, peak, rss)))
    chk.check("descriptors back to baseline (less the 20 #good clients)",
              fds == want_fds, "%d now, %d expected" % (fds, want_fds))
    # Freed buffers may stay with the allocator; a leak grows with churn.
    chk.check("RSS back near baseline (within 8 MB)", 0 < rss <= base_rss + 8192,
              "%d KB now, %d KB at baseline" % (rss, base_rss))


def run_main_server(chk, srv, figures):
    if not chk.check("server started on port %d" % srv.port, srv.alive()):
        return
    ctl = Client(srv.port, "ctl")
    watcher = Client(srv.port, "watcher")
    chk.check("control clients registered", ctl.register() and watcher.register())
    watcher.sendline("JOIN #watch")
    watcher.expect(rb" 366 watcher #watch ")
    good = GoodTraffic(srv.port)
    if not chk.check("20 well-behaved clients joined #good", good.setup()):
        return
    ctl.ping("baseline")
    base_fds, base_rss = srv.fds(), srv.status_kb("VmRSS")
    figure("baseline", "%d fds, RSS %d KB, 22 clients" % (base_fds, base_rss))
    good.start()
    try:
        churn = run_phase(chk, "churn", phase_churn, chk, srv, ctl, 2 + GoodTraffic.MEMBERS)
        run_phase(chk, "bytewise", phase_bytewise, chk, srv, watcher)
        run_phase(chk, "hostile", phase_hostile, chk, srv, watcher)
        run_phase(chk, "suspend", phase_suspend, chk, srv)
        deaf = run_phase(chk, "deaf", phase_deaf, chk, srv)
    finally:
        good.stop_flag.set()
        good.join(30)
    problems, total = good.verify()
    chk.check("#good: no error on the well-behaved clients", good.error is None,
              str(good.error))
    chk.check("#good: every message complete and in per-sender order", not problems,
              "\n".join(problems[:10]))
    for c in good.members:
        c.close()
    figures.append(("churn connections", churn))
    figures.append(("#good messages", "%d sent, %d delivered, %d lines and %.1f MB read"
                    % (sum(good.sent), total, good.nlines, good.nbytes / 1e6)))
    if deaf:
        figures.append(("#deaf flood", "%d messages, %.1f MB" % (deaf[0], deaf[1] / 1e6)))
    run_phase(chk, "final", final_checks, chk, srv, ctl, base_fds, base_rss, figures)
    ctl.close()
    watcher.close()


def main():
    binary = os.environ.get("IRCSERV_BIN", "./ircserv")
    chk = Checks()
    if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
        chk.check("IRCSERV_BIN is an executable (%s)" % binary, False)
        print("0 passed, 1 failed")
        return 1
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 2048 and hard > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
    self_fds = len(os.listdir("/proc/self/fd"))
    tmpdir = tempfile.mkdtemp(prefix="ircserv-stress-")
    figures = []
    srv = start_server(binary, tmpdir, "main")
    try:
        run_phase(chk, "main server", run_main_server, chk, srv, figures)
    finally:
        left = REG.close_all()
        code = srv.stop()
    chk.check("server exits with status 0 on SIGTERM", code == 0, "status %s" % code)
    try:
        run_phase(chk, "fds", phase_fds, chk, binary, tmpdir)
    finally:
        left += REG.close_all()
    run_phase(chk, "cost", flood_cost.run, chk, binary, tmpdir, figures)
    figures.append(("connections opened by the script", REG.opened))
    print("figures:")
    for name, value in figures:
        figure(name, value)
    chk.check("every socket closed by its phase", left == 0, "%d left open" % left)
    now_fds = len(os.listdir("/proc/self/fd"))
    chk.check("the script's descriptors are back to %d" % self_fds, now_fds == self_fds,
              "%d open" % now_fds)
    chk.check("run took under 3 minutes", time.monotonic() - START < 180,
              "%.1f s" % (time.monotonic() - START))
    if chk.failed or os.environ.get("STRESS_KEEP") == "1":
        print("server logs kept in " + tmpdir)
    else:
        shutil.rmtree(tmpdir, ignore_errors=True)
    print("%d passed, %d failed" % (chk.passed, chk.failed))
    return 1 if chk.failed else 0


if __name__ == "__main__":
    sys.exit(main())
