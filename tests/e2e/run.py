#!/usr/bin/env python3
"""
End-to-end tests: real IRC clients against ircserv. irssi and WeeChat run in
panes of a private tmux server next to raw socket clients; what the clients
show is read back from their own logs (irssi autolog and rawlog, WeeChat's
logger plugin), a relay that records WeeChat's traffic, and tmux
capture-pane. Python 3 standard library only. The last line printed is
"N passed, N failed"; the exit status is 1 when any check failed.

Environment: IRCSERV_BIN is the server binary (default ./ircserv);
IRCSERV_E2E_KEEP=1 keeps the temporary directory even when all checks pass.
"""

import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "e2e-secret"
CHAN = "#e2e"
KEY = "sekrit"
TOPIC = "Welcome to the e2e test"

STEP_TIMEOUT = 6.0      # one client reaction
SYNC_TIMEOUT = 10.0     # irssi's MODE + WHO + MODE b round trips
RUN_BUDGET = 70.0       # all waits together, so a broken server ends fast

def said(nick, text):
    """An irssi log line for a message from nick: "12:00 <@alice> text"."""
    return rf"<[ @+%]?{re.escape(nick)}> {re.escape(text)}$"


def wsaid(nick, text):
    """A WeeChat logger line for a message: "date time\t@alice\ttext"."""
    return rf"\t[@+%]?{re.escape(nick)}\t{re.escape(text)}$"


class Abort(Exception):
    """A step that later steps depend on failed: stop the scenario. counted
    says whether a failed check already reported it."""

    def __init__(self, msg, counted=False):
        super().__init__(msg)
        self.counted = counted


class Run:
    """Counts checks, holds the global deadline and the cleanup stack."""

    def __init__(self, art):
        self.art = art
        self.passed = 0
        self.failed = 0
        self.t0 = time.monotonic()
        self.deadline = self.t0 + RUN_BUDGET
        self.snapshots = []     # called with a label when a check fails
        self.fatal = []         # return why nothing more can pass, or None
        self.cleanups = []      # run last-in first-out, also on failure

    def check(self, name, ok, detail=""):
        stamp = f"[{time.monotonic() - self.t0:5.1f}s]"
        if ok:
            self.passed += 1
            print(f"ok   {stamp} {name}", flush=True)
            return True
        self.failed += 1
        print(f"FAIL {stamp} {name}", flush=True)
        for line in str(detail).splitlines():
            print(f"     {line}", flush=True)
        label = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-")[:40]
        for snap in self.snapshots:
            snap(f"fail-{self.failed}-{label}")
        for why in filter(None, (f() for f in self.fatal)):
            for line in why.splitlines():
                print(f"     {line}", flush=True)
            raise Abort(why, counted=True)
        return False

    def require(self, name, ok, detail=""):
        if not self.check(name, ok, detail):
            raise Abort(name, counted=True)

    def wait(self, pred, timeout=STEP_TIMEOUT):
        """Poll pred() until it is true or timeout (never past the deadline)."""
        return wait_for(pred, min(timeout, self.deadline - time.monotonic()))

    def on_cleanup(self, fn):
        self.cleanups.append(fn)

    def cleanup(self):
        self.fatal.clear()
        self.snapshots.clear()
        while self.cleanups:
            fn = self.cleanups.pop()
            try:
                fn()
            except Exception:   # cleanup must go on whatever one step did
                traceback.print_exc()


def wait_for(pred, timeout):
    """Poll pred() until it is true or timeout seconds have passed."""
    end = time.monotonic() + timeout
    while True:
        val = pred()
        if val or time.monotonic() >= end:
            return val
        time.sleep(0.05)


def read_text(path):
    try:
        return Path(path).read_text(errors="replace")
    except OSError:
        return ""


def tail(text, n=12):
    lines = text.splitlines()
    return "\n".join(lines[-n:]) if lines else "(empty)"


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def signal_pid(pid, sig):
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def free_port():
    # The server binds every interface, so ask for a port free on all of them.
    with socket.socket() as s:
        s.bind(("", 0))
        return s.getsockname()[1]


def port_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


