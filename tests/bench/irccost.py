"""Shared by tests/bench/cost.py (CPU per line of the costliest commands)
and tests/stress/stress.py (attackers beside a probe client): start an
ircserv, build large state over loopback, and the most expensive line of
every command that takes lists or masks.

Python 3 standard library only. Everything is bounded in time; every
socket opened here is closed by close_all().
"""
import os
import re
import selectors
import signal
import socket
import subprocess
import threading
import time

PASSWORD = "cost-pw"
# Default limits, except that every client comes from 127.0.0.1.
CONFIG = """\
server_name = irc.cost.test
bind = 127.0.0.1
max_per_ip = 0
connect_rate = 0
max_clients = 6000
ping_frequency = 3600
log_level = warn
oper bench {
	password = %s
	host = *@127.0.0.1 *@127.0.0.2
}
""" % "$pbkdf2-sha256$200000$IIxQ1NoYoXrIYIho3KXxPg$H8VHQIfXy7PHo7gOgJoK2kA149p3YZtVN613beEu5no"
OPER_PASSWORD = "change-me"     # of that hash (conf/ircserv.conf's example)
REALNAME_LEN = 390
BANS = 100


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Server:
    """An ircserv on a free loopback port: config (default: CONFIG) plus
    extra lines, and TEST_EVENT_BACKEND's event loop when it is set.
    preexec_fn runs in the child before exec (tests/stress limits its
    descriptors there). Also the base of tests/stress/stress.py's Server."""

    def __init__(self, binary, tmpdir, name, extra="", config=CONFIG,
                 password=PASSWORD, preexec_fn=None):
        self.port = free_port()
        self.conf = os.path.join(tmpdir, name + ".conf")
        self.log_path = os.path.join(tmpdir, name + ".log")
        if os.environ.get("TEST_EVENT_BACKEND"):
            extra += "event_backend = %s\n" % os.environ["TEST_EVENT_BACKEND"]
        with open(self.conf, "w") as f:
            f.write(config + extra)
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [binary, "-c", self.conf, str(self.port), password],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log,
            preexec_fn=preexec_fn, close_fds=True)
        self.pid = self.proc.pid

    def wait_ready(self, timeout=10.0):
        """Whether it accepts a connection within timeout (False if it exits)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                return True
            except OSError:
                time.sleep(0.02)
        return False

    def cpu_s(self):
        """User + system CPU time of the server, from /proc/<pid>/stat; -1 if gone."""
        try:
            with open("/proc/%d/stat" % self.pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            return -1.0

    def stop(self, timeout=10.0):
        """SIGTERM and reap; the exit status (None if it had to be killed)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                self.log.close()
                return None
        self.log.close()
        return self.proc.returncode


def start_server(binary, tmpdir, name, extra=""):
    for _ in range(3):
        srv = Server(binary, tmpdir, name, extra)
        if srv.wait_ready():
            return srv
        srv.stop()
    raise RuntimeError("ircserv did not start")


class Drain(threading.Thread):
    """Reads and discards everything sent to many clients, so that their
    SendQs never fill; answers the server's PINGs."""

    def __init__(self):
        super().__init__(daemon=True)
        self.sel = selectors.DefaultSelector()
        self.lock = threading.Lock()
        self.socks = []
        self.stop_flag = threading.Event()
        self.nbytes = 0

    def add(self, s):
        s.setblocking(False)
        with self.lock:
            self.socks.append(s)
            self.sel.register(s, selectors.EVENT_READ)

    def run(self):
        while not self.stop_flag.is_set():
            with self.lock:
                events = self.sel.select(0.05) if self.socks else []
            if not events:
                time.sleep(0.001)
            for key, _ in events:
                try:
                    data = key.fileobj.recv(1 << 16)
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:
                    data = b""
                if not data:
                    with self.lock:
                        self.sel.unregister(key.fileobj)
                    continue
                self.nbytes += len(data)
                if b"PING :" in data and data.startswith(b"PING"):
                    try:
                        key.fileobj.send(b"PONG :x\r\n")
                    except OSError:
                        pass

    def close_all(self):
        self.stop_flag.set()
        self.join(5)
        for s in self.socks:
            s.close()
        self.socks = []
        self.sel.close()


