#!/bin/sh
# Run cmocka test binaries and add up their results. Usage:
#   sh tests/run-unit.sh BINARY...
# Each binary's output is shown after it ran, under "== BINARY (N s)", in
# the order given; the last line is the total "N passed, N failed" over
# test cases, read from cmocka's own "[  PASSED  ] N test(s)." and
# "[  FAILED  ] N test(s)," lines. A binary that crashes, times out, or
# exits non-zero without reporting a failure counts as one failed case, and
# so does one that reports no result at all. Exits non-zero when anything
# failed.
# TEST_JOBS=N (default 1) runs up to N binaries at once, started in the
# order given; their output is still shown whole and in that order. The
# binaries must then share nothing: the integration tests take their ports
# from the kernel and their files from mkdtemp().
set -u

passed=0
failed=0
skipped=0
broken=""
jobs=${TEST_JOBS:-1}
case "$jobs" in
''|*[!0-9]*|0) echo "run-unit.sh: TEST_JOBS must be a positive number" >&2; exit 2 ;;
esac
# A binary gets TIMEOUT_S, then KILL_S more after SIGTERM.
TIMEOUT_S=120
KILL_S=10
work=$(mktemp -d "${TMPDIR:-/tmp}/run-unit.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
trap 'stop_running; exit 130' INT TERM

# Send SIGTERM to the timeout(1) of every binary still running, and wait
# for them: timeout passes the signal on (and SIGKILL KILL_S later), and
# the binary stops its servers.
stop_running() {
	for f in "$work"/*.pid; do
		[ -f "$f" ] && [ ! -f "${f%.pid}.rc" ] && kill "$(cat "$f")" 2>/dev/null
	done
	wait
}

# Sum the N of every line "[<tag>] N test(s)<sep>" in output file $1; a
# binary may run several groups.
count() {
	sed -n "s/^\[$2\] \([0-9][0-9]*\) test(s)$3.*/\1/p" "$1" |
	    awk '{ s += $1 } END { print s + 0 }'
}

# Run binary $2 as number $1: output in $work/$1.out, its seconds in
# $work/$1.secs, and last its exit status in $work/$1.rc (written under
# another name and renamed, so a present .rc means finished); the pid of
# its timeout(1) in $work/$1.pid.
run_one() {
	t0=$(date +%s)
	# The plain format is the one parsed below, whatever the environment says.
	CMOCKA_MESSAGE_OUTPUT=STDOUT timeout -k "$KILL_S" "$TIMEOUT_S" "$2" \
	    >"$work/$1.out" 2>&1 &
	echo $! >"$work/$1.pid"
	# The shell's own word on a crash would land outside the output.
	wait $! 2>/dev/null
	rc=$?
	echo $(($(date +%s) - t0)) >"$work/$1.secs"
	echo "$rc" >"$work/$1.rc.new"
	mv "$work/$1.rc.new" "$work/$1.rc"
}

# Show and count the finished binary number $1, named $2.
report() {
	out="$work/$1.out"
	rc=$(cat "$work/$1.rc")
	echo "== $2 ($(cat "$work/$1.secs") s)"
	cat "$out"
	p=$(count "$out" '  PASSED  ' '\.')
	f=$(count "$out" '  FAILED  ' ',')
	s=$(count "$out" '  SKIPPED ' ',')
	if [ "$f" -eq 0 ] && { [ "$rc" -ne 0 ] ||
	    ! grep -q '^\[  PASSED  \] [0-9]' "$out"; }; then
		case "$rc" in
		0) why="reported no test result" ;;
		124|137) why="timed out after $TIMEOUT_S s" ;;
		126|127) why="could not be run (exit $rc)" ;;
		*) why="exited with status $rc" ;;
		esac
		echo "run-unit.sh: $2 $why"
		f=1
	fi
	[ "$f" -gt 0 ] && broken="$broken $2"
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
}

# The binary numbered $1 in the argument list, as a path.
nth() {
	shift "$1"
	case "$1" in
	*/*) echo "$1" ;;
	*) echo "./$1" ;;
	esac
}

finished() {
	ls "$work" | grep -c '\.rc$'
}

if [ "$#" -eq 0 ]; then
	echo "run-unit.sh: no test binaries given" >&2
fi

# Start every binary once a slot is free (one at a time: in the
# foreground), and show each as soon as it and all before it are done.
# Each binary ends within TIMEOUT_S + KILL_S, so the waits are bounded; the
# cap on rounds (5 a second) is a backstop.
started=0
shown=0
rounds=$((5 * $# * (TIMEOUT_S + KILL_S + 10) + 50))
while [ "$shown" -lt "$#" ] && [ "$rounds" -gt 0 ]; do
	moved=0
	while [ "$started" -lt "$#" ] && [ $((started - $(finished))) -lt "$jobs" ]; do
		started=$((started + 1))
		bin=$(nth "$started" "$@")
		moved=1
		if [ "$jobs" -eq 1 ]; then
			run_one "$started" "$bin"
			break
		fi
		run_one "$started" "$bin" &
	done
	while [ "$shown" -lt "$started" ] && [ -f "$work/$((shown + 1)).rc" ]; do
		shown=$((shown + 1))
		report "$shown" "$(nth "$shown" "$@")"
		moved=1
	done
	[ "$moved" -eq 0 ] && sleep 0.2
	rounds=$((rounds - 1))
done
wait
if [ "$shown" -lt "$#" ]; then
	echo "run-unit.sh: $(($# - shown)) binaries did not finish"
	failed=$((failed + $# - shown))
fi

[ -n "$broken" ] && echo "failing:$broken"
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