class Server:
    """The ircserv under test, started on a free port, stopped with SIGTERM."""

    def __init__(self, run, binary):
        self.run = run
        self.binary = binary
        self.log = run.art / "server.log"
        self.proc = None
        self.port = None
        self.status = None

    def start(self):
        self.run.on_cleanup(self.stop)
        for _ in range(5):
            port = free_port()
            # Only the bind line: otherwise the defaults of a bare
            # "ircserv <port> <password>", served on loopback only.
            conf = self.run.art / "ircserv.conf"
            conf.write_text("bind = 127.0.0.1\n")
            with open(self.log, "ab") as logf:
                self.proc = subprocess.Popen(
                    [self.binary, "-c", str(conf), str(port), PASSWORD],
                    stdin=subprocess.DEVNULL, stdout=logf, stderr=subprocess.STDOUT)
            self.status = None
            self.run.wait(lambda: self.proc.poll() is not None or port_open(port), 5)
            if self.proc.poll() is None and port_open(port):
                self.port = port
                self.run.fatal.append(self.died)
                return
            # Lost a race for the port, or the binary is broken: try another.
            self.stop()
        self.run.require("server starts and listens", False,
                         f"{self.binary} {port} {PASSWORD}: exit status {self.status}\n"
                         + tail(read_text(self.log)))

    def died(self):
        if self.proc.poll() is None:
            return None
        return (f"ircserv is no longer running (exit status {self.proc.returncode}); "
                "stopping here. Its log:\n" + tail(read_text(self.log)))

    def stop(self):
        if self.proc is None or self.status is not None:
            return self.status
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                self.status = "killed after SIGTERM timeout"
                return self.status
        self.status = self.proc.returncode
        return self.status


class LineLog:
    """Timestamped, thread-safe record of IRC lines, mirrored to a file."""

    def __init__(self, path):
        self.lines = []
        self.cond = threading.Condition()
        self.file = open(path, "w", encoding="utf-8")
        self.t0 = time.monotonic()

    def add(self, tag, text):
        with self.cond:
            self.lines.append((tag, text))
            if not self.file.closed:
                self.file.write(f"{time.monotonic() - self.t0:7.3f} {tag} {text}\n")
                self.file.flush()
            self.cond.notify_all()

    def received(self, since=0):
        with self.cond:
            return [t for tag, t in self.lines[since:] if tag == ">>"]

    def mark(self):
        with self.cond:
            return len(self.lines)

    def close(self):
        with self.cond:
            self.file.close()


def split_lines(pending, data):
    pending += data
    *lines, rest = pending.split(b"\n")
    return [ln.rstrip(b"\r").decode("utf-8", "replace") for ln in lines], rest


class Proxy:
    """A TCP relay on 127.0.0.1 that records what goes each way ("<<" from
    the client, ">>" from the server): WeeChat cannot write a raw log file."""

    def __init__(self, run, target_port, name):
        self.target = target_port
        self.log = LineLog(run.art / f"{name}-raw.log")
        self.lsock = socket.socket()
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(4)
        self.port = self.lsock.getsockname()[1]
        self.socks = []
        run.on_cleanup(self.close)
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                cli, _ = self.lsock.accept()
                srv = socket.create_connection(("127.0.0.1", self.target), timeout=5)
            except OSError:
                return
            srv.settimeout(None)
            self.socks += [cli, srv]
            threading.Thread(target=self._pipe, args=(cli, srv, "<<"), daemon=True).start()
            threading.Thread(target=self._pipe, args=(srv, cli, ">>"), daemon=True).start()

    def _pipe(self, src, dst, tag):
        pending = b""
        while True:
            try:
                data = src.recv(65536)
            except OSError:
                data = b""
            if not data:
                break
            lines, pending = split_lines(pending, data)
            for line in lines:
                self.log.add(tag, line)
            try:
                dst.sendall(data)
            except OSError:
                break
        self.log.add(tag, "(connection closed)")
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def close(self):
        self.lsock.close()
        for s in self.socks:
            s.close()
        self.log.close()


class RawClient:
    """A socket client speaking raw IRC, as nc would; answers PING itself."""

    def __init__(self, run, name, port):
        self.run = run
        self.name = name
        try:
            self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        except OSError as e:
            run.require(f"{name} connects to 127.0.0.1:{port}", False, str(e))
        self.sock.settimeout(None)
        # Fragments must leave as separate segments, as typed into nc.
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.send_lock = threading.Lock()
        self.log = LineLog(run.art / f"raw-{name}.log")
        self.eof = False
        run.on_cleanup(self.close)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        pending = b""
        while True:
            try:
                data = self.sock.recv(65536)
            except OSError:
                data = b""
            if not data:
                break
            lines, pending = split_lines(pending, data)
            for line in lines:
                self.log.add(">>", line)
                if line.startswith("PING"):
                    self._write(("PONG" + line[4:] + "\r\n").encode())
        self.eof = True

    def _write(self, data):
        with self.send_lock:
            try:
                self.sock.sendall(data)
                return None
            except OSError as e:
                return e

    def send_bytes(self, data):
        self.log.add("<<", repr(data))
        err = self._write(data)
        if err:
            self.run.require(f"{self.name} sends {data!r}", False,
                             f"the connection is gone: {err}")

    def send(self, line):
        self.send_bytes(line.encode() + b"\r\n")

    def mark(self):
        return self.log.mark()

    def find(self, pattern, since=0):
        for line in self.log.received(since):
            m = re.search(pattern, line)
            if m:
                return m
        return None

    def count(self, pattern, since=0):
        return sum(1 for ln in self.log.received(since) if re.search(pattern, ln))

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        self.log.close()


