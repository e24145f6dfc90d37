#!/usr/bin/env python3
"""Server CPU of server links (docs/performance.md, "Server links").

Usage: IRCSERV_BIN=./ircserv python3 tests/bench/link.py   (make bench-link)

burst: an ircserv with 10,000 users (each in one of 1,000 channels of
10 members) takes a new link from a TS6 peer played here; the figure is
the server's CPU time (/proc/<pid>/schedstat, nanoseconds) from the peer's
handshake to the PING that ends the burst (all UID and SJOIN lines read
by the peer). Target: LINK_BURST_TARGET_S (1 s). Then the peer bursts as
many users of its own into those channels (a netjoin the members here
see), and the CPU until the PONG that follows it is printed too.

fanout: one user sends LINK_MESSAGES channel messages to #fan of 1,000
members spread over three linked servers A - B - C (the sender and 333
on A, 333 on B, 333 on C), then the same to 1,000 members on one server.
The figure is each server's CPU per delivered message (the CPU of the
whole run over messages x members of that server), and its ratio to the
single server's. Target: LINK_FANOUT_TARGET (1.2x).

CPU time, so the figures hold on a shared machine; the load average is
printed beside them. Exit status 1 when
a target is missed. Python 3 standard library only; every process and
socket is ended.
"""
import os
import resource
import shutil
import socket
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import irccost  # noqa: E402

LINK_PW = "bench-link-pw"
USERS = int(os.environ.get("LINK_USERS", "10000"))
CHANNELS = int(os.environ.get("LINK_CHANNELS", "1000"))
MEMBERS = int(os.environ.get("LINK_MEMBERS", "1000"))
MESSAGES = int(os.environ.get("LINK_MESSAGES", "2000"))
BURST_TARGET = float(os.environ.get("LINK_BURST_TARGET_S", "1.0"))
FANOUT_TARGET = float(os.environ.get("LINK_FANOUT_TARGET", "1.2"))


def cpu_s(srv):
    """Seconds srv has run on a CPU (/proc/<pid>/schedstat, in nanoseconds)."""
    with open("/proc/%d/schedstat" % srv.pid) as f:
        return int(f.read().split()[0]) / 1e9


def node_conf(name, sid, lport, links):
    """Extra configuration of a node: its name, SID, server listener, links."""
    text = ("server_name = %s\nsid = %s\nlisten = 127.0.0.1:%d server\n"
            "flood_exempt = 127.0.0.1\n" % (name, sid, lport))
    for peer, port in links:
        text += "link %s {\n\thost = 127.0.0.1\n\tpassword = %s\n" % (peer, LINK_PW)
        if port:
            text += "\tport = %d\n\tautoconnect = yes\n" % port
        text += "}\n"
    return text


def start_node(binary, tmp, name, sid, links):
    lport = irccost.free_port()
    config = irccost.CONFIG.replace("server_name = irc.cost.test\n", "").replace(
        "max_clients = 6000", "max_clients = 12000")
    srv = irccost.Server(binary, tmp, name, node_conf(name, sid, lport, links), config)
    if not srv.wait_ready():
        srv.stop()
        raise RuntimeError("%s did not start" % name)
    srv.lport = lport
    return srv


def fake_burst(srv):
    """Link to srv as fake.test (9ZZ); CPU seconds of srv until its burst ends."""
    s = socket.create_connection(("127.0.0.1", srv.lport), 10)
    cpu0 = cpu_s(srv)
    s.sendall(("PASS %s TS 6 :9ZZ\r\nCAPAB :QS ENCAP EX IE EUID\r\n"
               "SERVER fake.test 1 :bench peer\r\nSVINFO 6 6 0 :%d\r\n"
               % (LINK_PW, int(time.time()))).encode())
    data, lines = b"", 0
    deadline = time.monotonic() + 120
    while b"PING :" not in data[-4096:]:
        if time.monotonic() > deadline:
            raise RuntimeError("no end of burst")
        chunk = s.recv(1 << 20)
        if not chunk:
            raise RuntimeError("link closed: %r" % data[-300:])
        lines += chunk.count(b"\n")
        data = data[-4096:] + chunk
    cpu = cpu_s(srv) - cpu0
    return s, cpu, lines


def peer_burst(srv, s):
    """The peer's own burst, USERS users in CHANNELS of the channels here
    (a netjoin each member here sees); CPU seconds of srv until its PONG."""
    uids = ["9ZZA%05d" % i for i in range(USERS)]
    out = ["PONG fake.test :1AA"]
    out += [":9ZZ UID r%d 1 1700000000 +i r h.example 192.0.2.1 %s :remote"
            % (i, uid) for i, uid in enumerate(uids)]
    for j in range(CHANNELS):
        out.append(":9ZZ SJOIN 1 #c%d +nt :%s" % (j, " ".join(uids[j::CHANNELS])))
    out.append("PING :fake.test")
    data = ("\r\n".join(out) + "\r\n").encode()
    cpu0 = cpu_s(srv)
    s.sendall(data)
    got = b""
    deadline = time.monotonic() + 120
    while b"PONG irc.a.test :fake.test" not in got:
        if time.monotonic() > deadline:
            raise RuntimeError("no PONG after the peer's burst")
        chunk = s.recv(1 << 16)
        if not chunk:
            raise RuntimeError("link closed: %r" % got[-300:])
        got = got[-4096:] + chunk
    return cpu_s(srv) - cpu0, len(out)


