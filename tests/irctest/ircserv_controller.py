"""irctest controller for ircserv (pytest --controller ircserv_controller).

Starts the server binary ($IRCSERV_BIN, default ./ircserv) once per test
with a configuration file written to a fresh directory: the server name
irctest expects, an oper operuser/operpassword, loopback exempt from flood
control. No services are started: account registration for the SASL
tests adds an "account" block to that file and reloads it with SIGHUP
(SASL through services is tested with Atheme in tests/interop).
"""

import base64
import ctypes
import glob
import hashlib
import os
from pathlib import Path
import secrets
import signal
import time
from typing import Optional, Set, Type

from irctest import patma
from irctest.basecontrollers import BaseServerController, DirectoryBasedController
from irctest.runner import NotImplementedByController
from irctest.specifications import Capabilities, OptionalBehaviors

# PBKDF2 rounds for the test hashes: few, so OPER and SASL stay cheap; the
# format is the one include/crypto.h describes.
HASH_ITERATIONS = 1000
# How long a SIGHUP reload may take before registerUser gives up.
RELOAD_TIMEOUT_S = 10.0
RELOADED = b"configuration reloaded on SIGHUP"
# prctl(2) option: a signal for the child when its parent dies.
PR_SET_PDEATHSIG = 1


def _child_setup() -> None:
    """In the server's process before exec: a session of its own (as
    irctest does by default), and SIGTERM if the pytest worker that started
    it dies, so an interrupted run leaves no server behind."""
    os.setsid()
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
RELOAD_FAILED = b"rehash failed"

TEMPLATE_CONFIG = """\
server_name = My.Little.Server
network = IrctestNet
description = test server
bind = {hostname}
require_password = {require_password}
flood_exempt = 127.0.0.1 ::1
log_file = {log_file}
log_level = info

oper operuser {{
\tpassword = {oper_hash}
\thost = *@*
}}
"""

TEMPLATE_ACCOUNT = """
account {name} {{
\tpassword = {hash}
}}
"""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode().rstrip("=")


def hash_password(password: str) -> str:
    """A $pbkdf2-sha256$<iterations>$<salt>$<hash> string (crypto.h)."""
    salt = secrets.token_bytes(16)
    key = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, HASH_ITERATIONS)
    return f"$pbkdf2-sha256${HASH_ITERATIONS}${_b64(salt)}${_b64(key)}"


def _server_binary() -> str:
    path = os.environ.get("IRCSERV_BIN", "./ircserv")
    return str(Path(path).resolve())


