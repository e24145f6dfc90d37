"""A small IRC client for the interop scenarios (tests/interop/*.sh).

Every wait has a deadline; a step that does not happen in time raises
Timeout with what was expected and the last lines seen, which fails the
scenario. PING is answered while waiting.
"""
import base64
import re
import socket
import sys
import time


class Timeout(Exception):
    pass


class Client:
    def __init__(self, port, nick, caps=(), sasl=None, timeout=15):
        end = time.time() + timeout
        while True:
            try:
                self.sock = socket.create_connection(("127.0.0.1", port), timeout=1)
                break
            except OSError:
                if time.time() > end:
                    raise Timeout("connect to port %d" % port)
                time.sleep(0.2)
        self.nick, self.buf, self.seen = nick, b"", []
        if caps or sasl:
            self.send("CAP LS 302")
        self.send("NICK %s" % nick)
        self.send("USER %s 0 * :interop %s" % (nick, nick))
        if caps or sasl:
            want = list(caps) + (["sasl"] if sasl else [])
            self.send("CAP REQ :%s" % " ".join(want))
            self.expect(r" CAP \S+ ACK ")
            if sasl:
                self.sasl_plain(*sasl)
            self.send("CAP END")
        self.expect(r" 001 ", timeout)

    def send(self, line):
        self.sock.sendall(line.encode() + b"\r\n")

    def lines(self, timeout):
        """Lines as they arrive until timeout (seconds) passes."""
        end = time.time() + timeout
        while True:
            while b"\r\n" in self.buf:
                line, self.buf = self.buf.split(b"\r\n", 1)
                text = line.decode(errors="replace")
                if text.startswith("PING "):
                    self.send("PONG " + text[5:])
                self.seen = (self.seen + [text])[-20:]
                yield text
            left = end - time.time()
            if left <= 0:
                return
            self.sock.settimeout(min(left, 1))
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                continue
            if not data:
                return
            self.buf += data

    def expect(self, pattern, timeout=15):
        """The first line matching the regular expression pattern."""
        for line in self.lines(timeout):
            if re.search(pattern, line):
                return line
        raise Timeout("%s: no line matching %r; last lines:\n  %s"
                      % (self.nick, pattern, "\n  ".join(self.seen)))

    def sasl_plain(self, account, password, want="903"):
        """SASL PLAIN; the exchange must end with the numeric want."""
        self.send("AUTHENTICATE PLAIN")
        self.expect(r"^AUTHENTICATE \+")
        blob = ("\0%s\0%s" % (account, password)).encode()
        self.send("AUTHENTICATE " + base64.b64encode(blob).decode())
        line = self.expect(r" 90[2-8] ")
        if line.split()[1] != want:
            raise Timeout("%s: SASL ended with %r, not %s" % (self.nick, line, want))
        return line

    def close(self):
        try:
            self.send("QUIT :bye")
        except OSError:
            pass
        self.sock.close()


def names_show(c, chan, nick, timeout=15):
    """c's NAMES chan lists nick (with its prefix) within timeout."""
    def probe():
        c.send("NAMES " + chan)
        for line in c.lines(2):
            f = line.split()
            if len(f) > 5 and f[1] == "353" and f[4] == chan and (
                    nick in [n.lstrip(":") for n in f[5:]]):
                return True
            if len(f) > 1 and f[1] == "366":
                return False
        return False
    return until("%s: NAMES %s shows %s" % (c.nick, chan, nick), probe, timeout)


def until(what, fn, timeout=30, every=0.5):
    """Call fn until it returns a true value, for at most timeout seconds."""
    end = time.time() + timeout
    while time.time() < end:
        got = fn()
        if got:
            return got
        time.sleep(every)
    raise Timeout(what)


def links_show(port, server, timeout=45):
    """LINKS on port lists server (within timeout)."""
    def probe():
        try:
            c = Client(port, "probe%d" % (int(time.time() * 1000) % 100000), timeout=3)
        except (Timeout, OSError):
            return False
        try:
            c.send("LINKS")
            for line in c.lines(3):
                f = line.split()
                if len(f) > 3 and f[1] == "364" and f[3] == server:
                    return True
                if len(f) > 1 and f[1] == "365":
                    return False
            return False
        finally:
            c.close()
    return until("LINKS on %d shows %s" % (port, server), probe, timeout, 0.5)


def run(main):
    """Run a scenario: exit 0 when it passes, 1 with the reason when not."""
    try:
        main()
    except (Timeout, OSError, AssertionError) as e:
        print("interop: %s" % e, file=sys.stderr)
        sys.exit(1)
