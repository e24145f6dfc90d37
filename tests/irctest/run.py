"""Run the irctest conformance suite against ircserv (make irctest).

Usage: run.py IRCTEST_DIR [SELECTION ...]   (run.sh finds IRCTEST_DIR)

irctest is used in place: it is copied to a temporary directory, where its
conftest.py is adapted to the installed pytest when that is older than 8,
and run once per selection with our controller (ircserv_controller.py,
next to this file): the default selection, the services selection, and
non-utf8 (the websocket module against a server with utf8only = no), each
with pytest-xdist and pytest-timeout. This directory comes first on the
path: its websockets/ package stands in for websockets.sync.client, which
irctest's websocket tests import and Debian's websockets (10.4) lacks.
Prints passed/failed/skipped per test
module and per selection, then "N passed, N failed" over all, and exits
non-zero when a test failed or pytest could not run.
"""

import collections
import os
from pathlib import Path
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent

DEFAULT_MARKS = ("not services and not implementation-specific and not deprecated"
                 " and not strict")
# name: (marks, test path, environment for the controller). "non-utf8" runs
# the websocket module against a server with "utf8only = no", where
# non-UTF-8 lines are relayed instead of refused (IRCSERV_UTF8ONLY, read by
# ircserv_controller.py): one server configuration for the whole selection.
SELECTIONS = {
    "default": (DEFAULT_MARKS, "irctest/server_tests/", {}),
    "services": ("services and not implementation-specific and not deprecated",
                 "irctest/server_tests/", {}),
    "non-utf8": (DEFAULT_MARKS, "irctest/server_tests/websocket.py",
                 {"IRCSERV_UTF8ONLY": "no"}),
}
# Tests that cannot apply to ircserv, left out with the reason printed.
DESELECTED = {
    "testLinksWithServices": "needs irctest to start services linked to "
    "the server (this controller keeps accounts in ircserv's configuration; "
    "links to Atheme are tested in tests/interop/atheme.sh)",
    "testReadMarkerPersistsAcrossReconnect": "needs always-on clients, which "
    "the server keeps in channels after they disconnect (ircserv has none)",
    "testReadMarkerPropagatedToOtherSessions": "needs two connections sharing "
    "one nick (ircserv gives each connection its own nick; the MARKREAD sent "
    "to an account's other connections is tested in tests/integration)",
}
WORKERS = os.environ.get("IRCTEST_WORKERS", "2")
# Seconds one test may take before pytest-timeout fails it (a hang).
TEST_TIMEOUT = os.environ.get("IRCTEST_TIMEOUT", "60")

# pytest >= 8 (pluggy >= 1.2) new-style wrapper in irctest's conftest.py;
# older pytest needs the hookwrapper form below, with the same effect.
NEW_STYLE_HOOK = re.compile(
    r"@pytest\.hookimpl\(wrapper=True\)\ndef pytest_runtest_call\(item\):\n"
    r"(?:(?:    .*)?\n)*",
)
OLD_STYLE_HOOK = '''\
@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    """Called by pytest to wrap individual test execution.

    We use this to turn some instances of unittest.SkipTest into
    fatal errors, if the specific implementation being tested is expected
    to support an optional behavior. (Adapted to pytest < 8 by ircserv's
    tests/irctest/run.py.)
    """
    outcome = yield
    try:
        outcome.get_result()
    except unittest.SkipTest as e:
        if isinstance(e, OptionalBehaviorNotSupported):
            behavior = e.args[0]
            if controller := getattr(item.instance, "controller", None):
                if behavior in controller.optional_behaviors:
                    exc = Exception(
                        f"Software {controller.software_name} must support behavior {behavior} but does not"
                    )
                    if hasattr(outcome, "force_exception"):
                        outcome.force_exception(exc)
                    else:  # pluggy < 1.1
                        outcome._excinfo = (type(exc), exc, None)
        # otherwise the skip stands
'''


def pytest_major() -> int:
    import pytest

    return int(pytest.__version__.split(".")[0])


def prepare(src: Path, dst: Path) -> None:
    shutil.copytree(
        src, dst, ignore=shutil.ignore_patterns(".git", "__pycache__", "*.pyc")
    )
    conftest = dst / "conftest.py"
    text = conftest.read_text()
    if pytest_major() < 8 and "wrapper=True" in text:
        new, n = NEW_STYLE_HOOK.subn(OLD_STYLE_HOOK, text)
        if n != 1:
            sys.exit(
                "irctest: cannot adapt conftest.py's pytest_runtest_call hook "
                "to pytest < 8 (did irctest change?)"
            )
        conftest.write_text(new)


