#!/bin/sh
# The whole test suite, as `make test` runs it: every stage runs even when
# an earlier one failed, and the last line is the total over all stages,
# "total: N passed, N failed". A stage that ends without its own
# "N passed, N failed" line (a build error, a crash) counts as one failure.
# Exits non-zero when anything failed.
set -u

MAKE=${MAKE:-make}
log=$(mktemp "${TMPDIR:-/tmp}/ircserv-test.XXXXXX") || exit 2
trap 'rm -f "$log"' EXIT
trap 'exit 130' INT TERM

passed=0
failed=0
summary=""

stage() {
	name=$1
	shift
	echo "==== $name"
	"$@" >"$log" 2>&1
	rc=$?
	cat "$log"
	line=$(grep -E '(^|: )[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	p=$(printf '%s\n' "$line" | awk '{ for (i = 1; i < NF; i++) if ($(i + 1) ~ /^passed/) print $i }')
	f=$(printf '%s\n' "$line" | awk '{ for (i = 1; i < NF; i++) if ($(i + 1) ~ /^failed/) print $i }')
	if [ -z "$p" ] || [ -z "$f" ]; then
		p=0
		f=1
	elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	summary="$summary$(printf '%-22s %5d passed, %d failed' "$name" "$p" "$f")
"
}

$MAKE --no-print-directory deps || exit 1
stage "lint" $MAKE --no-print-directory lint
stage "unit" $MAKE --no-print-directory unit
stage "integration" $MAKE --no-print-directory integration
# The same servers again on the epoll backend (Linux only).
if [ "$(uname -s)" = Linux ]; then
	stage "integration (epoll)" env TEST_EVENT_BACKEND=epoll \
	    $MAKE --no-print-directory integration
fi
stage "e2e (irssi, WeeChat)" $MAKE --no-print-directory e2e
stage "stress" $MAKE --no-print-directory stress
stage "stress (SASL storm)" $MAKE --no-print-directory stress-sasl
if [ "$(uname -s)" = Linux ]; then
	stage "stress (epoll)" env TEST_EVENT_BACKEND=epoll \
	    $MAKE --no-print-directory stress
	stage "stress (SASL, epoll)" env TEST_EVENT_BACKEND=epoll \
	    $MAKE --no-print-directory stress-sasl
fi
stage "fuzz (30 s each)" env FUZZ_SECONDS=${FUZZ_SECONDS:-30} FUZZ_PARALLEL=1 \
    $MAKE --no-print-directory fuzz
stage "irctest" $MAKE --no-print-directory irctest
stage "unit (ASan+UBSan)" $MAKE --no-print-directory SAN=1 unit
stage "integration (ASan)" $MAKE --no-print-directory SAN=1 integration
stage "install" sh tests/install.sh

echo "==== summary"
printf '%s' "$summary"
echo "total: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
