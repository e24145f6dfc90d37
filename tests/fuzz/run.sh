#!/bin/sh
# Build the libFuzzer harnesses into build/fuzz/ and run each one for
# FUZZ_SECONDS (default 60; 0 only replays the corpus), starting from a
# copy of its committed corpus in tests/fuzz/corpus/<harness>/, which is
# never written to. Usage:
#   sh tests/fuzz/run.sh [fuzz_msg fuzz_line fuzz_core fuzz_proxy fuzz_journal fuzz_ws]
# Environment: CC (default clang), FUZZ_SECONDS, FUZZ_PARALLEL=1 to run the
# harnesses at once (niced), FUZZ_ARGS for extra libFuzzer options,
# FUZZ_CFLAGS for extra compiler flags (-fno-sanitize=... steps over a
# known finding while its fix is pending; the objects are rebuilt).
# Prints executions and coverage per harness; a crash, leak, sanitizer
# report or hang leaves its input in build/fuzz/artifacts/ and makes the
# script exit non-zero.
set -u

cd "$(dirname "$0")/../.." || exit 2
CC=${CC:-clang}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FUZZ_PARALLEL=${FUZZ_PARALLEL:-0}
FUZZ_ARGS=${FUZZ_ARGS:-}
FUZZ_CFLAGS=${FUZZ_CFLAGS:-}
OUT=build/fuzz
SAN="-fsanitize=address,undefined -fno-sanitize-recover=all"
CFLAGS="-std=c17 -D_XOPEN_SOURCE=700 -g -O1 -fno-omit-frame-pointer -Wall -Wextra -Werror -Iinclude"

harnesses=${*:-fuzz_msg fuzz_line fuzz_core fuzz_proxy fuzz_journal fuzz_ws}

if ! command -v "$CC" >/dev/null 2>&1; then
	echo "run.sh: $CC not found (libFuzzer needs clang)" >&2
	exit 2
fi

# The core: every src file but the socket shell (main, conn, loop),
# instrumented for coverage without libFuzzer's main().
build() {
	mkdir -p "$OUT/obj" "$OUT/artifacts" "$OUT/work" || return 1
	# Other flags than last time: build everything again.
	cc_line="$CC $CFLAGS -fsanitize=fuzzer-no-link $SAN $FUZZ_CFLAGS"
	if [ "$(cat "$OUT/obj/flags" 2>/dev/null)" != "$cc_line" ]; then
		rm -f "$OUT"/obj/*.o
		echo "$cc_line" >"$OUT/obj/flags"
	fi
	core=""
	for src in src/*.c; do
		name=$(basename "$src" .c)
		case "$name" in main|conn|loop) continue ;; esac
		obj="$OUT/obj/$name.o"
		if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] ||
		    [ -n "$(find include -newer "$obj" -name '*.h' | head -n 1)" ]; then
			echo "  CC      $src"
			$cc_line -c -o "$obj" "$src" || return 1
		fi
		core="$core $obj"
	done
	for h in $harnesses; do
		echo "  LD      $OUT/$h"
		$CC $CFLAGS -fsanitize=fuzzer $SAN $FUZZ_CFLAGS -o "$OUT/$h" \
		    "tests/fuzz/$h.c" $core || return 1
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

build || { echo "run.sh: build failed"; echo "0 passed, 1 failed"; exit 1; }

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
