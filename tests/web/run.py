"""make web: the WebSocket listener against a real client library
(test_ws.py, python3-websockets) and the web page in headless Chromium
(test_browser.py). Run with Debian's python3, whose websockets package
this uses. Prints one line per test and "N passed, N failed".
"""

import sys

import test_ws
from webtest import Results

try:
    import test_browser
except ImportError:
    test_browser = None


def main() -> int:
    r = Results()
    for fn in test_ws.TESTS:
        r.run(fn)
    if test_browser is not None:
        for fn in test_browser.TESTS:
            r.run(fn)
    return r.finish()


if __name__ == "__main__":
    sys.exit(main())
