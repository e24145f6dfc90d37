#!/bin/sh
# The whole test suite, as `make test` runs it: every stage runs even when
# an earlier one failed, and the last line is the total over all stages,
# "total: N passed, N failed". A stage that ends without its own
# "N passed, N failed" line (a build error, a crash) counts as one failure.
# The summary gives each stage's wall-clock seconds, and the total's.
# Exits non-zero when anything failed.
set -u

MAKE=${MAKE:-make}
# The make of every stage: what a stage builds, it builds on every core,
# unless the caller's make was given its own -j (its jobserver is passed
# down then).
mk="$MAKE --no-print-directory"
case "${MAKEFLAGS:-}" in
*-j*|*jobserver*) ;;
*) mk="$mk -j$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)" ;;
esac
log=$(mktemp "${TMPDIR:-/tmp}/ircserv-test.XXXXXX") || exit 2
trap 'rm -f "$log"' EXIT
trap 'exit 130' INT TERM

passed=0
failed=0
summary=""
started=$(date +%s)

stage() {
	name=$1
	shift
	echo "==== $name"
	t0=$(date +%s)
	"$@" >"$log" 2>&1
	rc=$?
	secs=$(($(date +%s) - t0))
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
	summary="$summary$(printf '%-26s %5d passed, %d failed  (%d s)' "$name" "$p" "$f" "$secs")
"
}

# Outside CI a stage whose tools are missing (and cannot be installed:
# not root) is skipped with the names of what it lacks; in CI (CI=true)
# everything is required.
needs() {
	[ "${CI:-}" = true ] && return 0
	lack=$(sh tests/deps.sh --check "$1") && return 0
	echo "==== $2: skipped, missing: $lack"
	summary="$summary$(printf '%-26s skipped (missing: %s)' "$2" "$lack")
"
	return 1
}

if ! $mk deps; then
	[ "${CI:-}" = true ] && exit 1
	echo "run-all: some test tools are missing; the stages that need them are skipped"
fi
needs lint "lint" && stage "lint" $mk lint
needs unit "unit" && stage "unit" $mk unit
needs integration "integration" &&
	stage "integration" $mk integration
# The same servers again on the epoll backend (Linux only).
if [ "$(uname -s)" = Linux ] && needs integration "integration (epoll)"; then
	stage "integration (epoll)" env TEST_EVENT_BACKEND=epoll \
	    $mk integration
fi
needs e2e "e2e (irssi, WeeChat)" &&
	stage "e2e (irssi, WeeChat)" $mk e2e
needs web "web (WebSocket, Chromium)" &&
	stage "web (WebSocket, Chromium)" $mk web
if needs stress "stress"; then
	stage "stress" $mk stress
	stage "stress (SASL storm)" $mk stress-sasl
	if [ "$(uname -s)" = Linux ]; then
		stage "stress (epoll)" env TEST_EVENT_BACKEND=epoll \
		    $mk stress
		stage "stress (SASL, epoll)" env TEST_EVENT_BACKEND=epoll \
		    $mk stress-sasl
	fi
fi
needs fuzz "fuzz (30 s each)" &&
	stage "fuzz (30 s each)" env FUZZ_SECONDS=${FUZZ_SECONDS:-30} FUZZ_PARALLEL=1 \
	    $mk fuzz
needs irctest "irctest" && stage "irctest" $mk irctest
# Links with ircd-hybrid and Atheme, in a private namespace (root needed).
needs interop "interop (hybrid, Atheme)" &&
	stage "interop (hybrid, Atheme)" $mk interop
needs unit "unit (ASan+UBSan)" &&
	stage "unit (ASan+UBSan)" $mk SAN=1 unit
needs integration "integration (ASan)" &&
	stage "integration (ASan)" $mk SAN=1 integration
needs web "web (ASan)" &&
	stage "web (ASan)" $mk SAN=1 web
stage "install" sh tests/install.sh

echo "==== summary"
printf '%s' "$summary"
echo "total: $passed passed, $failed failed  ($(($(date +%s) - started)) s)"
[ "$failed" -eq 0 ]