def expect_raw(run, what, client, pattern, since=0, require=False, timeout=STEP_TIMEOUT):
    ok = run.wait(lambda: client.find(pattern, since), timeout)
    detail = (f"{client.name} never received a line matching /{pattern}/; "
              f"last lines it got:\n" + tail("\n".join(client.log.received(since)), 8))
    (run.require if require else run.check)(what, ok, detail)
    return ok


def expect_log(run, what, path, pattern, since=0, require=False, timeout=STEP_TIMEOUT):
    ok = run.wait(lambda: re.search(pattern, read_text(path)[since:], re.M), timeout)
    detail = (f"no line matching /{pattern}/ in {path.name}; its last lines:\n"
              + tail(read_text(path)[since:], 8))
    (run.require if require else run.check)(what, ok, detail)
    return ok


def log_size(path):
    return len(read_text(path))


class Tmux:
    """A private tmux server (its own socket under the temp dir)."""

    def __init__(self, run):
        self.run = run
        self.sock = str(run.art / "tmux.sock")
        self.conf = run.art / "tmux.conf"
        self.conf.write_text("set -g default-terminal screen\n"
                             "set -g history-limit 10000\n"
                             "set -g status off\n")
        self.env = dict(os.environ)
        self.env.pop("TMUX", None)
        self.env.update(HOME=str(run.art / "home"), LC_ALL="C.UTF-8", TERM="xterm")
        (run.art / "home").mkdir()
        self.server_pid = None
        run.on_cleanup(self.kill)

    def cmd(self, *args, check=True):
        p = subprocess.run(["tmux", "-S", self.sock, "-f", str(self.conf), *args],
                           env=self.env, capture_output=True, text=True, timeout=10)
        if check and p.returncode != 0:
            self.run.require(f"tmux {' '.join(args[:3])}", False,
                             f"exit status {p.returncode}: {p.stderr.strip()}")
        return p

    def new_session(self, name, shell_command):
        self.cmd("new-session", "-d", "-s", name, "-x", "200", "-y", "50", shell_command)
        if self.server_pid is None:
            self.server_pid = int(self.cmd("display-message", "-p", "#{pid}").stdout)

    def send_line(self, name, text):
        self.cmd("send-keys", "-t", f"={name}:", "-l", text)
        self.cmd("send-keys", "-t", f"={name}:", "Enter")

    def has(self, name):
        return self.cmd("has-session", "-t", f"={name}", check=False).returncode == 0

    def capture(self, name):
        p = self.cmd("capture-pane", "-p", "-J", "-S", "-", "-t", f"={name}:", check=False)
        return p.stdout if p.returncode == 0 else ""

    def kill(self):
        self.cmd("kill-server", check=False)
        if self.server_pid and not wait_for(lambda: not pid_alive(self.server_pid), 3):
            signal_pid(self.server_pid, signal.SIGKILL)


class PaneClient:
    """A program in its own tmux session. The inner shell writes its pid and
    execs the client, so pid is the client's; the pane's shell then records
    the exit status and the session ends with it."""

    def __init__(self, run, tmux, name, argv):
        self.run = run
        self.tmux = tmux
        self.name = name
        self.pid = None
        pidfile = run.art / f"{name}.pid"
        self.statusfile = run.art / f"{name}.status"
        inner = f"echo $$ > {shlex.quote(str(pidfile))}; exec {shlex.join(argv)}"
        outer = f"sh -c {shlex.quote(inner)}; echo \"exit=$?\" > {shlex.quote(str(self.statusfile))}"
        run.on_cleanup(self.stop)
        tmux.new_session(name, outer)
        got = run.wait(lambda: read_text(pidfile).strip().isdigit(), 5)
        run.require(f"{name} starts in tmux", got, f"no pid in {pidfile}")
        self.pid = int(read_text(pidfile))
        run.snapshots.append(self.snapshot)

    def snapshot(self, label):
        if self.tmux.has(self.name):
            (self.run.art / f"screen-{self.name}-{label}.txt").write_text(self.tmux.capture(self.name))

    def screen(self):
        return self.tmux.capture(self.name)

    def check_exit(self, what):
        """After /quit: exit status 0, process gone, tmux pane gone."""
        gone = self.run.wait(lambda: self.statusfile.exists() and not pid_alive(self.pid)
                             and not self.tmux.has(self.name), STEP_TIMEOUT)
        status = read_text(self.statusfile).strip()
        detail = (f"status file: {status or '(none)'}; pid {self.pid} alive: {pid_alive(self.pid)}; "
                  f"tmux session present: {self.tmux.has(self.name)}\n{tail(self.screen(), 10)}")
        self.run.check(what, gone and status == "exit=0", detail)

    def stop(self):
        if self.pid is None or not pid_alive(self.pid):
            return
        signal_pid(self.pid, signal.SIGTERM)
        if not wait_for(lambda: not pid_alive(self.pid), 3):
            signal_pid(self.pid, signal.SIGKILL)


