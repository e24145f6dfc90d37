"""WebSocket listener tests against the binary (make web): a real client
library (python3-websockets) with text, binary and subprotocol-less
clients and TCP clients in one channel, each seeing every message in
order; then raw sockets for what a library will not send: plain HTTP,
bad and slow handshakes, origins, X-Forwarded-For, PROXY in front of a
handshake, fragments around pings, protocol errors, and a reader that
stops reading (SendQ).
"""

import asyncio
import base64
import os
import socket
import struct
import sys
import time
from pathlib import Path

import importlib.util

import websockets

from webtest import PASSWORD, Results, Server, Tcp

# The small synchronous client irctest uses (tests/irctest/websockets/),
# loaded by path: its package name would hide the real websockets here.
_spec = importlib.util.spec_from_file_location(
    "ws_sync_client",
    Path(__file__).resolve().parent.parent / "irctest/websockets/sync/client.py")
wsync = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(wsync)


async def ws_register(port, nick, subprotocols=None, **kw):
    ws = await websockets.connect(
        f"ws://127.0.0.1:{port}/", subprotocols=subprotocols,
        open_timeout=10, **kw)
    for line in (f"PASS {PASSWORD}", f"NICK {nick}", f"USER {nick} 0 * :{nick}"):
        await ws.send(line)
    await ws_expect(ws, " 001 ")
    return ws


async def ws_expect(ws, needle, timeout=10.0):
    deadline = time.monotonic() + timeout
    while True:
        msg = await asyncio.wait_for(ws.recv(), max(0.01, deadline - time.monotonic()))
        # Binary frames carry bytes as sent (utf8only = no: maybe not UTF-8).
        text = msg.decode(errors="replace") if isinstance(msg, bytes) else msg
        assert "\r" not in text and "\n" not in text, repr(msg)
        if needle in text:
            return msg


class TcpAsync:
    def __init__(self, reader, writer, nick):
        self.r, self.w, self.nick = reader, writer, nick

    @classmethod
    async def open(cls, port, nick):
        r, w = await asyncio.open_connection("127.0.0.1", port)
        c = cls(r, w, nick)
        await c.send(f"PASS {PASSWORD}\r\nNICK {nick}\r\nUSER {nick} 0 * :{nick}\r\n")
        await c.expect(" 001 ")
        return c

    async def send(self, data):
        self.w.write(data.encode() if isinstance(data, str) else data)
        await self.w.drain()

    async def recv(self):
        line = await self.r.readuntil(b"\r\n")
        return line[:-2]

    async def expect(self, needle, timeout=10.0):
        deadline = time.monotonic() + timeout
        needle = needle.encode() if isinstance(needle, str) else needle
        while True:
            line = await asyncio.wait_for(self.recv(), max(0.01, deadline - time.monotonic()))
            if needle in line:
                return line


def test_mixed_channel():
    """TCP, text, binary and plain WebSocket clients in one channel: each
    message reaches every other member, in the order sent, in the frame
    type its subprotocol asks for."""
    async def main(srv):
        t1 = await TcpAsync.open(srv.port, "tcp1")
        t2 = await TcpAsync.open(srv.port, "tcp2")
        wt = await ws_register(srv.ws_port, "wtext", ["text.ircv3.net"])
        wb = await ws_register(srv.ws_port, "wbin", ["binary.ircv3.net", "text.ircv3.net"])
        wn = await ws_register(srv.ws_port, "wnone")
        assert wt.subprotocol == "text.ircv3.net"
        assert wb.subprotocol == "binary.ircv3.net"
        assert wn.subprotocol is None
        members = [("tcp1", t1), ("tcp2", t2), ("wtext", wt), ("wbin", wb), ("wnone", wn)]
        for nick, c in members:
            if isinstance(c, TcpAsync):
                await c.send("JOIN #mix\r\n")
                await c.expect(" 366 ")
            else:
                await c.send("JOIN #mix")
                await ws_expect(c, " 366 ")
        # Everyone's JOINs are seen; drain them with a PING mark.
        for nick, c in members:
            if isinstance(c, TcpAsync):
                await c.send("PING :mark\r\n")
                await c.expect("PONG")
            else:
                await c.send("PING :mark")
                await ws_expect(c, "PONG")
        for rnd in range(3):
            for nick, c in members:
                text = f"round {rnd} from {nick} é"
                if isinstance(c, TcpAsync):
                    await c.send(f"PRIVMSG #mix :{text}\r\n")
                else:
                    await c.send(f"PRIVMSG #mix :{text}")
                for other, o in members:
                    if o is c:
                        continue
                    if isinstance(o, TcpAsync):
                        got = (await asyncio.wait_for(o.recv(), 10)).decode()
                    else:
                        msg = await asyncio.wait_for(o.recv(), 10)
                        assert isinstance(msg, bytes) == (o is wb), (other, msg)
                        got = msg.decode() if isinstance(msg, bytes) else msg
                    assert got.startswith(f":{nick}!") and got.endswith(
                        f"PRIVMSG #mix :{text}"), (other, got)
        for c in (wt, wb, wn):
            await c.close()
        t1.w.close()
        t2.w.close()

    with Server() as srv:
        asyncio.run(asyncio.wait_for(main(srv), 60))


