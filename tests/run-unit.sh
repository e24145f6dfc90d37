#!/bin/sh
# Run cmocka test binaries and add up their results. Usage:
#   sh tests/run-unit.sh BINARY...
# Each binary's output is shown as it ran; the last line is the total
# "N passed, N failed" over test cases, read from cmocka's own
# "[  PASSED  ] N test(s)." and "[  FAILED  ] N test(s)," lines. A binary
# that crashes, times out, or exits non-zero without reporting a failure
# counts as one failed case, and so does one that reports no result at all.
# Exits non-zero when anything failed.
set -u

passed=0
failed=0
skipped=0
broken=""
out=$(mktemp "${TMPDIR:-/tmp}/run-unit.XXXXXX") || exit 2
trap 'rm -f "$out"' EXIT
trap 'exit 130' INT TERM

# Sum the N of every line "[<tag>] N test(s)<sep>" in the output file; a
# binary may run several groups.
count() {
	sed -n "s/^\[$1\] \([0-9][0-9]*\) test(s)$2.*/\1/p" "$out" |
	    awk '{ s += $1 } END { print s + 0 }'
}

if [ "$#" -eq 0 ]; then
	echo "run-unit.sh: no test binaries given" >&2
fi

for bin in "$@"; do
	case "$bin" in
	*/*) ;;
	*) bin=./$bin ;;
	esac
	echo "== $bin"
	# The plain format is the one parsed below, whatever the environment says.
	CMOCKA_MESSAGE_OUTPUT=STDOUT timeout -k 10 120 "$bin" >"$out" 2>&1
	rc=$?
	cat "$out"
	p=$(count '  PASSED  ' '\.')
	f=$(count '  FAILED  ' ',')
	s=$(count '  SKIPPED ' ',')
	if [ "$f" -eq 0 ] && { [ "$rc" -ne 0 ] ||
	    ! grep -q '^\[  PASSED  \] [0-9]' "$out"; }; then
		case "$rc" in
		0) why="reported no test result" ;;
		124|137) why="timed out after 120 s" ;;
		126|127) why="could not be run (exit $rc)" ;;
		*) why="exited with status $rc" ;;
		esac
		echo "run-unit.sh: $bin $why"
		f=1
	fi
	[ "$f" -gt 0 ] && broken="$broken $bin"
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
done

[ -n "$broken" ] && echo "failing:$broken"
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
