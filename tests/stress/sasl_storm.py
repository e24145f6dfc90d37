#!/usr/bin/env python3
"""SASL under attack: password checks must not stall the server, and
attackers must not lock real users out.

Usage: IRCSERV_BIN=build/release/ircserv python3 tests/stress/sasl_storm.py

Python 3 standard library only; loopback only (Linux routes all of
127.0.0.0/8 to lo, so clients bind 127.0.0.2 ... as their source). The
script starts its own server with one account hashed as
`ircserv --mkpasswd` does (200 000 PBKDF2 iterations) and runs two phases:

  burst   8 clients from 8 addresses each send a PLAIN login with a wrong
          password at once, queueing 8 full-cost checks, while an idle
          client from 127.0.0.1 (flood-exempt, so it may ping as fast as
          it likes) measures PING round trips until the 8 answers are in:
          the loop's longest stall shows as the longest round trip.
  storm   60 peers from 127.0.0.2-127.0.0.5 (15 each) spray failed logins,
          half for an account that does not exist and half for the real
          one with wrong passwords, for STORM_S seconds, while real users
          from 127.0.0.10-127.0.0.13 log in every 1.5 s each; counts how
          many real logins succeed (900 + 903), and pings meanwhile.

It prints the figures, checks generous bounds (the machine may be loaded:
the exact figures are for docs/security.md, the bounds only catch a
server that blocks), and ends with "N passed, N failed"; exit status 1 if
any check failed. Every wait is bounded; the run takes about 30 s.
TEST_EVENT_BACKEND=epoll (or poll) adds that event_backend to the server's
configuration, as for tests/stress/stress.py.
"""
import base64
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

PASSWORD = "storm-pw"
ACCOUNT, ACCOUNT_PASS = "real", "correct horse"
ATTACK_ADDRS = ["127.0.0.%d" % i for i in range(2, 6)]
PER_ADDR = 15
REAL_ADDRS = ["127.0.0.%d" % i for i in range(10, 14)]
BURST_ADDRS = ["127.0.0.%d" % i for i in range(20, 28)]
STORM_S = 15.0
REAL_EVERY_S = 1.5
LOGIN_TIMEOUT_S = 20.0
# Bounds for make test: generous, for a loaded 2-core machine.
MAX_BURST_RTT_MS = 100.0
MIN_REAL_SUCCESS = 0.90
# The loop's own work in one round during the burst of 8 checks (STATS r,
# thread CPU time): the target is 5 ms (one slice of a check is about
# 1.3 ms here; 2.7-3.6 ms seen, once 11.5 ms on a machine at load 9,
# where CPU time stretches too); the bound catches a check run whole on
# the loop (130 ms), not a loaded machine.
MAX_ROUND_CPU_MS = 50.0
# conf/ircserv.conf's example operator password, "change-me".
OPER_HASH = "$pbkdf2-sha256$200000$IIxQ1NoYoXrIYIho3KXxPg$H8VHQIfXy7PHo7gOgJoK2kA149p3YZtVN613beEu5no"

START = time.monotonic()
passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
    print("%s [%5.1fs] %s%s" % ("ok  " if ok else "FAIL", time.monotonic() - START,
                                name, "" if ok or not detail else "\n       " + detail),
          flush=True)
    return ok


def figure(name, value):
    print("     %-40s %s" % (name, value), flush=True)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Conn:
    """A line-oriented client bound to a source address."""

    def __init__(self, port, src="127.0.0.1", timeout=10.0):
        self.s = socket.socket()
        self.s.settimeout(timeout)
        self.s.bind((src, 0))
        self.s.connect(("127.0.0.1", port))
        self.buf = b""

    def send(self, line):
        self.s.sendall(line.encode() + b"\r\n")

    def line(self):
        while b"\n" not in self.buf:
            data = self.s.recv(4096)
            if not data:
                raise ConnectionError("closed")
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return line.rstrip(b"\r").decode(errors="replace")

    def wait_for(self, *needles, deadline=None):
        """The first line holding one of needles; None on timeout or close."""
        deadline = deadline or time.monotonic() + LOGIN_TIMEOUT_S
        try:
            while time.monotonic() < deadline:
                self.s.settimeout(max(0.05, deadline - time.monotonic()))
                ln = self.line()
                if any(n in ln for n in needles):
                    return ln
        except (OSError, ConnectionError):
            return None
        return None

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass


def plain(user, pw):
    return base64.b64encode(b"\0" + user.encode() + b"\0" + pw.encode()).decode()


def login(conn, user, pw):
    """One PLAIN attempt on conn (sasl already enabled): '903', '904' or None."""
    conn.send("AUTHENTICATE PLAIN")
    if conn.wait_for("AUTHENTICATE +", " 904 ") is None:
        return None
    conn.send("AUTHENTICATE " + plain(user, pw))
    ln = conn.wait_for(" 903 ", " 904 ")
    return None if ln is None else ("903" if " 903 " in ln else "904")


def sasl_conn(port, src):
    c = Conn(port, src)
    c.send("CAP REQ :sasl")
    if c.wait_for("ACK :sasl") is None:
        c.close()
        return None
    return c