def test_text_frames_stay_utf8():
    """What a text client is sent is always valid UTF-8 (the library fails
    the connection otherwise): a TCP client's Latin-1 line is refused by
    UTF8ONLY before anyone sees it, its UTF-8 one arrives whole."""
    async def main(srv):
        t = await TcpAsync.open(srv.port, "latin")
        w = await ws_register(srv.ws_port, "wutf", ["text.ircv3.net"])
        await t.send(b"PRIVMSG wutf :caf\xe9\r\n")
        line = await t.expect("INVALID_UTF8")
        assert b" FAIL PRIVMSG INVALID_UTF8 " in line, line
        await t.send("PRIVMSG wutf :café ☕\r\n")
        msg = await ws_expect(w, "PRIVMSG wutf")
        assert isinstance(msg, str) and msg.endswith("PRIVMSG wutf :café ☕"), msg
        await w.close()
        t.w.close()

    with Server() as srv:
        asyncio.run(asyncio.wait_for(main(srv), 30))


def test_utf8only_off():
    """utf8only = no: a TCP client's Latin-1 line reaches a TCP client and a
    binary client as the bytes sent, and a text client as valid UTF-8 with
    U+FFFD for each invalid byte; a line cut to 512 bytes on relay stays
    valid UTF-8 for the text client too. No UTF8ONLY in 005."""
    async def main(srv):
        t = await TcpAsync.open(srv.port, "latin")
        t2 = await TcpAsync.open(srv.port, "tcpseen")
        wt = await ws_register(srv.ws_port, "wtext", ["text.ircv3.net"])
        wb = await ws_register(srv.ws_port, "wbin", ["binary.ircv3.net"])
        await t.send("VERSION\r\n")
        isupport = await t.expect(" 005 ")
        assert b"UTF8ONLY" not in isupport, isupport
        for c in (t, t2):
            await c.send("JOIN #l1\r\n")
            await c.expect(" 366 ")
        for w in (wt, wb):
            await w.send("JOIN #l1")
            await ws_expect(w, " 366 ")
        for w in (wt, wb):
            await w.send("PING :mark")
            await ws_expect(w, "PONG")
        await t2.send("PING :mark\r\n")
        await t2.expect("PONG")
        await t.send(b"PRIVMSG #l1 :caf\xe9 cr\xe8me \xff\r\n")
        line = await t2.expect("PRIVMSG #l1")
        assert line.endswith(b"PRIVMSG #l1 :caf\xe9 cr\xe8me \xff"), line
        msg = await ws_expect(wt, "PRIVMSG #l1")
        assert isinstance(msg, str), msg
        assert msg.endswith("PRIVMSG #l1 :caf\ufffd cr\ufffdme \ufffd"), msg
        msg = await ws_expect(wb, "PRIVMSG #l1")
        assert isinstance(msg, bytes), msg
        assert msg.endswith(b"PRIVMSG #l1 :caf\xe9 cr\xe8me \xff"), msg
        # Cut on relay: UTF-8 whole characters, Latin-1 repaired.
        for body in ("é" * 240).encode(), b"\xe9" * 495:
            await t.send(b"PRIVMSG #l1 :" + body + b"\r\n")
            got = await t2.expect("PRIVMSG #l1")
            assert len(got) == 510 or len(got) == 509, len(got)
            msg = await ws_expect(wt, "PRIVMSG #l1")
            assert isinstance(msg, str), msg
            text = msg.split(" :", 1)[1]
            assert set(text) <= {"é", "\ufffd"} and len(text) > 200, msg
        for w in (wt, wb):
            await w.close()
        t.w.close()
        t2.w.close()

    with Server(extra="utf8only = no\n") as srv:
        asyncio.run(asyncio.wait_for(main(srv), 30))


