#!/bin/sh
# make irctest: run the irctest conformance suite (progval/irctest) against
# ircserv, when a copy of irctest is at hand: $IRCTEST_DIR, or ../shared/irctest
# next to the repository (for a git worktree, next to the main checkout).
# Without one it says so, prints "0 passed, 0 failed" and succeeds.
# Arguments (default, services, non-utf8) pick the selections; default: all.
set -u

root=$(cd "$(dirname "$0")/../.." && pwd)

find_irctest() {
	if [ -n "${IRCTEST_DIR:-}" ]; then
		printf '%s\n' "$IRCTEST_DIR"
		return
	fi
	for dir in "$root/../shared/irctest" \
	    "$(git -C "$root" rev-parse --path-format=absolute --git-common-dir \
	    2>/dev/null)/../../shared/irctest"; do
		if [ -f "$dir/conftest.py" ]; then
			(cd "$dir" && pwd)
			return
		fi
	done
}

dir=$(find_irctest)
if [ -z "$dir" ] || [ ! -f "$dir/conftest.py" ]; then
	echo "irctest: skipped: no irctest found at \$IRCTEST_DIR or ../shared/irctest"
	echo "irctest: to run it, see \"Conformance tests\" in README.md"
	echo "0 passed, 0 failed"
	exit 0
fi

# Debian's python3 has the packages tests/deps.sh installs; a python3 from
# pyenv or a virtualenv earlier in PATH may not.
for py in python3 /usr/bin/python3; do
	if "$py" -c 'import pytest, xdist, pytest_timeout, filelock' 2>/dev/null; then
		IRCSERV_BIN=${IRCSERV_BIN:-$root/ircserv} exec "$py" \
		    "$root/tests/irctest/run.py" "$dir" "$@"
	fi
done
echo "irctest: no python3 with pytest, pytest-xdist, pytest-timeout and filelock" \
    "(make deps installs them)" >&2
echo "0 passed, 1 failed"
exit 1
