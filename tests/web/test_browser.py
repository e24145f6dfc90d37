"""The web page in a real browser (make web): headless Chromium, driven
over the DevTools protocol on a pipe (--remote-debugging-pipe: no port to
pick or leak), loads the page ircserv serves, registers with a nick and
the server password, joins a channel, sends a message a TCP client
receives and shows one a TCP client sent. The checks read the page's
DOM; a screenshot is kept in $WEB_ARTIFACTS (default build/web).
Standard library only; every wait is bounded; Chromium is stopped by PID.
"""

import base64
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from webtest import PASSWORD, ROOT, Server, Tcp

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(os.environ.get("WEB_ARTIFACTS", ROOT / "build" / "web"))


class Browser:
    """Chromium with the DevTools protocol on fds 3 (in) and 4 (out)."""

    def __init__(self):
        self.profile = tempfile.TemporaryDirectory(prefix="ircserv-chromium.")
        to_chrome_r, self.to_chrome = os.pipe()
        self.from_chrome, from_chrome_w = os.pipe()

        def fds():
            a, b = os.dup(to_chrome_r), os.dup(from_chrome_w)
            os.dup2(a, 3)
            os.dup2(b, 4)
            os.setsid()

        args = [
            CHROMIUM, "--headless=new", "--remote-debugging-pipe",
            "--no-sandbox",   # CI runs as root, where the sandbox cannot start
            "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--no-default-browser-check", "--disable-extensions",
            "--disable-background-networking", "--disable-sync",
            "--window-size=1000,700", f"--user-data-dir={self.profile.name}",
            "about:blank",
        ]
        self.proc = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, preexec_fn=fds, close_fds=False)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self.buf = b""
        self.next_id = 0
        self.session = None

    def _read_message(self, deadline):
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no answer from Chromium")
            import select
            r, _, _ = select.select([self.from_chrome], [], [], left)
            if r:
                data = os.read(self.from_chrome, 1 << 20)
                if not data:
                    raise ConnectionError("Chromium closed the pipe")
                self.buf += data
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method, timeout=20.0, **params):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params}
        if self.session and not method.startswith(("Target.", "Browser.")):
            msg["sessionId"] = self.session
        os.write(self.to_chrome, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})

    def open_page(self, url):
        targets = self.call("Target.getTargets")["targetInfos"]
        page = next(t for t in targets if t["type"] == "page")
        self.session = self.call("Target.attachToTarget", targetId=page["targetId"],
                                 flatten=True)["sessionId"]
        self.call("Page.enable")
        self.call("Page.navigate", url=url)
        self.wait_for("document.readyState === 'complete' && !!document.getElementById('nick')")

    def eval(self, expr):
        r = self.call("Runtime.evaluate", expression=expr, returnByValue=True)
        if "exceptionDetails" in r:
            raise RuntimeError(f"{expr}: {r['exceptionDetails']}")
        return r["result"].get("value")

    def wait_for(self, expr, timeout=15.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.eval(expr):
                return
            time.sleep(0.05)
        raise TimeoutError(f"page never had: {expr}")

    def screenshot(self, path: Path):
        data = self.call("Page.captureScreenshot", format="png")["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))

    def close(self):
        try:
            self.session = None
            self.call("Browser.close", timeout=5)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            # Its own process group (setsid): the renderers go with it.
            os.killpg(self.proc.pid, 9)
            self.proc.wait()
        for fd in (self.to_chrome, self.from_chrome):
            os.close(fd)
        self.profile.cleanup()


def js(s: str) -> str:
    return json.dumps(s)


def test_page_chats():
    """Register, join, send and receive through the served page."""
    if not os.access(CHROMIUM, os.X_OK):
        raise RuntimeError(f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium)")
    with Server("websocket_client = yes\nrequire_password = yes\n") as srv:
        tcp = Tcp(srv.port, "tcpfriend")
        tcp.send("JOIN #web\r\n")
        tcp.expect(b" 366 ")
        b = Browser()
        try:
            b.open_page(f"http://127.0.0.1:{srv.ws_port}/")
            b.eval(f"document.getElementById('nick').value = {js('browser')};"
                   f"document.getElementById('password').value = {js(PASSWORD)};"
                   f"document.getElementById('channels').value = {js('#web')};"
                   "document.getElementById('connect').click(); true")
            b.wait_for("document.getElementById('status').textContent === 'registered as browser'")
            b.wait_for("!!document.querySelector('.log[data-target=\"#web\"]')")
            tcp.expect(b"JOIN #web")
            # The page sends; the TCP client receives.
            b.eval("document.getElementById('text').value = 'hello from the browser ✓';"
                   "document.getElementById('send').requestSubmit(); true")
            line = tcp.expect(b"PRIVMSG #web")
            assert line.startswith(b":browser!"), line
            assert line.endswith("PRIVMSG #web :hello from the browser ✓".encode()), line
            # The TCP client sends; the page shows it, under its nick.
            tcp.send("PRIVMSG #web :hi browser, from tcp é\r\n")
            shown = ("Array.from(document.querySelectorAll('.log[data-target=\"#web\"] li.msg'))"
                     ".map(li => li.dataset.nick + ': ' + li.querySelector('.text').textContent)")
            b.wait_for(f"{shown}.includes('tcpfriend: hi browser, from tcp é')")
            assert b.eval(shown) == ["browser: hello from the browser ✓",
                                     "tcpfriend: hi browser, from tcp é"], b.eval(shown)
            # Markup from the network is text, never HTML.
            tcp.send("PRIVMSG #web :<img src=x onerror=alert(1)>\r\n")
            b.wait_for(f"{shown}.length === 3")
            assert b.eval("document.querySelectorAll('.log img').length") == 0
            b.screenshot(ARTIFACTS / "webchat.png")
        finally:
            b.close()
            tcp.close()
        assert (ARTIFACTS / "webchat.png").stat().st_size > 1000


def test_page_wrong_password():
    """A wrong server password: the page says why it was turned away."""
    if not os.access(CHROMIUM, os.X_OK):
        raise RuntimeError(f"no Chromium at {CHROMIUM}")
    with Server("websocket_client = yes\nrequire_password = yes\n") as srv:
        b = Browser()
        try:
            b.open_page(f"http://127.0.0.1:{srv.ws_port}/")
            b.eval("document.getElementById('nick').value = 'guesser';"
                   "document.getElementById('password').value = 'wrong';"
                   "document.getElementById('connect').click(); true")
            b.wait_for("document.getElementById('status').textContent"
                       ".startsWith('disconnected: ')")
            text = b.eval("document.getElementById('status').textContent")
            assert "assword" in text, text
            assert b.eval("getComputedStyle(document.getElementById('login')).display") != "none"
        finally:
            b.close()


TESTS = (test_page_chats, test_page_wrong_password)


if __name__ == "__main__":
    import sys

    from webtest import Results

    r = Results()
    for fn in TESTS:
        r.run(fn)
    sys.exit(r.finish())