def run_selection(copy: Path, name: str, xml: Path) -> int:
    marks, path, extra_env = SELECTIONS[name]
    env = dict(os.environ)
    env.pop("IRCSERV_UTF8ONLY", None)
    env.update(extra_env)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(HERE), str(copy), env.get("PYTHONPATH", "")) if p
    )
    env.setdefault("IRCSERV_BIN", str(ROOT / "ircserv"))
    # irctest's port registry lives in TMPDIR: keep it to this run.
    env["TMPDIR"] = str(copy.parent)
    cmd = [
        sys.executable, "-m", "pytest", "-p", "no:cacheprovider",
        "--controller", "ircserv_controller",
        "-m", marks, "-k", " and ".join(f"not {t}" for t in DESELECTED),
        "-n", WORKERS, "--timeout", TEST_TIMEOUT,
        "-q", "-rf", "--tb=short", "--show-capture=no", "--junitxml", str(xml),
        path,
    ]
    print(f"==== irctest {name}: -m \"{marks}\" {path}", flush=True)
    for test, why in DESELECTED.items():
        print(f"(left out: {test}: {why})")
    proc = subprocess.run(
        cmd, cwd=copy, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    out = proc.stdout.decode(errors="replace")
    # The failures' short tracebacks and pytest's summary; not every dot.
    keep = [
        line
        for line in out.splitlines()
        if not re.fullmatch(r"[.sxXFE]+( +\[ *\d+%\])?", line.strip())
    ]
    print("\n".join(keep), flush=True)
    return proc.returncode


def tally(xml: Path):
    """{module: Counter(passed=, failed=, skipped=)} and failed test ids."""
    per_module = collections.defaultdict(collections.Counter)
    failed = []
    for case in ET.parse(xml).getroot().iter("testcase"):
        classname = case.get("classname", "")
        module = ".".join(
            p for p in classname.split(".")[:-1] if p not in ("irctest",)
        )
        kinds = {child.tag for child in case}
        if "failure" in kinds or "error" in kinds:
            outcome = "failed"
            failed.append(f"{classname}.{case.get('name')}")
        elif "skipped" in kinds:
            outcome = "skipped"
        else:
            outcome = "passed"
        per_module[module or "?"][outcome] += 1
    return per_module, failed


def main() -> int:
    if len(sys.argv) < 2:
        sys.exit("usage: run.py IRCTEST_DIR [default|services|non-utf8 ...]")
    src = Path(sys.argv[1]).resolve()
    names = sys.argv[2:] or list(SELECTIONS)
    unknown = [n for n in names if n not in SELECTIONS]
    if unknown:
        sys.exit(f"irctest: unknown selection {', '.join(unknown)}"
                 f" (known: {', '.join(SELECTIONS)})")
    total = collections.Counter()
    summaries = []
    broken = False
    with tempfile.TemporaryDirectory(prefix="ircserv-irctest.") as tmp:
        copy = Path(tmp) / "irctest"
        prepare(src, copy)
        for name in names:
            xml = Path(tmp) / f"{name}.xml"
            rc = run_selection(copy, name, xml)
            if not xml.exists():
                print(f"irctest {name}: pytest exited with {rc} and no report")
                broken = True
                continue
            per_module, failed = tally(xml)
            sel = collections.Counter()
            print(f"---- irctest {name}: per module")
            for module in sorted(per_module):
                c = per_module[module]
                sel.update(c)
                print(f"  {module:<44} {c['passed']:4d} passed, "
                      f"{c['failed']:3d} failed, {c['skipped']:4d} skipped")
            for test in failed:
                print(f"  FAILED {test}")
            if rc != 0 and sel["failed"] == 0:
                # pytest itself failed (collection, internal error).
                print(f"irctest {name}: pytest exited with {rc}")
                broken = True
            summaries.append(f"irctest {name:<9} {sel['passed']:4d} passed, "
                             f"{sel['failed']:3d} failed, {sel['skipped']:4d} skipped")
            total.update(sel)
    print("---- irctest summary")
    for line in summaries:
        print(line)
    failed = total["failed"] + (1 if broken else 0)
    print(f"{total['passed']} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
