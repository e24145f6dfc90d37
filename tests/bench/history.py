#!/usr/bin/env python3
"""The history store's two figures (docs/performance.md, "History"):
the memory 100,000 kept messages cost, and the server CPU of
`CHATHISTORY LATEST #chan * 100`.

Usage: IRCSERV_BIN=./ircserv python3 tests/bench/history.py   (make bench-history)

One flood-exempt client joins 100 channels and sends 1,000 PRIVMSGs of 80
to 120 bytes of text to each (100,000 in all; the default history_lines of
1,000 per channel keeps every one, the two JOINs of #h0 being pushed out);
the server's resident set (VmRSS) is read before and after, and the oldest
message of #h0 is checked to be there still. Then a client with batch, server-time,
message-tags and draft/chathistory asks `CHATHISTORY LATEST #h0 * 100` N
times, one at a time, each followed by a PING whose PONG marks the end of
its work; the figure is the server's user + system CPU over those N, from
/proc/<pid>/stat, divided by N. HISTORY_N=N changes N (default 2000);
exit status 1 if a figure is over its target (40 MB, 1 ms).
"""
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import irccost  # noqa: E402

CHANNELS = 100
PER_CHANNEL = 1000
TARGET_MB = 40.0
TARGET_MS = 1.0
CONFIG = irccost.CONFIG + "flood_exempt = 127.0.0.1\nchannels_per_user = 200\n"


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def text(i):
    """80 to 120 bytes, different for every message."""
    base = "message %d of the history benchmark, with some words to fill it " % i
    return (base * 2)[:80 + i % 41]


def fill(srv, sender):
    for c in range(CHANNELS):
        sender.sendline("JOIN #h%d" % c)
    if not sender.sync("joined"):
        raise RuntimeError("joins not done")
    irccost.wait_idle(srv.pid)
    before = rss_kb(srv.pid)
    t0 = time.monotonic()
    for i in range(CHANNELS * PER_CHANNEL):
        sender.sendline("PRIVMSG #h%d :%s" % (i % CHANNELS, text(i)))
        if i % 5000 == 4999 and not sender.sync("fill"):
            raise RuntimeError("no answer while filling")
    if not sender.sync("filled"):
        raise RuntimeError("no answer after filling")
    after = rss_kb(srv.pid)
    print("  %d messages sent in %.1f s" % (CHANNELS * PER_CHANNEL,
                                           time.monotonic() - t0))
    return before, after


def reader_for(srv):
    """The client that asks for history; on #h0 before the messages come,
    so that its JOIN pushes out no message of the 1,000."""
    reader = irccost.Line(srv.port, "reader")
    reader.sendline("CAP REQ :batch server-time message-tags draft/chathistory")
    reader.sendline("JOIN #h0")
    if not reader.sync("ready"):
        raise RuntimeError("reader not ready")
    return reader


def latest_cost(srv, reader, n):
    # Check the answer once: a batch of 100 messages.
    reader.keep_lines = True
    reader.sendline("CHATHISTORY LATEST #h0 * 100")
    if not reader.sync("check"):
        raise RuntimeError("no answer to CHATHISTORY")
    got = sum(1 for line in reader.lines if b" PRIVMSG #h0 :" in line)
    reader.keep_lines = False
    reader.lines = []
    if got != 100:
        raise RuntimeError("CHATHISTORY LATEST gave %d messages, not 100" % got)
    # And the first message of #h0 is still kept: all 100,000 are.
    reader.keep_lines = True
    reader.sendline("CHATHISTORY AFTER #h0 timestamp=2000-01-01T00:00:00.000Z 1")
    if not reader.sync("first"):
        raise RuntimeError("no answer to CHATHISTORY")
    first = [line for line in reader.lines if b" PRIVMSG #h0 :" in line]
    reader.keep_lines = False
    reader.lines = []
    if len(first) != 1 or not first[0].endswith((":" + text(0)).encode()):
        raise RuntimeError("the first message of #h0 is gone: %r" % first)
    irccost.wait_idle(srv.pid)
    cpu0 = srv.cpu_s()
    for _ in range(n):
        reader.sendline("CHATHISTORY LATEST #h0 * 100")
        if not reader.sync("q"):
            raise RuntimeError("no answer to CHATHISTORY")
    ms = (srv.cpu_s() - cpu0) * 1000.0 / n
    reader.close()
    return ms


def main():
    binary = os.environ.get("IRCSERV_BIN", "./ircserv")
    n = int(os.environ.get("HISTORY_N", "2000"))
    ok = True
    with tempfile.TemporaryDirectory(prefix="ircserv-history.") as tmp:
        srv = None
        for _ in range(3):
            srv = irccost.Server(binary, tmp, "history", config=CONFIG)
            if srv.wait_ready():
                break
            srv.stop()
        else:
            sys.exit("ircserv did not start")
        try:
            sender = irccost.Line(srv.port, "sender")
            reader = reader_for(srv)
            before, after = fill(srv, sender)
            mb = after / 1024.0
            print("history: RSS %.1f MB before, %.1f MB with %d messages kept "
                  "(+%.1f MB, %.0f bytes a message); target <= %.0f MB"
                  % (before / 1024.0, mb, CHANNELS * PER_CHANNEL,
                     (after - before) / 1024.0,
                     (after - before) * 1024.0 / (CHANNELS * PER_CHANNEL), TARGET_MB))
            ok &= mb <= TARGET_MB
            ms = latest_cost(srv, reader, n)
            print("history: CHATHISTORY LATEST #h0 * 100: %.3f ms server CPU a "
                  "request (%d requests); target <= %.1f ms" % (ms, n, TARGET_MS))
            ok &= ms <= TARGET_MS
            sender.close()
        finally:
            status = srv.stop()
        if status != 0:
            print("history: server exited with %s" % status)
            ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
