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

# Outside CI a stage whose tools are missing (and cannot be installed:
# not root) is skipped with the names of what it lacks; in CI (CI=true)
# everything is required.
needs() {
	[ "${CI:-}" = true ] && return 0
	lack=$(sh tests/deps.sh --check "$1") && return 0
	echo "==== $2: skipped, missing: $lack"
	summary="$summary$(printf '%-22s skipped (missing: %s)' "$2" "$lack")
"
	return 1
}

if ! $MAKE --no-print-directory deps; then
	[ "${CI:-}" = true ] && exit 1
	echo "run-all: some test tools are missing; the stages that need them are skipped"
fi
needs lint "lint" && stage "lint" $MAKE --no-print-directory lint
needs unit "unit" && stage "unit" $MAKE --no-print-directory unit
needs integration "integration" &&
	stage "integration" $MAKE --no-print-directory integration
# The same servers again on the epoll backend (Linux only).
if [ "$(uname -s)" = Linux ] && needs integration "integration (epoll)"; then
	stage "integration (epoll)" env TEST_EVENT_BACKEND=epoll \
	    $MAKE --no-print-directory integration
fi
needs e2e "e2e (irssi, WeeChat)" &&
	stage "e2e (irssi, WeeChat)" $MAKE --no-print-directory e2e
needs web "web (WebSocket, Chromium)" &&
	stage "web (WebSocket, Chromium)" $MAKE --no-print-directory web
if needs stress "stress"; then
	stage "stress" $MAKE --no-print-directory stress
	stage "stress (SASL storm)" $MAKE --no-print-directory stress-sasl
	if [ "$(uname -s)" = Linux ]; then
		stage "stress (epoll)" env TEST_EVENT_BACKEND=epoll \
		    $MAKE --no-print-directory stress
		stage "stress (SASL, epoll)" env TEST_EVENT_BACKEND=epoll \
		    $MAKE --no-print-directory stress-sasl
	fi
fi
needs fuzz "fuzz (30 s each)" &&
	stage "fuzz (30 s each)" env FUZZ_SECONDS=${FUZZ_SECONDS:-30} FUZZ_PARALLEL=1 \
	    $MAKE --no-print-directory fuzz
needs irctest "irctest" && stage "irctest" $MAKE --no-print-directory irctest
# Links with ircd-hybrid and Atheme, in a private namespace (root needed).
needs interop "interop (hybrid, Atheme)" &&
	stage "interop (hybrid, Atheme)" $MAKE --no-print-directory interop
needs unit "unit (ASan+UBSan)" &&
	stage "unit (ASan+UBSan)" $MAKE --no-print-directory SAN=1 unit
needs integration "integration (ASan)" &&
	stage "integration (ASan)" $MAKE --no-print-directory SAN=1 integration
needs web "web (ASan)" &&
	stage "web (ASan)" $MAKE --no-print-directory SAN=1 web
stage "install" sh tests/install.sh

echo "==== summary"
printf '%s' "$summary"
echo "total: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