class IrcservController(BaseServerController, DirectoryBasedController):
    software_name = "ircserv"
    _port_wait_interval = 0.01
    supported_sasl_mechanisms: Set[str] = {"PLAIN", "SCRAM-SHA-256"}
    supports_sts = False
    extban_mute_char = "m"

    capabilities = frozenset(
        (
            Capabilities.ACCOUNT_NOTIFY,
            Capabilities.ACCOUNT_TAG,
            Capabilities.AWAY_NOTIFY,
            Capabilities.BATCH,
            Capabilities.ECHO_MESSAGE,
            Capabilities.EXTENDED_JOIN,
            Capabilities.EXTENDED_MONITOR,
            Capabilities.LABELED_RESPONSE,
            Capabilities.MESSAGE_REDACTION,
            Capabilities.MESSAGE_TAGS,
            Capabilities.MULTI_PREFIX,
            Capabilities.MULTILINE,
            Capabilities.READ_MARKER,
            Capabilities.SERVER_TIME,
            Capabilities.SETNAME,
        )
    )

    # What RPL_ISUPPORT must say (docs/commands.md), checked by testValues.
    isupport = {
        "BOT": "B",
        "CASEMAPPING": "rfc1459",
        "EXCEPTS": "e",
        "INVEX": "I",
        "MONITOR": "100",
        "NICKLEN": "30",
        "PREFIX": "(ov)@+",
        "STATUSMSG": "@+",
        "TARGMAX": patma.ANYSTR,
        "UTF8ONLY": None,
        "WHOX": None,
    }

    # Declared behaviours turn irctest's "not supported" skips into failures.
    optional_behaviors = frozenset(
        (
            OptionalBehaviors.BAN_EXCEPTION_MODE,
            OptionalBehaviors.CAP_REQ_MINUS,
            OptionalBehaviors.ELIST_C,
            OptionalBehaviors.ELIST_M,
            OptionalBehaviors.ELIST_N,
            OptionalBehaviors.ELIST_T,
            OptionalBehaviors.ELIST_U,
            OptionalBehaviors.INVITE_EXCEPTION_MODE,
            OptionalBehaviors.INVITE_LIST,
            OptionalBehaviors.METADATA_BEFORE_CONNECT,
            OptionalBehaviors.MULTI_JOIN,
            OptionalBehaviors.MULTI_KICK,
            OptionalBehaviors.MULTI_PRIVMSG,
            OptionalBehaviors.NO_CTCP,
            OptionalBehaviors.SASL_AFTER_REGISTRATION,
            OptionalBehaviors.SASL_REAUTHENTICATION,
        )
    )

    def __init__(self, *args, **kwargs):  # type: ignore
        super().__init__(*args, **kwargs)
        self.accounts: dict = {}
        self.config_text = ""

    def create_config(self) -> None:
        super().create_config()
        with self.open_file("server.conf"):
            pass

    def _write_config(self) -> None:
        assert self.directory
        text = self.config_text + "".join(
            TEMPLATE_ACCOUNT.format(name=name, hash=h)
            for (name, h) in self.accounts.items()
        )
        tmp = self.directory / "server.conf.new"
        tmp.write_text(text)
        # Atomic: a reload never reads half a file.
        tmp.replace(self.directory / "server.conf")

    def _log_bytes(self) -> bytes:
        assert self.directory
        try:
            return (self.directory / "server.log").read_bytes()
        except FileNotFoundError:
            return b""

    def run(
        self,
        hostname: str,
        port: int,
        *,
        password: Optional[str],
        ssl: bool,
        run_services: bool,
        faketime: Optional[str],
        websocket_hostname: Optional[str],
        websocket_port: Optional[int],
    ) -> None:
        if ssl:
            raise NotImplementedByController("TLS")
        assert self.proc is None
        self.port = port
        # find_hostname_and_port() says 0.0.0.0; serve loopback only.
        self.hostname = hostname
        self.create_config()
        assert self.directory
        self.config_text = TEMPLATE_CONFIG.format(
            hostname="127.0.0.1",
            require_password="yes" if password else "no",
            log_file=self.directory / "server.log",
            oper_hash=hash_password("operpassword"),
        )
        if websocket_port is not None:
            # A WebSocket listener beside the IRC port, on loopback too
            # (irctest's websocket tests connect to ws://<hostname>:<port>).
            self.config_text += f"listen = 127.0.0.1:{websocket_port} websocket\n"
        # Set by run.py for a whole selection (non-utf8), never per test.
        if os.environ.get("IRCSERV_UTF8ONLY") == "no":
            self.config_text += "utf8only = no\n"
        # One account from the start, so that "sasl" is offered from the
        # start: accounts added later would announce it with CAP NEW, which
        # tests that register a user after connecting others do not expect.
        self.accounts = {"IrctestPlaceholder": hash_password(secrets.token_hex(8))}
        self._write_config()
        # The command line needs a password even when clients send none.
        cmdline_password = password or secrets.token_hex(8)
        self.proc = self.execute(
            [
                *self._faketime_command(faketime),
                _server_binary(),
                "-c",
                self.directory / "server.conf",
                str(port),
                cmdline_password,
            ],
            preexec_fn=_child_setup,
        )

    def _faketime_command(self, faketime: Optional[str]) -> list:
        """The libfaketime prefix for a test that asks for a fast clock.

        Only the wall clock is faked: timers run on the monotonic clock,
        which stays real, so a clock 30 times faster does not bring PING
        timeouts 30 times closer. Without faketime such a test would sleep
        for minutes: it is skipped instead.
        """
        if not faketime:
            return []
        # The library itself rather than the faketime command, which forks:
        # with env the server is the process started, so _child_setup()'s
        # death signal stays with it.
        libs = sorted(glob.glob("/usr/lib/*/faketime/libfaketime.so.1"))
        if not libs:
            raise NotImplementedByController("faketime (Debian package faketime)")
        self.faketime_enabled = True
        return ["env", "LD_PRELOAD=" + libs[0], "FAKETIME=" + faketime,
                "DONT_FAKE_MONOTONIC=1"]

    def wait_for_services(self) -> None:
        # No services: accounts live in the configuration file.
        pass

    def registerUser(
        self,
        case,  # type: ignore
        username: str,
        password: Optional[str] = None,
    ) -> None:
        assert password, "ircserv accounts need a password"
        self.accounts[username] = hash_password(password)
        self._write_config()
        log = self._log_bytes()
        before, failed = log.count(RELOADED), log.count(RELOAD_FAILED)
        self.wait_for_port()
        assert self.proc
        self.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + RELOAD_TIMEOUT_S
        while (log := self._log_bytes()).count(RELOADED) <= before:
            self.check_is_alive()
            if log.count(RELOAD_FAILED) > failed:
                raise Exception(
                    "ircserv refused the configuration with the new account: "
                    + log[log.rindex(RELOAD_FAILED):].decode(errors="replace")
                )
            if time.monotonic() > deadline:
                raise Exception(
                    f"ircserv did not reload its configuration after SIGHUP "
                    f"within {RELOAD_TIMEOUT_S} s"
                )
            time.sleep(0.01)


def get_irctest_controller_class() -> Type[IrcservController]:
    return IrcservController