def registered(port, nick):
    c = Conn(port)
    c.send("PASS " + PASSWORD)
    c.send("NICK " + nick)
    c.send("USER %s 0 * :%s" % (nick, nick))
    if c.wait_for(" 001 ") is None:
        raise RuntimeError("probe client did not register")
    c.wait_for(" 376 ", " 422 ", deadline=time.monotonic() + 5)
    return c


def loop_rounds(conn):
    """STATS r from an operator: the longest loop round since the previous
    STATS r, as (wall ms, thread CPU ms); (None, None) if not answered."""
    conn.send("STATS r")
    wall = cpu = None
    deadline = time.monotonic() + 10
    while True:
        ln = conn.wait_for(" 249 ", " 219 ", " 481 ", deadline=deadline)
        if ln is None or " 249 " not in ln:
            return wall, cpu
        words = ln.split(" :", 1)[1].split()
        if words[0] == "recent":
            wall, cpu = int(words[2]) / 1000.0, int(words[4]) / 1000.0


def check_rounds(phase, watch, bound=True):
    """Print the longest loop round of the phase; with bound, check it."""
    wall, cpu = loop_rounds(watch)
    figure("%s: longest loop round, wall / CPU (STATS r)" % phase,
           "%s / %s ms" % (wall, cpu))
    if bound:
        check("%s: longest loop round under %d ms of CPU (target 5 ms)"
              % (phase, MAX_ROUND_CPU_MS), cpu is not None and cpu < MAX_ROUND_CPU_MS,
              "%s ms" % cpu)


def ping_rtts(conn, stop, out):
    """Ping as fast as answers come until stop is set; RTTs in ms to out."""
    n = 0
    while not stop.is_set() and time.monotonic() - START < 120:
        n += 1
        t0 = time.perf_counter()
        conn.send("PING :p%d" % n)
        if conn.wait_for("PONG", deadline=time.monotonic() + 10) is None:
            out.append(10000.0)
            return
        out.append((time.perf_counter() - t0) * 1000.0)


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(len(v) * p))] if v else -1.0


def phase_burst(port, probe, watch):
    conns = [sasl_conn(port, a) for a in BURST_ADDRS]
    check("burst: 8 clients negotiated sasl", all(conns))
    conns = [c for c in conns if c]
    for c in conns:
        c.send("AUTHENTICATE PLAIN")
        c.wait_for("AUTHENTICATE +")
    rtts, stop = [], threading.Event()
    t = threading.Thread(target=ping_rtts, args=(probe, stop, rtts))
    loop_rounds(watch)
    t0 = time.monotonic()
    for c in conns:
        c.send("AUTHENTICATE " + plain(ACCOUNT, "wrong password"))
    t.start()
    answers = [c.wait_for(" 903 ", " 904 ") for c in conns]
    took = time.monotonic() - t0
    stop.set()
    t.join(15)
    check_rounds("burst", watch)
    for c in conns:
        c.close()
    check("burst: all 8 checks answered 904",
          all(a and " 904 " in a for a in answers), repr(answers))
    figure("burst: 8 checks answered within", "%.2f s" % took)
    figure("burst: PINGs during it", len(rtts))
    figure("burst: PING RTT median / p99 / max",
           "%.2f / %.2f / %.2f ms" % (pct(rtts, .5), pct(rtts, .99), max(rtts or [-1])))
    figure("burst: PINGs over 5 ms", sum(1 for r in rtts if r > 5))
    check("burst: pings were answered during the checks", len(rtts) >= 20, str(len(rtts)))
    check("burst: longest PING RTT under %d ms" % MAX_BURST_RTT_MS,
          rtts and max(rtts) < MAX_BURST_RTT_MS, "%.1f ms" % max(rtts or [-1]))


def attacker(port, src, idx, stop, counts, lock):
    c = None
    try:
        c = sasl_conn(port, src)
        if c is None:
            return
        k = 0
        while not stop.is_set():
            k += 1
            user = "ghost%d" % idx if k % 2 else ACCOUNT
            r = login(c, user, "guess%d" % k)
            with lock:
                counts[r or "none"] = counts.get(r or "none", 0) + 1
            if r is None:
                return
    except OSError:
        pass
    finally:
        if c:
            c.close()


def real_user(port, src, stop, results, lock):
    while not stop.is_set():
        t0 = time.monotonic()
        r, c = None, None
        try:
            c = sasl_conn(port, src)
            if c is not None:
                r = login(c, ACCOUNT, ACCOUNT_PASS)
        except OSError:
            r = None
        finally:
            if c:
                c.close()
        with lock:
            results.append((r, time.monotonic() - t0))
        stop.wait(max(0.0, REAL_EVERY_S - (time.monotonic() - t0)))


