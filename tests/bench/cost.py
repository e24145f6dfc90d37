#!/usr/bin/env python3
"""Server CPU per line of the costliest form of every command that takes
lists or masks (docs/performance.md, "Cost per command").

Usage: IRCSERV_BIN=./ircserv python3 tests/bench/cost.py   (make bench-cost)

Builds, over loopback, 2,000 users (1,000 with 390-character realnames),
1,000 channels, a 2,000-member #big and 20 +i channels with 100 wildcard
bans each; then one client (flood-exempt, so that nothing waits) sends N
copies of each line, a batch at a time, each batch followed in the same
write by a PING whose PONG (and the end numeric of a paced answer)
marks the end of its work. The figure is the server's user + system CPU
time from /proc/<pid>/stat over those N lines, divided by N: CPU time, so
it holds on a shared machine, to the 10 ms tick of the counter.
COST_LINES=N changes N (default 200); COST_TARGET_MS the target (3);
TEST_EVENT_BACKEND=epoll runs the server with event_backend = epoll;
COST_ONLY=regex measures only the lines whose name matches (and the
baselines). Beside the CPU, STATS r (asked by an operator before and
after each batch) gives the loop rounds each line took and the longest
round's own CPU time.
Exit status 1 if a line is over the target.
"""
import os
import re
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import irccost  # noqa: E402

BANNED = ["#t"] + ["#t%d" % k for k in range(1, 20)]


def measure(srv, att, line, n, marker, batch):
    """CPU ms per line over n lines, sent batch at a time and waited for."""
    make = line if callable(line) else (lambda i: line)
    cpu0 = srv.cpu_s()
    for start in range(0, n, batch):
        # The batch and the PING that marks its end go in one write.
        if not att.sync("k", before=[make(i) for i in range(start, min(n, start + batch))]):
            raise RuntimeError("no answer to %r (closed: %s, last: %r)"
                               % (make(start)[:40], att.closed, att.tail[-200:]))
        # A paced answer (LIST) may end after the PONG.
        if marker and not att.wait_for(marker, 60):
            raise RuntimeError("no %r after %r" % (marker, make(start)[:40]))
    return (srv.cpu_s() - cpu0) * 1000.0 / n


def kick_lines(srv, att, drain, n, batch):
    """KICK #own of 4 members a line: 4n members join #own first."""
    victims = [irccost.Line(srv.port, "kv%d" % i) for i in range(4 * n)]
    for v in victims:
        v.sendline("JOIN #own")
    for v in victims:
        v.sync("joined")
    att.sync("victims")
    irccost.wait_idle(srv.pid, drain)
    cost = measure(srv, att, lambda i: "KICK #own %s :bye" % ",".join(
        "kv%d" % (4 * i + k) for k in range(4)), n, None, batch)
    for v in victims:
        v.close()
    return cost


def main():
    binary = os.environ.get("IRCSERV_BIN", "./ircserv")
    n = int(os.environ.get("COST_LINES", "200"))
    target = float(os.environ.get("COST_TARGET_MS", "3"))
    tmpdir = tempfile.mkdtemp(prefix="ircserv-cost-")
    srv = irccost.start_server(binary, tmpdir, "cost", "flood_exempt = 127.0.0.1\n")
    drain = att = op = None
    rows, over, ok = [], 0, False
    try:
        print("building state (2000 users, 1000 channels, #big, 20 banned channels)")
        drain, op = irccost.build_state(srv.port, srv.pid, banned=len(BANNED))
        att = irccost.Line(srv.port, "attacker")
        att.sendline("JOIN #big,#own")
        att.sync("joined", 120)
        if not op.oper():
            raise RuntimeError("OPER refused")
        base = {}
        only = re.compile(os.environ.get("COST_ONLY", ""))
        for name, line, marker, batch in irccost.worst_lines(BANNED):
            if "baseline" not in name and not only.search(name):
                continue
            irccost.wait_idle(srv.pid, drain)
            t0 = time.monotonic()
            r0 = op.rounds()
            lines = min(n, 100) if line is None else n
            if line is None:
                ms = kick_lines(srv, att, drain, lines, batch)
            else:
                ms = measure(srv, att, line, n, marker, batch)
            r1 = op.rounds()
            # Less the rounds of the two STATS r themselves (one each).
            per_line = (r1["rounds"] - r0["rounds"] - 2) / float(lines)
            # The first rows measure a PING: the cost of the round itself.
            if "baseline" in name:
                base[batch] = ms
                net = ms
            else:
                net = ms - base.get(batch, 0.0)
                over += net > target
            rows.append((name, ms, net, per_line, r1["recent_cpu_us"] / 1000.0))
            print("  %-38s %7.3f ms/line, %7.3f net, %5.1f rounds/line, "
                  "longest round %.2f ms CPU  (%.1f s)"
                  % (name, ms, net, per_line, r1["recent_cpu_us"] / 1000.0,
                     time.monotonic() - t0), flush=True)
        ok = True
    finally:
        for c in (att, op):
            if c:
                c.close()
        if drain:
            drain.close_all()
        code = srv.stop()
        if ok:
            shutil.rmtree(tmpdir, ignore_errors=True)
        else:
            print("server log kept in " + tmpdir)
    print("\n\"net\" takes away the cost of a PING sent the same way (the poll round).")
    print("\n| command, most expensive form | server CPU per line | net of the round "
          "| rounds per line | longest round (CPU) |")
    print("|---|---|---|---|---|")
    for name, ms, net, per_line, longest in rows:
        print("| %s | %.2f ms | %.2f ms | %.1f | %.2f ms |"
              % (name, ms, net, per_line, longest))
    print("\n%d of %d over %.1f ms net; server exit status %s"
          % (over, len(rows) - len(base), target, code))
    return 1 if over or code != 0 else 0


if __name__ == "__main__":
    sys.exit(main())
