#!/bin/sh
# Run the integration tests with every server they start under valgrind
# (memcheck, full leak check). Usage:
#   sh tests/stress/valgrind.sh [build/release/itests/test_...]
# IRCSERV_BIN points to a wrapper that execs valgrind on the real server
# (IRCSERV_REAL_BIN, default build/release/ircserv) with
# --error-exitcode=99: the harness demands exit status 0 after SIGTERM, so
# a memory error or a definite/indirect leak fails the test that started
# that server. Then each valgrind log is checked again, so nothing slips
# through a test that does not look at the exit status. Logs are kept in
# build/valgrind/. The last line is "N passed, N failed"; exits non-zero
# when anything failed.
set -u

cd "$(dirname "$0")/../.." || exit 2
MAKE=${MAKE:-make}
REAL=${IRCSERV_REAL_BIN:-build/release/ircserv}
OUT=build/valgrind

if ! command -v valgrind >/dev/null 2>&1; then
	echo "valgrind.sh: valgrind is not installed (apt-get install valgrind)" >&2
	echo "0 passed, 1 failed"
	exit 1
fi

if [ "$#" -gt 0 ]; then
	bins="$*"
else
	bins=""
	for src in tests/integration/test_*.c; do
		bins="$bins build/release/itests/$(basename "$src" .c)"
	done
	# shellcheck disable=SC2086 # one word per target
	$MAKE --no-print-directory "$REAL" $bins >/dev/null ||
	    { echo "valgrind.sh: build failed"; echo "0 passed, 1 failed"; exit 1; }
fi

rm -rf "$OUT"
mkdir -p "$OUT" || exit 2
real=$(cd "$(dirname "$REAL")" && pwd)/$(basename "$REAL")
logs=$(cd "$OUT" && pwd)

# exec keeps the PID, so the harness's SIGTERM reaches the server itself.
cat >"$OUT/ircserv-vg" <<WRAP
#!/bin/sh
exec valgrind --quiet --error-exitcode=99 --leak-check=full \\
    --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \\
    --track-origins=yes --log-file="$logs/vg.%p.log" "$real" "\$@"
WRAP
chmod +x "$OUT/ircserv-vg"

ITEST_SLOW=${ITEST_SLOW:-5} IRCSERV_BIN="$logs/ircserv-vg" sh tests/run-unit.sh $bins >"$OUT/tests.log" 2>&1
rc=$?
cat "$OUT/tests.log"
line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$OUT/tests.log" | tail -n 1)
passed=$(echo "$line" | awk '{ print $1 }')
failed=$(echo "$line" | awk '{ print $3 }')
passed=${passed:-0}
failed=${failed:-1}
[ "$rc" -ne 0 ] && [ "$failed" -eq 0 ] && failed=1

# A log is empty with --quiet unless valgrind found something.
runs=$(ls "$OUT"/vg.*.log 2>/dev/null | wc -l)
bad=0
for f in "$OUT"/vg.*.log; do
	[ -f "$f" ] || continue
	if [ -s "$f" ]; then
		bad=$((bad + 1))
		echo "---- $f"
		head -n 60 "$f"
	fi
done
echo "valgrind: $runs server runs, $bad with errors or leaks (logs in $OUT)"
if [ "$runs" -eq 0 ]; then
	echo "valgrind: no server ran under valgrind"
	bad=1
fi
if [ "$bad" -eq 0 ]; then
	passed=$((passed + 1))
else
	failed=$((failed + 1))
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
