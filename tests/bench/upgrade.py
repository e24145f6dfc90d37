#!/usr/bin/env python3
"""The pause of a hot upgrade (docs/upgrade.md) at 10,000 clients in 1,000
channels.

Usage: IRCSERV_BIN=$PWD/ircserv python3 tests/bench/upgrade.py   (make bench-upgrade)

10,000 clients register and join one channel each (#c0 .. #c999, ten
members each, a topic on each); a drain thread reads everything they get.
Then SIGUSR2: the server checks the binary at its path and executes it in
place. The pause is what the new image logs ("paused N ms"): from the old
image's last round (the state is saved right after it) to the end of the
restore, after which the new image handles bytes. A probe client sends a
PING every millisecond or so during the upgrade; its longest wait for a
PONG is printed too (it also holds the check of the new binary, which runs
beside the loop, and the probe's own scheduling). Every client must still
be connected afterwards (the new image counts them). UPGRADE_CLIENTS and UPGRADE_CHANNELS
change the sizes; exit status 1 if the pause is over 500 ms.
"""
import os
import re
import signal
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import irccost  # noqa: E402

CLIENTS = int(os.environ.get("UPGRADE_CLIENTS", "10000"))
CHANNELS = int(os.environ.get("UPGRADE_CHANNELS", "1000"))
TARGET_MS = 500
# log_level info: the new image logs the pause at info.
CONFIG = irccost.CONFIG.replace("max_clients = 6000", "max_clients = %d" % (CLIENTS + 100)) \
    .replace("log_level = warn", "log_level = info") + \
    "flood_exempt = 127.0.0.1\nevent_backend = epoll\n"


def build(srv):
    t0 = time.monotonic()
    socks = irccost.register_many(srv.port, ["u%d" % i for i in range(CLIENTS)],
                                  lambda i: "bench user %d" % i)
    print("  %d clients registered in %.1f s" % (CLIENTS, time.monotonic() - t0))
    drain = irccost.Drain()
    drain.start()
    for i, s in enumerate(socks):
        chan = "#c%d" % (i % CHANNELS)
        line = "JOIN %s\r\n" % chan
        if i < CHANNELS:
            line += "TOPIC %s :the topic of %s, kept across the upgrade\r\n" % (chan, chan)
        s.sendall(line.encode())
        drain.add(s)
    probe = irccost.Line(srv.port, "probe")
    if not probe.sync("built", 300):
        raise RuntimeError("state not built")
    irccost.wait_idle(srv.pid)
    print("  %d channels joined in %.1f s" % (CHANNELS, time.monotonic() - t0))
    return drain, probe


def log_text(srv):
    with open(srv.log_path, "rb") as f:
        return f.read().decode(errors="replace")


def upgrade(srv, probe, timeout=60.0):
    """SIGUSR2, PINGs meanwhile; returns (logged pause ms, longest PONG wait ms)."""
    os.kill(srv.pid, signal.SIGUSR2)
    worst, n, deadline = 0.0, 0, time.monotonic() + timeout
    while time.monotonic() < deadline:
        t = time.monotonic()
        n += 1
        if not probe.sync("p%d" % n, 30):
            raise RuntimeError("probe lost its connection")
        worst = max(worst, (time.monotonic() - t) * 1000)
        m = re.search(r"replaced by .*?, paused (\d+) ms, (\d+) connections kept",
                      log_text(srv))
        if m:
            return int(m.group(1)), worst, int(m.group(2))
        time.sleep(0.001)
    raise RuntimeError("no upgrade in %d s:\n%s" % (timeout, log_text(srv)[-2000:]))


def main():
    binary = os.environ.get("IRCSERV_BIN")
    if not binary or not os.path.isabs(binary):
        sys.exit("set IRCSERV_BIN to the absolute path of the server")
    with tempfile.TemporaryDirectory() as tmp:
        srv = irccost.Server(binary, tmp, "upgrade", config=CONFIG)
        if not srv.wait_ready():
            sys.exit("server did not start")
        try:
            drain, probe = build(srv)
            pause, worst, kept = upgrade(srv, probe)
            if not probe.sync("after", 30):
                raise RuntimeError("no answer after the upgrade")
            print("  upgrade: %d connections kept (%d clients + probe)" % (kept, CLIENTS))
            print("upgrade pause: %d ms (target <= %d ms); longest PING wait "
                  "meanwhile: %.0f ms" % (pause, TARGET_MS, worst))
            ok = pause <= TARGET_MS and kept == CLIENTS + 1
            drain.close_all()
            probe.close()
        finally:
            status = srv.stop()
    if status != 0:
        sys.exit("server exit status %s" % status)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