def bench_burst(binary, tmp):
    srv = start_node(binary, tmp, "irc.a.test", "1AA", [("fake.test", 0)])
    drain = irccost.Drain()
    try:
        t0 = time.monotonic()
        socks = irccost.register_many(srv.port, ["b%d" % i for i in range(USERS)],
                                      lambda i: "burst user")
        drain.start()
        irccost.join_all(socks, lambda i: ["#c%d" % (i % CHANNELS)], drain)
        irccost.wait_idle(srv.pid, drain)
        print("  %d users in %d channels built in %.1f s"
              % (USERS, CHANNELS, time.monotonic() - t0))
        s, cpu, lines = fake_burst(srv)
        cpu_in, lines_in = peer_burst(srv, s)
        s.close()
    finally:
        drain.close_all()
        srv.stop()
    print("burst sent: %d users, %d channels: %d lines, server CPU %.3f s "
          "(target %.1f s)" % (USERS, CHANNELS, lines, cpu, BURST_TARGET))
    print("burst taken: %d users into %d channels here: %d lines, server CPU %.3f s"
          % (USERS, CHANNELS, lines_in, cpu_in))
    return cpu <= BURST_TARGET


def members_on(srv, prefix, n, drain):
    """n users of srv in #fan, their output drained."""
    socks = irccost.register_many(srv.port, ["%s%d" % (prefix, i) for i in range(n)],
                                  lambda i: "fan")
    irccost.join_all(socks, lambda i: ["#fan"], drain)


def send_messages(nodes, sender, drain):
    """LINK_MESSAGES to #fan; CPU seconds of each node until all is delivered."""
    for srv in nodes:
        irccost.wait_idle(srv.pid, drain)
    cpu0 = [cpu_s(srv) for srv in nodes]
    for start in range(0, MESSAGES, 20):
        lines = ["PRIVMSG #fan :message %d of the link fanout benchmark" % i
                 for i in range(start, min(MESSAGES, start + 20))]
        if not sender.sync("m", before=lines):
            raise RuntimeError("sender lost")
    for srv in nodes:
        irccost.wait_idle(srv.pid, drain)
    return [cpu_s(srv) - c for srv, c in zip(nodes, cpu0)]


def wait_users(line, want, timeout=60.0):
    """Poll LUSERS on line until 266 counts want global users."""
    deadline = time.monotonic() + timeout
    with line.cond:
        line.keep_lines = True
    while time.monotonic() < deadline:
        with line.cond:
            line.lines = []
        line.sync("lusers", before=["LUSERS"])
        with line.cond:
            got = [ln for ln in line.lines if b" 266 " in ln]
        if got and int(got[-1].split()[3]) >= want:
            return
        time.sleep(0.2)
    raise RuntimeError("the network never counted %d users" % want)


def fanout_single(binary, tmp):
    srv = start_node(binary, tmp, "irc.s.test", "4SS", [])
    drain = irccost.Drain()
    drain.start()
    try:
        sender = irccost.Line(srv.port, "sender")
        sender.sync("j", before=["JOIN #fan"])
        members_on(srv, "s", MEMBERS - 1, drain)
        cpu = send_messages([srv], sender, drain)[0]
        sender.close()
    finally:
        drain.close_all()
        srv.stop()
    return cpu / (MESSAGES * (MEMBERS - 1))


def fanout_chain(binary, tmp):
    a = start_node(binary, tmp, "irc.a.test", "1AA", [("irc.b.test", 0)])
    b = start_node(binary, tmp, "irc.b.test", "2BB", [("irc.a.test", a.lport),
                                                      ("irc.c.test", 0)])
    c = start_node(binary, tmp, "irc.c.test", "3CC", [("irc.b.test", b.lport)])
    nodes, drain = [a, b, c], irccost.Drain()
    drain.start()
    try:
        sender = irccost.Line(a.port, "sender")
        sender.sync("j", before=["JOIN #fan"])
        third = (MEMBERS - 1) // 3
        counts = [third, third, MEMBERS - 1 - 2 * third]
        for srv, prefix, n in zip(nodes, "abc", counts):
            members_on(srv, prefix, n, drain)
        wait_users(sender, MEMBERS)
        cpu = send_messages(nodes, sender, drain)
        sender.close()
    finally:
        drain.close_all()
        for srv in reversed(nodes):
            srv.stop()
    return [cpu[i] / (MESSAGES * counts[i]) for i in range(3)]


def main():
    binary = os.environ.get("IRCSERV_BIN", "./ircserv")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    tmp = tempfile.mkdtemp(prefix="ircserv-bench-link.")
    ok = True
    try:
        print("load average: %.2f %.2f %.2f" % os.getloadavg())
        ok &= bench_burst(binary, tmp)
        single = fanout_single(binary, tmp)
        chain = fanout_chain(binary, tmp)
        print("fanout: %d messages to #fan of %d members" % (MESSAGES, MEMBERS))
        print("  single server: %.2f us CPU per delivered message" % (single * 1e6))
        for name, per in zip("ABC", chain):
            print("  server %s of A - B - C: %.2f us per delivered message, %.2fx"
                  " (target %.1fx)" % (name, per * 1e6, per / single, FANOUT_TARGET))
            ok &= per / single <= FANOUT_TARGET
        print("load average: %.2f %.2f %.2f" % os.getloadavg())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
