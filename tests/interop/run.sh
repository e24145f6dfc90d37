#!/bin/sh
# make interop: every tests/interop scenario script (hybrid.sh, atheme.sh)
# with the ircserv binary $1, then "interop: N passed, N failed" over
# their scenarios (the "...: ok" and "...: FAILED" lines). A script that
# cannot run here (exit 77: not root, no working unshare) is reported as
# skipped and counts neither way; one that fails without saying which
# scenario counts as one failure. Exits non-zero when anything failed.
set -u
BIN=${1:-./build/release/ircserv}
passed=0
failed=0
for t in tests/interop/hybrid.sh tests/interop/atheme.sh; do
	out=$(sh "$t" "$BIN" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	ok=$(printf '%s\n' "$out" | grep -c '^interop: .*: ok$')
	bad=$(printf '%s\n' "$out" | grep -c '^interop: .*: FAILED$')
	if [ "$rc" -eq 77 ]; then
		echo "interop: $t skipped"
		continue
	fi
	[ "$rc" -ne 0 ] && [ "$bad" -eq 0 ] && bad=1
	passed=$((passed + ok))
	failed=$((failed + bad))
done
echo "interop: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
