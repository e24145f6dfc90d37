"""Shared helpers for the WebSocket and browser tests (tests/web): start
ircserv on loopback with a configuration, speak IRC over TCP, count
results. Standard library only; every wait is bounded and the server is
stopped by its PID.
"""

import os
import socket
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
BIN = os.environ.get("IRCSERV_BIN", str(ROOT / "ircserv"))
PASSWORD = "webpass"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"port {port} never opened")


class Server:
    """ircserv with a WebSocket listener (ws_port) and the IRC port (port)."""

    def __init__(self, extra: str = "", ws_options: str = "websocket",
                 exempt: bool = True):
        self.port = free_port()
        self.ws_port = free_port()
        self.dir = tempfile.TemporaryDirectory(prefix="ircserv-web.")
        conf = Path(self.dir.name) / "ircserv.conf"
        conf.write_text(
            "bind = 127.0.0.1\n"
            f"listen = 127.0.0.1:{self.ws_port} {ws_options}\n"
            + ("flood_exempt = 127.0.0.1 ::1\n" if exempt else "") +
            f"log_file = {self.dir.name}/server.log\n"
            "log_level = debug\n"
            # TEST_EVENT_BACKEND=epoll, as for the integration tests.
            + (f"event_backend = {os.environ['TEST_EVENT_BACKEND']}\n"
               if os.environ.get("TEST_EVENT_BACKEND") else "")
            + extra
        )
        self.proc = subprocess.Popen(
            [BIN, "-c", str(conf), str(self.port), PASSWORD],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            wait_port(self.port)
        except Exception:
            self.stop()
            raise

    def log(self) -> str:
        try:
            return (Path(self.dir.name) / "server.log").read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def stop(self) -> int:
        """Stop the server (SIGTERM: a clean shutdown); its exit status."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.dir.cleanup()
        return self.proc.returncode

    def __enter__(self):
        return self

    def __exit__(self, exc_type, *exc):
        rc = self.stop()
        # A crash, or a sanitizer's report at exit, fails the test.
        if exc_type is None and rc != 0:
            raise AssertionError(f"ircserv exited with status {rc}")


class Tcp:
    """A plain IRC client over TCP: bytes in, lines (bytes) out."""

    def __init__(self, port: int, nick: str):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = b""
        self.nick = nick
        self.send(f"PASS {PASSWORD}\r\nNICK {nick}\r\nUSER {nick} 0 * :{nick}\r\n")
        self.expect(b" 001 ")

    def send(self, data) -> None:
        self.sock.sendall(data.encode() if isinstance(data, str) else data)

    def line(self, timeout: float = 10.0) -> bytes:
        deadline = time.monotonic() + timeout
        while b"\r\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"{self.nick}: no line in {timeout} s")
            self.sock.settimeout(left)
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError(f"{self.nick}: connection closed")
            self.buf += data
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def expect(self, needle: bytes, timeout: float = 10.0) -> bytes:
        """The first line holding needle; lines before it are dropped."""
        deadline = time.monotonic() + timeout
        while True:
            line = self.line(max(0.01, deadline - time.monotonic()))
            if needle in line:
                return line

    def close(self) -> None:
        self.sock.close()


class Results:
    """Run test functions, print one line each and the total."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def run(self, fn, *args) -> None:
        start = time.monotonic()
        try:
            fn(*args)
        except Exception:
            self.failed += 1
            print(f"FAIL {fn.__name__}")
            traceback.print_exc(file=sys.stdout)
        else:
            self.passed += 1
            print(f"ok   {fn.__name__} ({time.monotonic() - start:.1f} s)")
        sys.stdout.flush()

    def finish(self) -> int:
        print(f"{self.passed} passed, {self.failed} failed")
        return 1 if self.failed else 0