def register_many(port, nicks, realname_for, timeout=60.0):
    """Connect and register every nick; returns the sockets (blocking),
    each with its welcome read."""
    socks, pending = [], {}
    sel = selectors.DefaultSelector()
    for i, nick in enumerate(nicks):
        s = socket.create_connection(("127.0.0.1", port), 10)
        s.sendall(("PASS %s\r\nNICK %s\r\nUSER u 0 * :%s\r\n"
                   % (PASSWORD, nick, realname_for(i))).encode())
        socks.append(s)
        pending[s] = b""
        sel.register(s, selectors.EVENT_READ)
        if len(pending) >= 200:
            wait_welcomes(sel, pending, timeout)
    wait_welcomes(sel, pending, timeout)
    sel.close()
    return socks


def wait_welcomes(sel, pending, timeout):
    deadline = time.monotonic() + timeout
    while pending:
        if time.monotonic() > deadline:
            raise RuntimeError("%d clients not registered" % len(pending))
        for key, _ in sel.select(1.0):
            s = key.fileobj
            data = s.recv(1 << 16)
            if not data:
                raise RuntimeError("connection closed while registering")
            pending[s] += data
            if b" 376 " in pending[s] or b" 422 " in pending[s]:
                sel.unregister(s)
                del pending[s]


