"""make bench-ws: the privmsg benchmark over WebSocket. PAIRS sender and
receiver pairs send PRIVMSGs user to user, first all over TCP, then all
over WebSocket (binary.ircv3.net, then text.ircv3.net, which adds the
UTF-8 check); the server's CPU time (from /proc) per
delivered message is compared. Prints one line per mode and the ratio of
each WebSocket mode to TCP; the goal is at most 1.3.

Senders write a batch of lines (or masked frames) per send, as a client
pasting or a bridge would, so the server's per-message work dominates,
not per-syscall overhead. Python 3 standard library only; loopback;
bounded in time; the server is stopped by PID. Not part of make test
(timing is not a test).

Environment: IRCSERV_BIN (./ircserv), PAIRS (20), MESSAGES (10000 per
sender), ROUNDS (3; the median is printed), BATCH (50 lines per send).
"""

import os
import selectors
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
BIN = os.environ.get("IRCSERV_BIN", str(ROOT / "ircserv"))
PAIRS = int(os.environ.get("PAIRS", "20"))
MESSAGES = int(os.environ.get("MESSAGES", "10000"))
ROUNDS = int(os.environ.get("ROUNDS", "3"))
BATCH = int(os.environ.get("BATCH", "50"))
PASSWORD = "benchpw"
TEXT = "x" * 80 + " é"           # one non-ASCII character, as chat has
TICK = os.sysconf("SC_CLK_TCK")
MASK = b"\x12\x34\x56\x78"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def mask_frame(payload: bytes, opcode: int = 0x2) -> bytes:
    """A client frame (RFC 6455 5.2): FIN, opcode, masked payload."""
    n = len(payload)
    head = bytes([0x80 | opcode])
    head += bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + n.to_bytes(2, "big")
    body = bytes(b ^ MASK[i & 3] for i, b in enumerate(payload))
    return head + MASK + body


def server_frame_len(n: int) -> int:
    return n + (2 if n < 126 else 4 if n < 65536 else 10)


class Conn:
    def __init__(self, port, nick, ws):
        self.ws = ws
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.nick = nick
        self.buf = b""
        if ws:
            self.sock.sendall(
                b"GET / HTTP/1.1\r\nHost: bench\r\nUpgrade: websocket\r\n"
                b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                b"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: " + ws.encode() +
                b"\r\n\r\n")
            while b"\r\n\r\n" not in self.buf:
                self.buf += self.sock.recv(4096)
            head, self.buf = self.buf.split(b"\r\n\r\n", 1)
            assert head.startswith(b"HTTP/1.1 101"), head
        self.raw = self.buf
        self.buf = b""
        for line in (f"PASS {PASSWORD}", f"NICK {nick}", f"USER {nick} 0 * :{nick}"):
            self.send_line(line.encode())
        # The prefix others see, from the welcome: ":nick!user@host".
        welcome = self.wait_for(b" 001 ")
        self.prefix = welcome.rsplit(b" ", 1)[1].strip()
        self.sync()

    def wait_for(self, needle: bytes) -> bytes:
        """Read (decoding frames) until a line holds needle; that line."""
        while True:
            for line in self.buf.split(b"\n"):
                if needle in line:
                    self.buf = b""
                    return line.rstrip(b"\r")
            self.raw += self.sock.recv(65536)
            if not self.ws:
                self.buf, self.raw = self.buf + self.raw, b""
                continue
            while len(self.raw) >= 2:
                n, h = self.raw[1] & 0x7F, 2
                if n == 126:
                    n, h = int.from_bytes(self.raw[2:4], "big"), 4
                if len(self.raw) < h + n:
                    break
                self.buf += self.raw[h:h + n] + b"\n"
                self.raw = self.raw[h + n:]

    def encode(self, line: bytes) -> bytes:
        return mask_frame(line) if self.ws else line + b"\r\n"

    def send_line(self, line: bytes):
        self.sock.sendall(self.encode(line))

    def sync(self):
        """Wait for the answer to a PING: everything before it has arrived."""
        self.send_line(b"PING :sync")
        self.wait_for(b"PONG")


