"""A small synchronous WebSocket client (RFC 6455) with the interface of
websockets.sync.client that irctest uses: connect(url, subprotocols=...)
returns a ClientConnection with .subprotocol, send(), recv(timeout=) and
close(). Standard library only; ws:// only.
"""

import base64
import hashlib
import os
import socket
import struct
import time
from typing import List, Optional, Union
from urllib.parse import urlsplit

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class InvalidHandshake(Exception):
    pass


class ConnectionClosed(Exception):
    def __init__(self, code: Optional[int] = None, reason: str = ""):
        super().__init__(f"connection closed: {code} {reason}")
        self.code = code
        self.reason = reason


class ClientConnection:
    def __init__(self, sock: socket.socket, subprotocol: Optional[str], rest: bytes):
        self.socket = sock
        self.subprotocol = subprotocol
        self._buf = rest
        self._fragments: List[bytes] = []
        self._opcode = 0
        self.closed = False

    # Frames out: always masked (section 5.3).
    def _send_frame(self, opcode: int, payload: bytes, fin: bool = True) -> None:
        head = bytes([(0x80 if fin else 0) | opcode])
        n = len(payload)
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 65536:
            head += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack(">Q", n)
        mask = os.urandom(4)
        body = bytes(b ^ mask[i & 3] for i, b in enumerate(payload))
        self.socket.sendall(head + mask + body)

    def send(self, message: Union[str, bytes]) -> None:
        """Send one message: a str as a text frame, bytes as a binary one."""
        if isinstance(message, str):
            self._send_frame(0x1, message.encode())
        else:
            self._send_frame(0x2, bytes(message))

    def _fill(self, deadline: Optional[float]) -> None:
        if deadline is None:
            self.socket.settimeout(None)
        else:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("timed out")
            self.socket.settimeout(left)
        try:
            data = self.socket.recv(65536)
        except socket.timeout:
            raise TimeoutError("timed out") from None
        if not data:
            self.closed = True
            raise ConnectionClosed(None, "EOF")
        self._buf += data

    def _frame(self, deadline: Optional[float]):
        while True:
            buf = self._buf
            if len(buf) >= 2:
                n = buf[1] & 0x7F
                pos = 2
                if n == 126 and len(buf) >= 4:
                    n = struct.unpack(">H", buf[2:4])[0]
                    pos = 4
                elif n == 127 and len(buf) >= 10:
                    n = struct.unpack(">Q", buf[2:10])[0]
                    pos = 10
                if (buf[1] & 0x7F) < 126 or pos > 2:
                    if buf[1] & 0x80:
                        raise ConnectionClosed(1002, "masked server frame")
                    if len(buf) >= pos + n:
                        self._buf = buf[pos + n:]
                        return buf[0] & 0x80, buf[0] & 0x0F, buf[pos:pos + n]
            self._fill(deadline)

    def recv(self, timeout: Optional[float] = None) -> Union[str, bytes]:
        """The next message: str for text, bytes for binary. Raises
        TimeoutError when none arrives within timeout seconds, and
        ConnectionClosed once the server has closed."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            if self.closed:
                raise ConnectionClosed(None, "closed")
            fin, opcode, payload = self._frame(deadline)
            if opcode == 0x9:
                self._send_frame(0xA, payload)
                continue
            if opcode == 0xA:
                continue
            if opcode == 0x8:
                code = struct.unpack(">H", payload[:2])[0] if len(payload) >= 2 else None
                if not self.closed:
                    try:
                        self._send_frame(0x8, payload[:2])
                    except OSError:
                        pass
                self.closed = True
                raise ConnectionClosed(code, payload[2:].decode(errors="replace"))
            if opcode != 0:
                self._opcode = opcode
                self._fragments = []
            self._fragments.append(payload)
            if fin:
                data = b"".join(self._fragments)
                self._fragments = []
                return data.decode() if self._opcode == 0x1 else data

    def close(self, code: int = 1000, reason: str = "") -> None:
        if not self.closed:
            try:
                self._send_frame(0x8, struct.pack(">H", code) + reason.encode())
                deadline = time.monotonic() + 2
                while True:
                    self.recv(timeout=max(0.01, deadline - time.monotonic()))
            except (ConnectionClosed, TimeoutError, OSError):
                pass
            self.closed = True
        self.socket.close()


def connect(
    uri: str,
    *,
    subprotocols: Optional[List[str]] = None,
    origin: Optional[str] = None,
    additional_headers: Optional[dict] = None,
    open_timeout: float = 10,
    preamble: bytes = b"",
) -> ClientConnection:
    """Open a WebSocket to uri (ws://host:port/path) and do the handshake;
    preamble is sent first (a PROXY protocol header, in tests)."""
    u = urlsplit(uri)
    if u.scheme != "ws":
        raise ValueError("only ws:// is supported")
    host = u.hostname or "localhost"
    port = u.port or 80
    sock = socket.create_connection((host, port), timeout=open_timeout)
    key = base64.b64encode(os.urandom(16)).decode()
    lines = [
        f"GET {u.path or '/'} HTTP/1.1",
        f"Host: {host}:{port}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {key}",
        "Sec-WebSocket-Version: 13",
    ]
    if subprotocols:
        lines.append("Sec-WebSocket-Protocol: " + ", ".join(subprotocols))
    if origin:
        lines.append(f"Origin: {origin}")
    for k, v in (additional_headers or {}).items():
        lines.append(f"{k}: {v}")
    sock.sendall(preamble + ("\r\n".join(lines) + "\r\n\r\n").encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            sock.close()
            raise InvalidHandshake("connection closed during the handshake")
        data += chunk
    head, rest = data.split(b"\r\n\r\n", 1)
    status, *headers = head.decode("latin-1").split("\r\n")
    if not status.startswith("HTTP/1.1 101"):
        sock.close()
        raise InvalidHandshake(status)
    fields = {}
    for h in headers:
        name, _, value = h.partition(":")
        fields[name.strip().lower()] = value.strip()
    want = base64.b64encode(hashlib.sha1(key.encode() + GUID).digest()).decode()
    if fields.get("sec-websocket-accept") != want:
        sock.close()
        raise InvalidHandshake("bad Sec-WebSocket-Accept")
    proto = fields.get("sec-websocket-protocol")
    if proto is not None and proto not in (subprotocols or []):
        sock.close()
        raise InvalidHandshake(f"unrequested subprotocol {proto}")
    sock.settimeout(None)
    return ClientConnection(sock, proto, rest)
