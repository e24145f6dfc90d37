#!/bin/sh
# Run each libFuzzer harness in build/fuzz/ (built by `make fuzz-build`,
# which `make fuzz` runs first) for FUZZ_SECONDS (default 60; 0 only
# replays the corpus), starting from a copy of its committed corpus in
# tests/fuzz/corpus/<harness>/, which is never written to. Usage:
#   sh tests/fuzz/run.sh [HARNESS...]     (default: every tests/fuzz/fuzz_*.c)
# Environment: FUZZ_SECONDS, FUZZ_PARALLEL=1 to run the harnesses at once
# (niced), FUZZ_ARGS for extra libFuzzer options. Compiler flags are the
# Makefile's: `make fuzz FUZZ_CFLAGS=-fno-sanitize=...` steps over a known
# finding while its fix is pending (the objects are rebuilt).
# Prints executions and coverage per harness; a crash, leak, sanitizer
# report or hang leaves its input in build/fuzz/artifacts/ and makes the
# script exit non-zero.
set -u

cd "$(dirname "$0")/../.." || exit 2
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FUZZ_PARALLEL=${FUZZ_PARALLEL:-0}
FUZZ_ARGS=${FUZZ_ARGS:-}
OUT=build/fuzz

harnesses=${*:-$(cd tests/fuzz && ls fuzz_*.c | sed 's/\.c$//')}

check_built() {
	mkdir -p "$OUT/artifacts" "$OUT/work" || return 1
	for h in $harnesses; do
		if [ ! -x "$OUT/$h" ]; then
			echo "run.sh: $OUT/$h is not built (make fuzz-build)" >&2
			return 1
		fi
	done
}

# Longest input tried: room for over-long lines and long scripts.
max_len() {
	case "$1" in
	fuzz_msg) echo 10000 ;;
	*) echo 32768 ;;
	esac
}

# Run one harness; its log goes to $OUT/<harness>.log, and what it finds
# to $OUT/artifacts/<harness>-* (those of its previous run are removed).
run_one() {
	h=$1
	work="$OUT/work/$h"
	rm -rf "$work" "$OUT"/artifacts/"$h"-*
	mkdir -p "$work"
	if [ -d "tests/fuzz/corpus/$h" ]; then
		cp -R "tests/fuzz/corpus/$h/." "$work/"
	fi
	if [ "$FUZZ_SECONDS" -gt 0 ]; then
		limit="-max_total_time=$FUZZ_SECONDS"
	else
		limit="-runs=0"
	fi
	# shellcheck disable=SC2086 # options are words
	nice -n 10 "$OUT/$h" $limit -timeout=10 -rss_limit_mb=2048 \
	    -max_len="$(max_len "$h")" -print_final_stats=1 \
	    -artifact_prefix="$OUT/artifacts/$h-" $FUZZ_ARGS "$work" \
	    >"$OUT/$h.log" 2>&1
	echo $? >"$OUT/$h.rc"
}

report() {
	h=$1
	rc=$(cat "$OUT/$h.rc" 2>/dev/null || echo 1)
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$OUT/$h.log" | tail -n 1)
	cov=$(grep -E '^#[0-9]+' "$OUT/$h.log" | grep -o 'cov: [0-9]*' | tail -n 1)
	ft=$(grep -E '^#[0-9]+' "$OUT/$h.log" | grep -o 'ft: [0-9]*' | tail -n 1)
	corp=$(grep -E '^#[0-9]+' "$OUT/$h.log" | grep -o 'corp: [0-9]*/[0-9a-zA-Z]*' | tail -n 1)
	printf '%-10s %s runs in %ss, %s, %s, %s, exit %s\n' "$h" "${runs:-?}" \
	    "$FUZZ_SECONDS" "${cov:-cov: ?}" "${ft:-ft: ?}" "${corp:-corp: ?}" "$rc"
	if [ "$rc" -ne 0 ]; then
		echo "---- $h failed; end of $OUT/$h.log:"
		tail -n 40 "$OUT/$h.log"
		ls "$OUT"/artifacts/"$h"-* 2>/dev/null
		return 1
	fi
	return 0
}

check_built || { echo "0 passed, 1 failed"; exit 1; }

if [ "$FUZZ_PARALLEL" = 1 ]; then
	pids=""
	for h in $harnesses; do
		run_one "$h" &
		pids="$pids $!"
	done
	for pid in $pids; do
		wait "$pid"
	done
else
	for h in $harnesses; do
		echo "  FUZZ    $h (${FUZZ_SECONDS}s)"
		run_one "$h"
	done
fi

passed=0
failed=0
for h in $harnesses; do
	if report "$h"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