def http(port, request: bytes, timeout=10.0):
    """Send request bytes, read until the server closes; (data, seconds)."""
    start = time.monotonic()
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    if request:
        s.sendall(request)
    data = b""
    while True:
        try:
            chunk = s.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        data += chunk
    s.close()
    return data, time.monotonic() - start


KEY = base64.b64encode(os.urandom(16)).decode()
UPGRADE = ("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           f"Sec-WebSocket-Key: {KEY}\r\nSec-WebSocket-Version: 13\r\n")


def test_refusals():
    """Plain HTTP, IRC, broken handshakes, endless headers and silence on a
    WebSocket port: a 400 and a close, or a close within the time limit."""
    with Server() as srv:
        for req in (b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
                    b"NICK foo\r\nUSER a 0 * :b\r\n",
                    (UPGRADE.replace("13", "8") + "\r\n").encode(),
                    b"GET / HTTP/1.1\r\nUpgrade: websocket\r\n\r\n",
                    b"GET / HTTP/1.1\r\n" + b"X-Pad: " + b"a" * 9000 + b"\r\n\r\n"):
            data, _ = http(srv.ws_port, req)
            assert data.startswith(b"HTTP/1.1 400 "), (req[:40], data)
        data, took = http(srv.ws_port, b"GET / HTTP/1.1\r\n", timeout=15)
        assert data == b"" and 4 <= took < 9, (data, took)
        # The page is not served unless websocket_client is on.
        data, _ = http(srv.ws_port, b"GET /index.html HTTP/1.1\r\n\r\n")
        assert data.startswith(b"HTTP/1.1 400 "), data
        # The server is still fine.
        Tcp(srv.port, "alive").close()


def test_page_paths():
    """websocket_client = yes: the page at / and /index.html (all of it,
    then a close), 404 for any other path, 400 for what is not a GET."""
    page = (Path(__file__).resolve().parent.parent.parent / "src/web/index.html").read_bytes()
    with Server("websocket_client = yes\n") as srv:
        for path in (b"/", b"/index.html"):
            data, _ = http(srv.ws_port, b"GET " + path + b" HTTP/1.1\r\nHost: x\r\n\r\n")
            assert data.startswith(b"HTTP/1.1 200 "), data[:60]
            head, _, body = data.partition(b"\r\n\r\n")
            assert b"Content-Length: %d\r\n" % len(page) in head, head
            assert body == page, (len(body), len(page))
        for req in (b"GET /x HTTP/1.1\r\n\r\n", b"GET /index.htm HTTP/1.1\r\n\r\n"):
            data, _ = http(srv.ws_port, req)
            assert data.startswith(b"HTTP/1.1 404 "), (req, data)
        data, _ = http(srv.ws_port, b"POST / HTTP/1.1\r\n\r\n")
        assert data.startswith(b"HTTP/1.1 400 "), data
        Tcp(srv.port, "alive").close()


def test_origins():
    """websocket_origins: a listed Origin is let in, another gets 403."""
    async def main(srv):
        ws = await ws_register(srv.ws_port, "good", origin="https://chat.example")
        await ws.close()
        try:
            await websockets.connect(f"ws://127.0.0.1:{srv.ws_port}/",
                                     origin="https://evil.example", open_timeout=10)
        except websockets.InvalidStatusCode as e:
            assert e.status_code == 403, e
        else:
            raise AssertionError("evil origin accepted")
        try:
            await websockets.connect(f"ws://127.0.0.1:{srv.ws_port}/", open_timeout=10)
        except websockets.InvalidStatusCode as e:
            assert e.status_code == 403, e
        else:
            raise AssertionError("missing origin accepted")

    with Server("websocket_origins = https://chat.example\n") as srv:
        asyncio.run(asyncio.wait_for(main(srv), 30))


def welcome_host(port, headers=None, prefix=b""):
    """Register over a raw WebSocket; the host part of the 001 prefix."""
    c = wsync.connect(f"ws://127.0.0.1:{port}/", additional_headers=headers or {},
                      preamble=prefix)
    for line in (f"PASS {PASSWORD}", "NICK fwd", "USER fwd 0 * :fwd"):
        c.send(line)
    while True:
        msg = c.recv(timeout=10)
        if " 001 " in msg:
            c.close()
            return msg.rsplit("@", 1)[1]


def test_forwarded_for():
    """X-Forwarded-For counts only from websocket_trusted_proxies."""
    hdr = {"X-Forwarded-For": "203.0.113.5, 192.0.2.9"}
    with Server() as srv:
        assert welcome_host(srv.ws_port, hdr) == "127.0.0.1"
    with Server("websocket_trusted_proxies = 127.0.0.1\n") as srv:
        assert welcome_host(srv.ws_port, hdr) == "192.0.2.9"
        assert welcome_host(srv.ws_port, {"X-Forwarded-For": "nonsense"}) == "127.0.0.1"


def test_proxy_then_websocket():
    """listen = ... proxy websocket: the PROXY header, then the handshake."""
    with Server(ws_options="proxy websocket") as srv:
        host = welcome_host(srv.ws_port,
                            prefix=b"PROXY TCP4 198.51.100.7 127.0.0.1 4000 6667\r\n")
        assert host == "198.51.100.7", host
        # Without the header: refused.
        data, _ = http(srv.ws_port, UPGRADE.encode() + b"\r\n")
        assert b"101" not in data, data


def test_frames():
    """Fragments with a ping between them make one line; a ping gets its
    pong; an unmasked frame ends the connection with 1002."""
    with Server() as srv:
        t = Tcp(srv.port, "peer")
        c = wsync.connect(f"ws://127.0.0.1:{srv.ws_port}/", subprotocols=["text.ircv3.net"])
        for line in (f"PASS {PASSWORD}", "NICK frag", "USER frag 0 * :frag"):
            c.send(line)
        c.send("PING :mark")
        while "PONG" not in c.recv(timeout=10):
            pass
        c._send_frame(0x1, b"PRIVMSG peer :hel", fin=False)
        c._send_frame(0x9, b"ping!")
        c._send_frame(0x0, b"lo the", fin=False)
        c._send_frame(0x0, b"re", fin=True)
        # The pong comes back to us (the client answers pings, not pongs).
        fin, op, payload = c._frame(time.monotonic() + 10)
        assert (op, payload) == (0xA, b"ping!"), (op, payload)
        assert t.expect(b"PRIVMSG peer").endswith(b"PRIVMSG peer :hello there")
        # An unmasked frame: protocol error.
        c.socket.sendall(b"\x81\x04PING")
        try:
            while True:
                c.recv(timeout=10)
        except wsync.ConnectionClosed as e:
            assert e.code == 1002, e.code
        deadline = time.monotonic() + 10
        while "closing frag" not in srv.log() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "closing frag (127.0.0.1): protocol error" in srv.log(), srv.log()[-500:]
        t.close()


def test_sendq_applies():
    """A WebSocket client that stops reading is cut off at its SendQ like a
    TCP one, and the others go on."""
    with Server("sendq = 4K\n") as srv:
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.settimeout(10)
        s.connect(("127.0.0.1", srv.ws_port))
        s.sendall((UPGRADE + "\r\n").encode())
        assert s.recv(4096).startswith(b"HTTP/1.1 101 ")
        c = wsync.ClientConnection(s, None, b"")
        for line in (f"PASS {PASSWORD}", "NICK slow", "USER slow 0 * :slow", "JOIN #f"):
            c.send(line)
        t = Tcp(srv.port, "fast")
        t.send("JOIN #f\r\n")
        t.expect(b" 366 ")
        time.sleep(0.5)
        payload = "x" * 400
        deadline = time.monotonic() + 30
        quit_line = None
        for i in range(20000):
            t.send(f"PRIVMSG #f :{i} {payload}\r\n")
            if i % 200 == 199:
                t.send("PING :sync\r\n")
                while True:
                    line = t.line(10)
                    if b"QUIT" in line and b"slow!" in line:
                        quit_line = line
                    if b"PONG" in line:
                        break
                if quit_line or time.monotonic() > deadline:
                    break
        assert quit_line is not None and b"SendQ exceeded" in quit_line, quit_line
        s.close()
        t.close()


def test_refused_client():
    """A client the server turns away (max_per_ip) still completes the
    handshake and is told why in an ERROR message, then a Close."""
    with Server("max_per_ip = 1\nlimit_exempt = none\n", exempt=False) as srv:
        # The server's start-up probe must be gone before it counts.
        deadline = time.monotonic() + 10
        while "Connection closed" not in srv.log() and time.monotonic() < deadline:
            time.sleep(0.02)
        first = wsync.connect(f"ws://127.0.0.1:{srv.ws_port}/")
        second = wsync.connect(f"ws://127.0.0.1:{srv.ws_port}/")
        msg = second.recv(timeout=10)
        assert msg.startswith("ERROR :Closing Link: 127.0.0.1 ("), msg
        try:
            second.recv(timeout=10)
        except wsync.ConnectionClosed as e:
            assert e.code == 1000, e.code
        else:
            raise AssertionError("no Close after the ERROR")
        first.close()
        second.close()


def test_flood_control():
    """A WebSocket client is flood-controlled like a TCP one: 300 lines at
    once (past flood_max) end with Excess Flood."""
    with Server(exempt=False) as srv:
        c = wsync.connect(f"ws://127.0.0.1:{srv.ws_port}/")
        for line in (f"PASS {PASSWORD}", "NICK flooder", "USER f 0 * :f"):
            c.send(line)
        for i in range(300):
            c.send(f"PRIVMSG flooder :{i}")
        error = None
        try:
            while True:
                msg = c.recv(timeout=10)
                if msg.startswith("ERROR"):
                    error = msg
        except wsync.ConnectionClosed:
            pass
        assert error is not None and error.endswith("(Excess Flood)"), error
        c.close()


def masked(opcode, payload):
    """One small client frame (payload under 126 bytes), masked."""
    mask = os.urandom(4)
    return (bytes([0x80 | opcode, 0x80 | len(payload)]) + mask
            + bytes(b ^ mask[i & 3] for i, b in enumerate(payload)))


OPER_BLOCK = ("oper boss {\n\tpassword = $pbkdf2-sha256$1000$aXJjc2Vydi1vcHMtdGVzdA$"
              "fhjE+nE3KEtESHI/GNIWy70vXMw2KuUydcL/UGBjAW4\n\thost = *@127.0.0.1\n}\n")


def test_pong_after_quit_is_no_dropped_line():
    """A QUIT and a ping in one read: the Pong is the shell's own output,
    not an IRC line made for a closing client (STATS r dropped_lines)."""
    with Server(OPER_BLOCK) as srv:
        c = wsync.connect(f"ws://127.0.0.1:{srv.ws_port}/")
        for line in (f"PASS {PASSWORD}", "NICK leaver", "USER l 0 * :l"):
            c.send(line)
        while " 001 " not in c.recv(timeout=10):
            pass
        c.socket.sendall(masked(0x1, b"QUIT :bye") + masked(0x9, b"p"))
        try:
            while True:
                c.recv(timeout=10)
        except wsync.ConnectionClosed:
            pass
        op = Tcp(srv.port, "op")
        op.send("OPER boss opsecret\r\n")
        op.expect(b" 381 ")
        op.send("STATS r\r\n")
        line = op.expect(b"dropped_lines")
        assert line.rstrip().endswith(b"dropped_lines 0"), line
        op.close()


TESTS = (test_mixed_channel, test_text_frames_stay_utf8, test_utf8only_off,
         test_refusals, test_page_paths,
         test_origins, test_forwarded_for, test_proxy_then_websocket,
         test_frames, test_sendq_applies, test_refused_client,
         test_flood_control, test_pong_after_quit_is_no_dropped_line)


if __name__ == "__main__":
    r = Results()
    for fn in TESTS:
        r.run(fn)
    sys.exit(r.finish())