def phase_storm(port, probe, watch, srv_pid):
    stop, lock = threading.Event(), threading.Lock()
    counts, results, rtts = {}, [], []
    threads = [threading.Thread(target=attacker, args=(port, a, i * PER_ADDR + j, stop,
                                                        counts, lock))
               for i, a in enumerate(ATTACK_ADDRS) for j in range(PER_ADDR)]
    for t in threads:
        t.start()
    loop_rounds(watch)
    time.sleep(1.0)
    cpu0, t0 = cpu_s(srv_pid), time.monotonic()
    reals = [threading.Thread(target=real_user, args=(port, a, stop, results, lock))
             for a in REAL_ADDRS]
    for t in reals:
        t.start()
    pinger_stop = threading.Event()
    pinger = threading.Thread(target=ping_rtts, args=(probe, pinger_stop, rtts))
    pinger.start()
    time.sleep(STORM_S)
    stop.set()
    for t in reals:
        t.join(LOGIN_TIMEOUT_S + 5)
    cpu = (cpu_s(srv_pid) - cpu0) / max(0.001, time.monotonic() - t0)
    pinger_stop.set()
    pinger.join(15)
    for t in threads:
        t.join(LOGIN_TIMEOUT_S + 5)
    # Printed only: a storm round also handles the lines of up to 60
    # peers at once (3.5-11 ms of CPU seen), too close to a bound.
    check_rounds("storm", watch, bound=False)
    ok = sum(1 for r, _ in results if r == "903")
    rate = ok / len(results) if results else 0.0
    times = [d for r, d in results if r == "903"]
    figure("storm: attacker attempts answered", "%d (903 %d, 904 %d, no answer %d)" % (
        sum(counts.values()), counts.get("903", 0), counts.get("904", 0),
        counts.get("none", 0)))
    figure("storm: real logins succeeded", "%d of %d (%.0f %%)" % (ok, len(results), 100 * rate))
    figure("storm: real login time median / max",
           "%.2f / %.2f s" % (pct(times, .5), max(times or [-1])))
    figure("storm: PING RTT median / p99 / max",
           "%.2f / %.2f / %.2f ms" % (pct(rtts, .5), pct(rtts, .99), max(rtts or [-1])))
    figure("storm: server CPU", "%.0f %% of a core" % (100 * cpu))
    check("storm: attackers were answered, never logged in",
          counts.get("904", 0) > 0 and counts.get("903", 0) == 0, repr(counts))
    check("storm: at least 8 real logins tried", len(results) >= 8, str(len(results)))
    check("storm: >= %d %% of real logins succeed" % (100 * MIN_REAL_SUCCESS),
          rate >= MIN_REAL_SUCCESS, "%d of %d" % (ok, len(results)))


def cpu_s(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def main():
    binary = os.environ.get("IRCSERV_BIN", "./ircserv")
    tmp = tempfile.mkdtemp(prefix="ircserv-sasl-storm.")
    proc = None
    try:
        hashed = subprocess.run([binary, "--mkpasswd"], input=ACCOUNT_PASS + "\n",
                                capture_output=True, text=True, timeout=30).stdout.strip()
        check("account hash made with --mkpasswd (200000 iterations)",
              hashed.startswith("$pbkdf2-sha256$200000$"), hashed)
        conf = os.path.join(tmp, "storm.conf")
        with open(conf, "w") as f:
            # What the test needs, said explicitly: loopback addresses are
            # limited per address like any other (no connection limits, to
            # let 15 peers share one), and only 127.0.0.1 (the probe) is
            # exempt from flood control and the password-check budgets.
            f.write("bind = 127.0.0.1\nmax_per_ip = 0\nconnect_rate = 0\n"
                    "flood_exempt = 127.0.0.1\nlog_level = error\n"
                    "account %s {\n\tpassword = %s\n}\n" % (ACCOUNT, hashed) +
                    "oper watch {\n\tpassword = %s\n\thost = *@127.0.0.1\n}\n" % OPER_HASH)
            if os.environ.get("TEST_EVENT_BACKEND"):
                f.write("event_backend = %s\n" % os.environ["TEST_EVENT_BACKEND"])
        port = free_port()
        log = open(os.path.join(tmp, "server.log"), "w")
        proc = subprocess.Popen([binary, str(port), PASSWORD, "-c", conf],
                                stdout=log, stderr=log)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), 1).close()
                break
            except OSError:
                time.sleep(0.05)
        probe = registered(port, "probe")
        watch = registered(port, "watch")
        watch.send("OPER watch change-me")
        check("operator for STATS r", watch.wait_for(" 381 ", " 464 ", " 491 ") is not None)
        phase_burst(port, probe, watch)
        phase_storm(port, probe, watch, proc.pid)
        probe.send("PING :last")
        check("server still answers", probe.wait_for("PONG", deadline=time.monotonic() + 10)
              is not None)
        probe.close()
        watch.close()
    except Exception as e:  # a harness error is a failure, not a crash
        check("no harness error", False, repr(e))
    finally:
        if proc is not None:
            proc.send_signal(signal.SIGTERM)
            try:
                rc = proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                rc = proc.wait()
            check("server exits with status 0 on SIGTERM", rc == 0, str(rc))
        if os.environ.get("STRESS_KEEP") != "1":
            shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