class Irssi(PaneClient):
    def __init__(self, run, tmux, nick):
        home = run.art / "irssi-home"
        home.mkdir()
        self.logdir = run.art / "irssi-logs"
        self.rawlog = run.art / "irssi-raw.log"
        self.nick = nick
        # No scripts (fresh home), no flood-protection delays, no paste prompt,
        # every window logged under logdir as <target>.log.
        (home / "config").write_text(f"""settings = {{
  core = {{
    nick = "{nick}";
    user_name = "{nick}";
    real_name = "{nick} (irssi)";
    settings_autosave = "no";
  }};
  "irc/core" = {{
    cmd_queue_speed = "1msec";
    cmds_max_at_once = "100";
  }};
  "fe-common/core" = {{
    autolog = "yes";
    autolog_path = "{self.logdir}/$0.log";
    autolog_level = "all";
  }};
  "fe-text" = {{
    paste_detect_time = "0";
  }};
}};
""")
        super().__init__(run, tmux, "irssi", ["irssi", f"--home={home}", "-n", nick])
        ready = run.wait(lambda: re.search(r"Irssi v\d", self.screen()), 5)
        run.require("irssi shows its banner", ready, tail(self.screen()))

    def command(self, text):
        self.tmux.send_line(self.name, text)

    def log(self, target):
        return self.logdir / f"{target}.log"


def weechat_major():
    try:
        out = subprocess.run(["weechat-headless", "--version"], capture_output=True,
                             text=True, timeout=10).stdout
        return int(out.strip().split(".")[0])
    except (OSError, ValueError, subprocess.TimeoutExpired):
        return 3


