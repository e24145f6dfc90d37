"""A stand-in for the part of the websockets package that irctest uses.

irctest's websocket tests import websockets.sync.client, which appeared in
websockets 11; Debian 12 ships 10.4. run.py puts this directory first on
the test run's path, so the import finds the small synchronous client in
sync/client.py instead of skipping the tests. Nothing else is provided.
"""