def cpu_seconds(pid):
    """CPU time of the server so far: /proc/<pid>/schedstat counts it in
    nanoseconds (utime and stime in /proc/<pid>/stat only in ticks)."""
    try:
        with open(f"/proc/{pid}/schedstat") as f:
            return int(f.read().split()[0]) / 1e9
    except (OSError, ValueError, IndexError):
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK


def run_mode(port, pid, mode):
    ws = None if mode == "tcp" else mode
    senders = [Conn(port, f"s{mode[0]}{i}", ws) for i in range(PAIRS)]
    receivers = [Conn(port, f"r{mode[0]}{i}", ws) for i in range(PAIRS)]
    payloads = []
    expect = {}
    for s, r in zip(senders, receivers):
        line = f"PRIVMSG {r.nick} :{TEXT}".encode()
        payloads.append(s.encode(line) * BATCH)
        out = len(b":" + s.prefix + b" " + line)
        expect[r.sock.fileno()] = MESSAGES * (server_frame_len(out) if ws else out + 2)
    sel = selectors.DefaultSelector()
    for r in receivers:
        r.sock.setblocking(False)
        sel.register(r.sock, selectors.EVENT_READ, r)
    for s in senders:
        s.sock.setblocking(False)
        sel.register(s.sock, selectors.EVENT_WRITE, s)
    sent = {s.sock.fileno(): 0 for s in senders}
    pending = {s.sock.fileno(): b"" for s in senders}
    got = {fd: 0 for fd in expect}
    start_cpu, start = cpu_seconds(pid), time.monotonic()
    deadline = start + int(os.environ.get("BENCH_TIMEOUT", "120"))
    while any(got[fd] < expect[fd] for fd in got):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{mode}: not all messages arrived: {got} {expect}")
        for key, _ in sel.select(1):
            c = key.data
            fd = c.sock.fileno()
            if fd in got:
                try:
                    got[fd] += len(c.sock.recv(1 << 20))
                except BlockingIOError:
                    pass
                continue
            if not pending[fd]:
                i = senders.index(c)
                if sent[fd] >= MESSAGES:
                    sel.unregister(c.sock)
                    continue
                n = min(BATCH, MESSAGES - sent[fd])
                pending[fd] = payloads[i] if n == BATCH else payloads[i][:len(payloads[i]) // BATCH * n]
                sent[fd] += n
            try:
                w = c.sock.send(pending[fd])
                pending[fd] = pending[fd][w:]
            except BlockingIOError:
                pass
    took = time.monotonic() - start
    cpu = cpu_seconds(pid) - start_cpu
    over = [fd for fd in got if got[fd] != expect[fd]]
    assert not over, f"{mode}: byte counts differ from the expected"
    for c in senders + receivers:
        c.sock.close()
    time.sleep(0.3)      # let the server reap them before the next mode
    return cpu, took


def main() -> int:
    port, ws_port = free_port(), free_port()
    d = tempfile.TemporaryDirectory(prefix="ircserv-bench-ws.")
    conf = Path(d.name) / "bench.conf"
    conf.write_text(
        "bind = 127.0.0.1\n"
        f"listen = 127.0.0.1:{ws_port} websocket\n"
        "flood_exempt = 127.0.0.1\nmax_per_ip = 0\nconnect_rate = 0\n"
        "sendq = 16M\nping_frequency = 3600\nlog_level = warn\n")
    proc = subprocess.Popen([BIN, "-c", str(conf), str(port), PASSWORD],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        results = {m: [] for m in ("tcp", "binary.ircv3.net", "text.ircv3.net")}
        for rnd in range(ROUNDS):
            for mode in results:
                port_for = port if mode == "tcp" else ws_port
                results[mode].append(run_mode(port_for, proc.pid, mode))
        n = PAIRS * MESSAGES
        base = statistics.median(cpu for cpu, _ in results["tcp"]) / n
        print(f"privmsg over WebSocket: {PAIRS} pairs x {MESSAGES} messages, "
              f"{BATCH} per send, median of {ROUNDS}; server CPU per message")
        for mode, runs in results.items():
            per = statistics.median(cpu for cpu, _ in runs) / n
            rate = n / statistics.median(t for _, t in runs)
            ratio = "" if mode == "tcp" else f"  ratio {per / base:.2f} (goal <= 1.30)"
            print(f"  {mode:<18} {per * 1e6:6.2f} us  ({rate:,.0f} msg/s){ratio}")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        d.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