class WeeChat(PaneClient):
    """weechat-headless, driven through its FIFO; reads back its logger files."""

    def __init__(self, run, tmux, nick, port):
        self.home = run.art / "weechat-home"
        self.home.mkdir()
        self.nick = nick
        # WeeChat 4 turned TLS on by default; 3.8 does not know -notls.
        tls = " -notls" if weechat_major() >= 4 else ""
        setup = ";".join([
            "/set weechat.look.save_config_on_exit off",
            "/set logger.file.flush_delay 0",
            "/set irc.server_default.autoreconnect off",
            f"/set irc.server_default.nicks {nick}",
            f"/set irc.server_default.username {nick}",
            f"/set irc.server_default.realname {nick}",
            f"/server add e2e 127.0.0.1/{port} -password={PASSWORD}{tls}",
            "/connect e2e",
        ])
        argv = ["weechat-headless", "--dir", str(self.home), "--stdout",
                "--no-script", "--plugins", "irc,logger,fifo", "--run-command", setup]
        super().__init__(run, tmux, "weechat", argv)
        self.fifo_path = self.home / f"weechat_fifo_{self.pid}"
        ready = run.wait(lambda: self.fifo_path.exists(), 5)
        run.require("weechat opens its FIFO", ready, tail(self.screen()))

    def fifo(self, buffer, text):
        """Run text as if typed in buffer ("irc.server.e2e", "irc.e2e.#e2e")."""
        try:
            fd = os.open(self.fifo_path, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as e:
            # ENXIO: nobody reads the FIFO, so WeeChat is gone.
            self.run.require(f"weechat reads its FIFO ({text})", False,
                             f"{e}\n{tail(self.screen())}")
        try:
            os.write(fd, f"{buffer} *{text}\n".encode())
        finally:
            os.close(fd)

    def log(self, target):
        name = "server.e2e" if target is None else f"e2e.{target}"
        return self.home / "logs" / f"irc.{name}.weechatlog"


def error_numerics(lines, allowed):
    """Lines from the server carrying a 4xx/5xx numeric, minus allowed ones."""
    bad = []
    for line in lines:
        m = re.match(r":\S+ ([45]\d\d) (\S+)", line)
        if m and not allowed(m.group(1), m.group(2)):
            bad.append(line)
    return bad


def scenario_nc_fragments(run, port):
    """A command split as typed into `nc -C` with Ctrl-D between pieces."""
    nc = RawClient(run, "nc", port)
    pause = 0.3
    nc.send_bytes(b"PA")
    time.sleep(pause)
    nc.send_bytes(f"SS {PASSWORD}\r\n".encode())
    nc.send_bytes(b"NI")
    time.sleep(pause)
    nc.send_bytes(b"CK ncbob")
    time.sleep(pause)
    early = list(nc.log.received())
    nc.send_bytes(b"\r\n")
    run.check("nc: no reply to a partial line", not early,
              "the server answered before the line was complete:\n" + "\n".join(early))
    nc.send_bytes(b"USER ncbob 0 * :nc")
    time.sleep(pause)
    nc.send_bytes(b" user\r\n")
    expect_raw(run, "nc: fragmented PASS/NICK/USER registers (001 ncbob)", nc, r"^:\S+ 001 ncbob ")
    mark = nc.mark()
    nc.send_bytes(b"QU")
    time.sleep(pause)
    nc.send_bytes(b"IT :done\r\n")
    expect_raw(run, "nc: fragmented QUIT gets ERROR", nc, r"^ERROR ", mark)
    run.check("nc: server closes the connection after QUIT", run.wait(lambda: nc.eof, 3))


def register_raw(run, name, port, caps=()):
    cli = RawClient(run, name, port)
    if caps:
        cli.send("CAP LS 302")
        cli.send("CAP REQ :" + " ".join(caps))
    cli.send(f"PASS {PASSWORD}")
    cli.send(f"NICK {name}")
    cli.send(f"USER {name} 0 * :{name} (raw)")
    if caps:
        cli.send("CAP END")
    expect_raw(run, f"{name} (raw) registers", cli, rf"^:\S+ 001 {name} ", require=True)
    return cli


def connect_clients(run, srv, tmux):
    irssi = Irssi(run, tmux, "alice")
    irssi.command(f"/connect -rawlog {irssi.rawlog} 127.0.0.1 {srv.port} {PASSWORD} alice")
    expect_log(run, "irssi registers (001 alice)", irssi.rawlog, r"^>> :\S+ 001 alice ", require=True)

    proxy = Proxy(run, srv.port, "weechat")
    wee = WeeChat(run, tmux, "bob", proxy.port)
    wee.raw = proxy.log
    ok = run.wait(lambda: any(re.match(r":\S+ 001 bob ", ln) for ln in proxy.log.received()))
    run.require("weechat registers (001 bob)", ok, tail(read_text(wee.log(None))))
    acks = [ln for ln in proxy.log.received() if re.match(r":\S+ CAP \S+ ACK ", ln)]
    print(f"     (weechat enabled: {acks[0].split(' ACK ', 1)[1].lstrip(':') if acks else 'no capabilities'})")

    carol = register_raw(run, "carol", srv.port, caps=("echo-message",))
    run.check("carol: echo-message acknowledged", carol.find(r"CAP \S+ ACK :echo-message"),
              tail("\n".join(carol.log.received())))
    return irssi, wee, carol


def join_and_topic(run, irssi, wee, carol):
    chan = irssi.log(CHAN)
    irssi.command(f"/join {CHAN}")
    expect_log(run, "irssi joins #e2e", chan, r"alice \[\S+\] has joined #e2e", require=True)
    ok = run.wait(lambda: re.search(r"Join to #e2e was synced in \d+ secs", read_text(chan)), SYNC_TIMEOUT)
    raw = read_text(irssi.rawlog)
    after_join = raw[raw.find("<< JOIN #e2e"):] if "<< JOIN #e2e" in raw else raw
    traffic = [ln for ln in after_join.splitlines() if ln.startswith(("<<", ">>"))]
    run.check("irssi reports #e2e synced", ok,
              f"irssi never printed 'Join to #e2e was synced in N secs' within {SYNC_TIMEOUT:.0f}s.\n"
              "irssi syncs a channel once MODE #e2e (324), WHO #e2e %tcuhnfdar (354..315)\n"
              "and MODE #e2e b (368) are answered. Its traffic after JOIN:\n" + tail("\n".join(traffic), 14))

    irssi.command(f"/topic {CHAN} {TOPIC}")
    expect_log(run, "irssi shows the topic it set", chan,
               rf"alice changed the topic of #e2e to: {re.escape(TOPIC)}")

    wee.fifo("irc.server.e2e", f"/join {CHAN}")
    wchan = wee.log(CHAN)
    expect_log(run, "weechat joins #e2e", wchan, r"bob (\(.*\) )?\(\S+\) has joined #e2e", require=True)
    expect_log(run, "weechat shows the topic", wchan, rf'Topic for #e2e is "{re.escape(TOPIC)}"')
    expect_log(run, "irssi sees bob join", chan, r"bob \[\S+\] has joined #e2e")

    carol.send(f"JOIN {CHAN}")
    expect_raw(run, "carol joins #e2e (366)", carol, r" 366 carol #e2e ", require=True)
    expect_raw(run, "carol gets the topic (332)", carol, rf" 332 carol #e2e :{re.escape(TOPIC)}$")
    expect_log(run, "irssi sees carol join", chan, r"carol \[\S+\] has joined #e2e")
    expect_log(run, "weechat sees carol join", wchan, r"carol (\(.*\) )?\(\S+\) has joined #e2e")


def channel_messages(run, irssi, wee, carol):
    chan, wchan = irssi.log(CHAN), wee.log(CHAN)
    m = carol.mark()
    irssi.command(f"/msg {CHAN} hello from alice")
    expect_log(run, "weechat shows alice's channel message", wchan, wsaid("alice", "hello from alice"))
    expect_raw(run, "carol gets alice's channel message", carol,
               r"^:alice!\S+ PRIVMSG #e2e :hello from alice$", m)

    wee.fifo("irc.e2e.#e2e", "hello from bob")
    expect_log(run, "irssi shows bob's channel message", chan, said("bob", "hello from bob"))
    expect_raw(run, "carol gets bob's channel message", carol,
               r"^:bob!\S+ PRIVMSG #e2e :hello from bob$", m)

    m = carol.mark()
    carol.send(f"PRIVMSG {CHAN} :hello from carol")
    expect_log(run, "irssi shows carol's channel message", chan, said("carol", "hello from carol"))
    expect_log(run, "weechat shows carol's channel message", wchan, wsaid("carol", "hello from carol"))
    expect_raw(run, "carol's own message is echoed (echo-message)", carol,
               r"^:carol!\S+ PRIVMSG #e2e :hello from carol$", m)

    # Give a duplicate (echo plus local display) time to arrive before counting.
    time.sleep(0.5)
    n = len(re.findall(wsaid("bob", "hello from bob"), read_text(wchan), re.M))
    run.check("weechat shows its own message exactly once", n == 1,
              f"'hello from bob' appears {n} times in {wchan.name}:\n{tail(read_text(wchan))}")
    n = len(re.findall(said("alice", "hello from alice"), read_text(chan), re.M))
    run.check("irssi shows its own message exactly once", n == 1,
              f"'hello from alice' appears {n} times in {chan.name}")
    n = carol.count(r"PRIVMSG #e2e :hello from carol$", m)
    run.check("carol gets her echo exactly once", n == 1, f"got it {n} times")


def private_messages(run, irssi, wee, carol):
    m = carol.mark()
    irssi.command("/msg bob psst bob, alice here")
    expect_log(run, "weechat shows alice's private message", wee.log("alice"),
               wsaid("alice", "psst bob, alice here"))
    wee.fifo("irc.server.e2e", "/msg alice psst alice, bob here")
    expect_log(run, "irssi shows bob's private message", irssi.log("bob"),
               said("bob", "psst alice, bob here"))
    carol.send("PRIVMSG alice :psst alice, carol here")
    carol.send("PRIVMSG bob :psst bob, carol here")
    expect_log(run, "irssi shows carol's private message", irssi.log("carol"),
               said("carol", "psst alice, carol here"))
    expect_log(run, "weechat shows carol's private message", wee.log("carol"),
               wsaid("carol", "psst bob, carol here"))
    irssi.command("/msg carol psst carol, alice here")
    wee.fifo("irc.server.e2e", "/msg carol psst carol, bob here")
    expect_raw(run, "carol gets alice's private message", carol,
               r"^:alice!\S+ PRIVMSG carol :psst carol, alice here$", m)
    expect_raw(run, "carol gets bob's private message", carol,
               r"^:bob!\S+ PRIVMSG carol :psst carol, bob here$", m)


def mode_by_alice(run, irssi, carol, modes, pattern):
    m = carol.mark()
    irssi.command(f"/mode {CHAN} {modes}")
    expect_raw(run, f"irssi sets {modes}; carol sees it", carol, pattern, m)
    return carol.mark()


def operator_commands(run, srv, irssi, wee, carol):
    chan, wchan = irssi.log(CHAN), wee.log(CHAN)

    # +t: topic protection. Off first (new channels may start +t, see the
    # 324 irssi got), so that +t then visibly changes what carol may do.
    created = re.search(r"^>> :\S+ 324 alice #e2e (\S+)", read_text(irssi.rawlog), re.M)
    if created and "t" in created.group(1):
        mode_by_alice(run, irssi, carol, "-t", r"^:alice!\S+ MODE #e2e :?-t")
    carol.send(f"TOPIC {CHAN} :carol was here")
    expect_log(run, "irssi shows the topic carol set under -t", chan,
               r"carol changed the topic of #e2e to: carol was here")
    expect_log(run, "weechat shows the topic carol set under -t", wchan,
               r"carol has changed topic for #e2e.*carol was here")
    m = mode_by_alice(run, irssi, carol, "+t", r"^:alice!\S+ MODE #e2e :?\+t")
    carol.send(f"TOPIC {CHAN} :not allowed")
    expect_raw(run, "+t: carol's TOPIC gets 482", carol, r" 482 carol #e2e ", m)

    # +k: the key is needed to join.
    m = mode_by_alice(run, irssi, carol, f"+k {KEY}", r"^:alice!\S+ MODE #e2e :?\+k")
    expect_log(run, "weechat shows +k by alice", wchan, rf"Mode #e2e \[\+k {KEY}\] by alice")
    carol.send(f"PART {CHAN}")
    carol.send(f"JOIN {CHAN}")
    expect_raw(run, "+k: JOIN without key gets 475", carol, r" 475 carol #e2e ", m)
    m = carol.mark()
    carol.send(f"JOIN {CHAN} {KEY}")
    expect_raw(run, "+k: JOIN with key succeeds", carol, r"^:carol!\S+ JOIN :?#e2e", m)

    # +l: a fourth member is refused.
    m = mode_by_alice(run, irssi, carol, "+l 3", r"^:alice!\S+ MODE #e2e :?\+l :?3")
    dave = register_raw(run, "dave", srv.port)
    dave.send(f"JOIN {CHAN} {KEY}")
    expect_raw(run, "+l 3: a fourth JOIN gets 471", dave, r" 471 dave #e2e ")

    # +i and INVITE.
    m = mode_by_alice(run, irssi, carol, "+i", r"^:alice!\S+ MODE #e2e :?\+i")
    carol.send(f"PART {CHAN}")
    carol.send(f"JOIN {CHAN} {KEY}")
    expect_raw(run, "+i: JOIN without invite gets 473", carol, r" 473 carol #e2e ", m)
    m = carol.mark()
    irssi.command(f"/invite carol {CHAN}")
    expect_raw(run, "irssi's INVITE reaches carol", carol, r"^:alice!\S+ INVITE carol :?#e2e", m)
    expect_log(run, "irssi gets 341 for its INVITE", irssi.rawlog, r"^>> :\S+ 341 alice carol :?#e2e")
    carol.send(f"JOIN {CHAN} {KEY}")
    expect_raw(run, "+i: invited carol joins", carol, r"^:carol!\S+ JOIN :?#e2e", m)

    # +o: bob becomes an operator and uses it from WeeChat.
    m = mode_by_alice(run, irssi, carol, "+o bob", r"^:alice!\S+ MODE #e2e :?\+o :?bob")
    expect_log(run, "weechat shows +o bob by alice", wchan, r"Mode #e2e \[\+o bob\] by alice")
    wee.fifo("irc.e2e.#e2e", f"/mode {CHAN} -il")
    expect_raw(run, "weechat (now op) sets -il; carol sees it", carol, r"^:bob!\S+ MODE #e2e :?-[il]", m)
    # irssi holds other users' mode changes back a few seconds to merge them.
    expect_log(run, "irssi shows the mode change by bob", chan, r"mode/#e2e \[-\S+\] by bob",
               timeout=10)

    # KICK.
    m = carol.mark()
    irssi.command(f"/kick {CHAN} carol out you go")
    expect_raw(run, "irssi's KICK reaches carol", carol, r"^:alice!\S+ KICK #e2e carol :out you go$", m)
    expect_log(run, "weechat shows the kick", wchan, r"alice has kicked carol \(out you go\)")
    expect_log(run, "irssi shows the kick", chan, r"carol was kicked from #e2e by alice \[out you go\]")
    m = carol.mark()
    carol.send(f"JOIN {CHAN} {KEY}")
    expect_raw(run, "carol rejoins after -il", carol, r"^:carol!\S+ JOIN :?#e2e", m)
    return dave


def part_and_quit(run, irssi, wee, carol, dave):
    chan = irssi.log(CHAN)
    m = carol.mark()
    wee.fifo("irc.e2e.#e2e", "/part see you later")
    expect_log(run, "irssi shows bob's part", chan, r"bob \[\S+\] has left #e2e \[see you later\]")
    expect_raw(run, "carol sees bob's part", carol, r"^:bob!\S+ PART #e2e :?see you later", m)
    size = log_size(chan)
    wee.fifo("irc.server.e2e", f"/join {CHAN} {KEY}")
    expect_log(run, "bob rejoins with the key", chan, r"bob \[\S+\] has joined #e2e", size)

    m = carol.mark()
    wee.snapshot("before-quit")
    wee.fifo("core.weechat", "/quit bye from bob")
    expect_log(run, "irssi shows bob's quit", chan, r"bob \[\S+\] has quit \[.*bye from bob\]")
    expect_raw(run, "carol sees bob's quit", carol, r"^:bob!\S+ QUIT :.*bye from bob", m)
    wee.check_exit("weechat exits with status 0 and its pane closes")

    irssi.snapshot("before-quit")
    irssi.command("/quit bye from alice")
    expect_raw(run, "carol sees alice's quit", carol, r"^:alice!\S+ QUIT :.*bye from alice", m)
    irssi.check_exit("irssi exits with status 0 and its pane closes")

    for cli in (dave, carol):
        m = cli.mark()
        cli.send("QUIT :done")
        expect_raw(run, f"{cli.name}: QUIT gets ERROR", cli, r"^ERROR ", m)


def final_log_checks(run, irssi, wee, carol, dave):
    raw = [ln[3:] for ln in read_text(irssi.rawlog).splitlines() if ln.startswith(">> ")]
    first = next((i for i, ln in enumerate(raw) if re.match(r":\S+ 001 ", ln)), len(raw))
    # irssi sends "JOIN :" before registering on purpose and expects 451.
    bad = error_numerics(raw[:first], lambda code, target: code == "451") + \
        error_numerics(raw[first:], lambda code, target: False)
    run.check("irssi got no error numerics", not bad, "\n".join(bad))
    bad = error_numerics(wee.raw.received(), lambda code, target: False)
    run.check("weechat got no error numerics", not bad, "\n".join(bad))
    expected = {"carol": {"482", "475", "473"}, "dave": {"471"}}
    for cli in (carol, dave):
        bad = error_numerics(cli.log.received(), lambda code, target, n=cli.name: code in expected[n])
        run.check(f"{cli.name} got only the expected error numerics", not bad, "\n".join(bad))

    files = sorted(irssi.logdir.glob("*.log")) + [irssi.rawlog] + \
        sorted((wee.home / "logs").glob("*.weechatlog")) + sorted(run.art.glob("screen-*.txt"))
    hits = [f"{f.name}: {ln}" for f in files for ln in read_text(f).splitlines()
            if re.search(r"unknown command", ln, re.I)]
    run.check("no 'Unknown command' in any client log or screen", not hits, "\n".join(hits))
    core = wee.home / "logs" / "core.weechat.weechatlog"
    errs = [ln for ln in read_text(core).splitlines() if "\t=!=\t" in ln]
    run.check("weechat accepted every setup command", not errs, "\n".join(errs))


def scenario_three_clients(run, srv):
    tmux = Tmux(run)
    irssi, wee, carol = connect_clients(run, srv, tmux)
    join_and_topic(run, irssi, wee, carol)
    channel_messages(run, irssi, wee, carol)
    private_messages(run, irssi, wee, carol)
    dave = operator_commands(run, srv, irssi, wee, carol)
    part_and_quit(run, irssi, wee, carol, dave)
    final_log_checks(run, irssi, wee, carol, dave)


def dump_artifacts(art):
    print(f"\n--- artifacts in {art} ---")
    files = [p for p in sorted(art.rglob("*")) if p.is_file() and p.suffix in
             (".log", ".txt", ".weechatlog", ".status")]
    for path in files:
        print(f"\n===== {path.relative_to(art)} =====")
        print(tail(read_text(path), 150))
    print(f"\n--- end of artifacts (kept in {art}) ---\n")


def main():
    binary = os.environ.get("IRCSERV_BIN") or str(ROOT / "ircserv")
    art = Path(tempfile.mkdtemp(prefix="ircserv-e2e-"))
    run = Run(art)
    missing = [t for t in ("irssi", "weechat-headless", "tmux") if shutil.which(t) is None]
    srv = Server(run, binary)
    try:
        run.require("test tools installed", not missing,
                    f"missing: {' '.join(missing)} (make deps installs them)")
        run.require("server binary exists", os.access(binary, os.X_OK), f"not executable: {binary}")
        srv.start()
        scenario_nc_fragments(run, srv.port)
        scenario_three_clients(run, srv)
    except Abort as e:
        run.fatal.clear()
        if e.counted:
            print("     (scenario stopped)", flush=True)
        else:
            run.check("scenario runs to the end", False, str(e))
    except Exception:
        run.fatal.clear()
        run.check("test harness ran without errors", False, traceback.format_exc())
    finally:
        run.cleanup()
    if srv.port is not None:
        run.check("server exits with status 0 on SIGTERM", srv.status == 0,
                  f"status {srv.status}\n{tail(read_text(srv.log))}")
    if run.failed:
        dump_artifacts(art)
    elif os.environ.get("IRCSERV_E2E_KEEP") != "1":
        shutil.rmtree(art, ignore_errors=True)
    print(f"{run.passed} passed, {run.failed} failed", flush=True)
    return 1 if run.failed else 0


if __name__ == "__main__":
    sys.exit(main())