def realname(i):
    """390 characters, a different one per user."""
    base = "user %d of the cost benchmark " % i
    return (base * (REALNAME_LEN // len(base) + 1))[:REALNAME_LEN]


def ban_mask(i):
    """Wildcard bans that make a backtracking matcher work hard."""
    return "*" + "?" * (10 + i % 11) + chr(ord("b") + i % 20) + "%d!*@*" % i


class Line:
    """One client connection with a reader thread that keeps the byte
    count and finds PONG tokens and other markers in what arrives."""

    serial = 0

    def __init__(self, port, nick, realname_text="bench", src=None):
        self.sock = socket.create_connection(("127.0.0.1", port), 10,
                                             (src, 0) if src else None)
        # The reader blocks until data or close(): a client may sit idle.
        self.sock.settimeout(None)
        self.nick = nick
        self.cond = threading.Condition()
        self.tail = b""
        self.seen = set()
        self.nbytes = 0
        self.closed = False
        self.lines = []             # kept only when keep_lines is set
        self.keep_lines = False
        self.sendline("PASS %s" % PASSWORD)
        self.sendline("NICK %s" % nick)
        self.sendline("USER u 0 * :%s" % realname_text)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        if not self.wait_for(b" 001 ", 20):
            raise RuntimeError("%s not registered" % nick)

    def sendline(self, line):
        self.sock.sendall(line.encode() + b"\r\n")

    def _read(self):
        while True:
            try:
                data = self.sock.recv(1 << 16)
            except OSError:
                data = b""
            with self.cond:
                if not data:
                    self.closed = True
                    self.cond.notify_all()
                    return
                self.nbytes += len(data)
                text = self.tail + data
                end = text.rfind(b"\r\n") + 2
                # Complete lines only; the partial last one waits (cut if huge).
                text, self.tail = text[:end], text[end:][-4096:]
                for tok in re.findall(rb"PONG \S+ :(\S+)", text):
                    self.seen.add(tok)
                for marker in (b" 001 ", b" 315 ", b" 323 ", b" 366 ", b"Excess Flood",
                               b"SendQ exceeded"):
                    if marker in text:
                        self.seen.add(marker)
                if self.keep_lines:
                    self.lines.extend(text.split(b"\r\n")[:-1])
                self.cond.notify_all()

    def wait_for(self, token, timeout):
        deadline = time.monotonic() + timeout
        with self.cond:
            while token not in self.seen:
                left = deadline - time.monotonic()
                if left <= 0 or self.closed:
                    return False
                self.cond.wait(left)
            self.seen.discard(token)
            return True

    def sync(self, token, timeout=60.0, before=()):
        """PING with a token made unique, and wait for its PONG. The
        lines in before go first, in the same write (so that the server
        reads them and the PING in one round)."""
        Line.serial += 1
        token = "%s.%d" % (token, Line.serial)
        self.sock.sendall("".join(ln + "\r\n" for ln in list(before) + ["PING :" + token])
                          .encode())
        return self.wait_for(token.encode(), timeout)

    def oper(self):
        """OPER with the benchmark's oper block; whether it worked."""
        self.sendline("OPER bench %s" % OPER_PASSWORD)
        with self.cond:
            self.keep_lines, self.lines = True, []
        ok = self.sync("oper", 30)
        with self.cond:
            got, self.keep_lines, self.lines = self.lines, False, []
        return ok and any(b" 381 " in ln for ln in got)

    def rounds(self):
        """STATS r (the loop's rounds, see docs/commands.md) as a dict:
        rounds, max_wall_us, max_cpu_us (since start), recent_wall_us,
        recent_cpu_us (since the previous STATS r), hist_wall, hist_cpu
        (lists of counts), buckets (their upper bounds in us)."""
        with self.cond:
            self.keep_lines, self.lines = True, []
        self.sendline("STATS r")
        if not self.sync("stats", 30):
            raise RuntimeError("no answer to STATS r (closed: %s, last: %r)"
                               % (self.closed, self.tail[-300:]))
        with self.cond:
            got, self.keep_lines, self.lines = self.lines, False, []
        out = {}
        for ln in got:
            if b" 249 " not in ln:
                continue
            words = ln.split(b" :", 1)[1].decode().split()
            if words[0] == "rounds":
                out["rounds"] = int(words[1])
            elif words[0] in ("max", "recent"):
                out[words[0] + "_wall_us"] = int(words[2])
                out[words[0] + "_cpu_us"] = int(words[4])
            elif words[0] in ("wall", "cpu"):
                out["hist_" + words[0]] = [int(w.split(":")[1]) for w in words[1:]]
                out["buckets"] = [w.split(":")[0] for w in words[1:]]
        if "recent_cpu_us" not in out:
            raise RuntimeError("no STATS r figures in %r" % got[-8:])
        return out

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.reader.join(5)
        self.sock.close()


def join_all(socks, chans_for, drain):
    """Each socket joins its channels; then all of them go to the drain."""
    for i, s in enumerate(socks):
        chans = chans_for(i)
        if chans:
            s.sendall(("JOIN %s\r\n" % ",".join(chans)).encode())
        drain.add(s)


def build_state(port, pid, users=1000, big=2000, chans=1000, banned=1, log=print):
    """The state of the benchmark: `users` users with 390-character
    realnames; #big with `big` members (more users are added, with short
    realnames); `chans` channels #c<i>; `banned` +i channels #t, #t1, ...
    with 100 wildcard bans each, set by an operator. Returns (drain, op)."""
    total = max(users, big)
    t0 = time.monotonic()
    nicks = ["u%d" % i for i in range(total)]
    socks = register_many(port, nicks, lambda i: realname(i) if i < users else "short")
    log("  %d users registered in %.1f s" % (total, time.monotonic() - t0))
    drain = Drain()
    drain.start()
    join_all(socks, lambda i: (["#big"] if i < big else []) +
             (["#c%d" % i] if i < chans else []), drain)
    op = Line(port, "opbench")
    for k in range(banned):
        name = "#t" if k == 0 else "#t%d" % k
        op.sendline("JOIN %s" % name)
        op.sendline("MODE %s +i" % name)
        for j in range(0, BANS, 6):
            masks = [ban_mask(m) for m in range(j, min(j + 6, BANS))]
            op.sendline("MODE %s +%s %s" % (name, "b" * len(masks), " ".join(masks)))
    if not op.sync("state", 300):
        raise RuntimeError("state not built")
    # The joins of the other clients are done when the server goes idle.
    wait_idle(pid)
    log("  state built in %.1f s" % (time.monotonic() - t0))
    return drain, op


def wait_idle(pid, drain=None, timeout=300.0):
    """Wait until the server used under 2 ms of CPU in 0.3 s (from
    /proc/<pid>/schedstat, which counts nanoseconds) and the drain, if
    any, received nothing meanwhile: no output is left to deliver."""
    def state():
        with open("/proc/%d/schedstat" % pid) as f:
            return int(f.read().split()[0]), drain.nbytes if drain else 0
    deadline = time.monotonic() + timeout
    last = state()
    while time.monotonic() < deadline:
        time.sleep(0.3)
        now = state()
        if now[0] - last[0] < 2000000 and now[1] == last[1]:
            return
        last = now
    raise RuntimeError("server still busy")


def worst_lines(banned_channels=("#t",)):
    """The costliest line of each command that takes lists or masks, as
    (name, line or function of the index, end marker or None, lines sent
    before waiting: 1 for those whose answer nears a SendQ)."""
    q195 = "*" + "?" * 195 + "x"
    list_mask = "*" + "?" * 24 + "x"
    distinct = ",".join("*" + "?" * 24 + chr(ord("a") + i) for i in range(18))
    many_nicks = " ".join("u%d" % i for i in range(80))
    mon = ",".join("u%d" % i for i in range(100))
    hostile_bans = " ".join("*" + "?*" * 30 + "%d!*@*" % i for i in range(6))
    return [
        ("PING, 20 a round (baseline)", "PING :x", None, 20),
        ("PING, 1 a round (baseline)", "PING :x", None, 1),
        ("JOIN #t x168 (+i, 100 bans)", "JOIN " + ",".join(["#t"] * 168), None, 20),
        ("JOIN 20 +i channels, 100 bans each", "JOIN " + ",".join(banned_channels), None, 20),
        ("JOIN+PART #big (2000 members)",
         lambda i: "JOIN #big" if i % 2 else "PART #big", None, 20),
        ("PART 168 channels not joined", "PART " + ",".join(["#c1"] * 168), None, 20),
        ("NAMES #big x168", "NAMES " + ",".join(["#big"] * 168), None, 20),
        ("NAMES #big,#c1,#c2,#c3", "NAMES #big,#c1,#c2,#c3", None, 20),
        ("NAMES (all channels)", "NAMES", None, 10),
        ("WHO *+195?+x (realnames)", "WHO " + q195, None, 20),
        ("WHO * (everyone)", "WHO *", None, 1),
        ("WHO #big", "WHO #big", None, 1),
        ("WHOX *+195?+x %tcuihsnfdlaor", "WHO " + q195 + " %tcuihsnfdlaor,123", None, 20),
        ("WHOX #big %tcuihsnfdlaor", "WHO #big %tcuihsnfdlaor,1", None, 1),
        ("WHOIS 4 users", "WHOIS u1,u2,u3,u4,u5,u6,u1,u2", None, 20),
        ("LIST 18 x *+24?+x", "LIST " + ",".join([list_mask] * 18), b" 323 ", 1),
        ("LIST 18 distinct masks", "LIST " + distinct, b" 323 ", 1),
        ("LIST (all channels)", "LIST", b" 323 ", 1),
        ("MODE #t b (100 bans)", "MODE #t b", None, 20),
        ("MODE +b/-b 6 hostile masks",
         lambda i: "MODE #own %sbbbbbb %s" % ("+" if i % 2 == 0 else "-", hostile_bans),
         None, 20),
        ("PRIVMSG #big x4 (+repeats)", "PRIVMSG #big,#big,#BIG,#big,#big :" + "m" * 300,
         None, 20),
        ("NOTICE 4 users (+repeats)", "NOTICE u1,u2,u3,u4,u1,u2 :" + "n" * 300, None, 20),
        ("MONITOR + 100 / C",
         lambda i: ("MONITOR + " + mon) if i % 2 == 0 else "MONITOR C", None, 20),
        ("MONITOR - 100 nicks", "MONITOR - " + mon, None, 20),
        ("ISON 80 nicks", "ISON " + many_nicks, None, 20),
        ("USERHOST 80 nicks", "USERHOST " + many_nicks, None, 20),
        ("KICK #own 4 users", None, None, 20),      # lines made by the caller
        ("INVITE user #own", lambda i: "INVITE u%d #own" % (i % 1000), None, 20),
    ]
