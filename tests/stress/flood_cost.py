"""The "cost" phase of tests/stress/stress.py: 30 attackers at flood pace
send the costliest lines of tests/bench/irccost.py against large state,
while a probe client's PING round trips stay short and a chat between two
other clients arrives complete and in order.

Generous bounds, not a benchmark: PING p99 under 100 ms, every chat
message in order. An operator reads STATS r before and after the attack:
the longest loop round (wall and the server's own CPU time) and how many
rounds worked more than 5 ms are printed, not checked. The probe and the chat connect from 127.0.0.2, which is
flood-exempt, so that their own pace is not throttled; the attackers come
from 127.0.0.1 under default flood control.
"""
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bench"))
import irccost  # noqa: E402

ATTACKERS = 30
DURATION_S = 20.0
PROBE_EVERY_S = 0.05
CHAT_EVERY_S = 0.02
EXEMPT = "127.0.0.2"


class Attacker(threading.Thread):
    """Sends the worst lines round-robin: a burst, then 2 lines a second
    (the default flood_rate); reconnects when cut off."""

    def __init__(self, port, k, lines, stop):
        super().__init__(daemon=True)
        self.port, self.k, self.lines, self.stop = port, k, lines, stop
        self.sent = self.reconnects = 0
        self.error = None

    def connect(self):
        line = irccost.Line(self.port, "att%d_%d" % (self.k, self.reconnects))
        line.sendline("JOIN #big,#own%d" % self.k)
        return line

    def run(self):
        try:
            conn = self.connect()
            i = 0
            while not self.stop.is_set():
                if conn.closed:
                    conn.close()
                    self.reconnects += 1
                    conn = self.connect()
                _name, make, _marker, _batch = self.lines[(i + self.k) % len(self.lines)]
                conn.sendline(make(i) if callable(make) else make)
                self.sent += 1
                i += 1
                # The first 10 lines are the burst flood control allows.
                self.stop.wait(0.0 if i < 10 else 0.5)
            conn.close()
        except (OSError, RuntimeError) as e:
            self.error = e


def probe_pings(port, stop, rtts):
    probe = irccost.Line(port, "probe", src=EXEMPT)
    n = 0
    while not stop.is_set():
        t0 = time.monotonic()
        if not probe.sync("p%d" % n, 5.0):
            rtts.append(5.0)
            break
        rtts.append(time.monotonic() - t0)
        n += 1
        stop.wait(PROBE_EVERY_S)
    probe.close()


def chat(port, stop, result):
    a = irccost.Line(port, "chatA", src=EXEMPT)
    b = irccost.Line(port, "chatB", src=EXEMPT)
    b.keep_lines = True
    a.sendline("JOIN #chat")
    b.sendline("JOIN #chat")
    a.sync("a")
    b.sync("b")
    sent = 0
    while not stop.is_set():
        a.sendline("PRIVMSG #chat :chat %d" % sent)
        sent += 1
        stop.wait(CHAT_EVERY_S)
    b.sync("end", 10.0)
    got = [int(l.rsplit(b" ", 1)[1]) for l in b.lines if b" PRIVMSG #chat :chat " in l]
    result.update(sent=sent, got=got)
    a.close()
    b.close()


def round_figures(figures, before, after):
    """The loop's rounds during the attack, from two STATS r readings."""
    def over(h):
        return sum(n for b, n in zip(after["buckets"], h)
                   if b in ("<=10000us", "<=50000us", ">50000us"))

    hist = {k: [a - b for a, b in zip(after[k], before[k])] for k in ("hist_wall", "hist_cpu")}
    figures.append(("cost: loop rounds", "%d, longest %.1f ms wall / %.1f ms CPU; "
                    "over 5 ms: %d wall, %d CPU" % (
                        after["rounds"] - before["rounds"], after["recent_wall_us"] / 1000.0,
                        after["recent_cpu_us"] / 1000.0, over(hist["hist_wall"]),
                        over(hist["hist_cpu"]))))


def run(chk, binary, tmpdir, figures):
    srv = irccost.start_server(binary, tmpdir, "cost", "flood_exempt = %s\n" % EXEMPT)
    drain = op = watch = None
    attackers, stop = [], threading.Event()
    try:
        drain, op = irccost.build_state(srv.port, srv.pid, log=lambda s: None)
        chk.check("cost: state built (2000 users, 1000 channels, #big, #t)", True)
        lines = [w for w in irccost.worst_lines() if w[1] is not None and "baseline" not in w[0]]
        rtts, chat_result = [], {}
        watch = irccost.Line(srv.port, "watch", src=EXEMPT)
        chk.check("cost: operator for STATS r", watch.oper())
        rounds0 = watch.rounds()
        helpers = [threading.Thread(target=probe_pings, args=(srv.port, stop, rtts)),
                   threading.Thread(target=chat, args=(srv.port, stop, chat_result))]
        for k in range(ATTACKERS):
            attackers.append(Attacker(srv.port, k, lines, stop))
        cpu0, t0 = srv.cpu_s(), time.monotonic()
        for t in attackers + helpers:
            t.start()
        stop.wait(DURATION_S)
        stop.set()
        for t in attackers + helpers:
            t.join(30)
        cpu = (srv.cpu_s() - cpu0) / (time.monotonic() - t0)
        round_figures(figures, rounds0, watch.rounds())
        rtts.sort()
        p99 = rtts[int(len(rtts) * 0.99) - 1] if rtts else 9.9
        sent = sum(a.sent for a in attackers)
        figures.append(("cost: attack", "%d lines from %d attackers in %.0f s, %d reconnects, "
                        "server CPU %.0f%%" % (sent, ATTACKERS, DURATION_S,
                                              sum(a.reconnects for a in attackers), cpu * 100)))
        figures.append(("cost: probe PING", "%d round trips, p50 %.1f ms, p99 %.1f ms, max %.1f ms"
                        % (len(rtts), rtts[len(rtts) // 2] * 1000 if rtts else 0, p99 * 1000,
                           rtts[-1] * 1000 if rtts else 0)))
        errors = [a.error for a in attackers if a.error]
        chk.check("cost: attackers ran without errors", not errors, str(errors[:3]))
        chk.check("cost: probe PING p99 under 100 ms", len(rtts) > 50 and p99 < 0.1,
                  "%d round trips, p99 %.1f ms" % (len(rtts), p99 * 1000))
        got, n = chat_result.get("got", []), chat_result.get("sent", -1)
        chk.check("cost: chat got every message, in order", got == list(range(n)) and n > 100,
                  "sent %d, got %d, first out of order at %s" % (
                      n, len(got), next((i for i, v in enumerate(got) if v != i), None)))
        chk.check("cost: server alive", srv.proc.poll() is None)
    finally:
        stop.set()
        for c in (op, watch):
            if c:
                c.close()
        if drain:
            drain.close_all()
        code = srv.stop()
    chk.check("cost: server exits with status 0 on SIGTERM", code == 0, "status %s" % code)
