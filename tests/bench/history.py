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

Then the compaction of the history journal with 100,000 messages stored:
a server with history_file and the store filled the same way goes on
receiving messages (1,000 at a time, each batch synced; the store stays
at 100,000, the oldest pushed out) until the file has grown to twice its
last snapshot and is compacted. An operator reads STATS r before each
batch (which starts a new "recent" period); the figure is the longest
round (wall and CPU) of the period in which the compaction ran: the batch
that set it off and the rounds until the log says it is done, the client
quiet meanwhile. Beside it, the longest round of the batches without a
compaction. HISTORY_COMPACT=0 skips this part; the target is 10 ms of
CPU for the longest round.
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
COMPACT_TARGET_MS = 10.0
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


def log_count(srv, text):
    with open(srv.log_path, "rb") as f:
        return f.read().count(text)


def compaction(binary, tmp):
    """The longest rounds while 100,000 stored messages are compacted:
    (with compaction, without), each (wall_us, cpu_us)."""
    journal = os.path.join(tmp, "history.journal")
    config = CONFIG.replace("log_level = warn", "log_level = info")
    srv = irccost.Server(binary, tmp, "compact", config=config,
                         extra="history_file = %s\n" % journal)
    if not srv.wait_ready():
        srv.stop()
        raise RuntimeError("ircserv did not start with history_file")
    try:
        op = irccost.Line(srv.port, "op")
        if not op.oper():
            raise RuntimeError("OPER refused")
        sender = irccost.Line(srv.port, "sender")
        fill(srv, sender)
        # A compaction the filling set off runs to its end first.
        deadline = time.monotonic() + 60
        while log_count(srv, b"compacting") != log_count(srv, b"compacted to"):
            if time.monotonic() > deadline:
                raise RuntimeError("compaction not done in 60 s")
            time.sleep(0.05)
        quiet = (0, 0)
        for batch in range(200):
            op.rounds()
            started = log_count(srv, b"compacting")
            before = log_count(srv, b"compacted to")
            for i in range(1000):
                n = CHANNELS * PER_CHANNEL + batch * 1000 + i
                sender.sendline("PRIVMSG #h%d :%s" % (n % CHANNELS, text(n)))
            if not sender.sync("more"):
                raise RuntimeError("no answer while sending")
            if log_count(srv, b"compacting") == started:
                r = op.rounds()
                quiet = max(quiet, (r["recent_wall_us"], r["recent_cpu_us"]))
                continue
            deadline = time.monotonic() + 60
            while log_count(srv, b"compacted to") == before:
                if time.monotonic() > deadline:
                    raise RuntimeError("compaction not done in 60 s")
                time.sleep(0.05)
            r = op.rounds()
            with open(srv.log_path, "rb") as f:
                done = [ln for ln in f.read().split(b"\n") if b"compact" in ln][-2:]
            for ln in done:
                print("  " + ln.decode(errors="replace"))
            op.close()
            sender.close()
            return (r["recent_wall_us"], r["recent_cpu_us"]), quiet
        raise RuntimeError("no compaction after 200,000 more messages")
    finally:
        srv.stop()


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
    if os.environ.get("HISTORY_COMPACT", "1") != "0":
        with tempfile.TemporaryDirectory(prefix="ircserv-compact.") as tmp:
            (wall, cpu), (qwall, qcpu) = compaction(binary, tmp)
        print("history: compaction of %d stored messages: longest round %.1f ms "
              "(%.1f ms CPU); batches without one: %.1f ms (%.1f ms CPU); "
              "target <= %.0f ms CPU" % (CHANNELS * PER_CHANNEL, wall / 1000.0,
                                         cpu / 1000.0, qwall / 1000.0, qcpu / 1000.0,
                                         COMPACT_TARGET_MS))
        ok &= cpu / 1000.0 <= COMPACT_TARGET_MS
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
