#!/bin/sh
# Installation check: "make install" and "make install-systemd" into a
# temporary DESTDIR with PREFIX=/usr put every file where ircserv(8) says;
# the manual page renders without warnings; the installed binary accepts the
# installed example configuration; systemd-analyze accepts the unit (skipped
# when systemd-analyze is not installed); "make uninstall" removes it all.
# Ends with "install: N passed, N failed"; exits non-zero if anything failed.
set -u

cd "$(dirname "$0")/.." || exit 2
MAKE=${MAKE:-make}
dest=$(mktemp -d "${TMPDIR:-/tmp}/ircserv-install.XXXXXX") || exit 2
log=$dest.log
trap 'rm -rf "$dest" "$log"' EXIT
trap 'exit 130' INT TERM

passed=0
failed=0

pass() {
	passed=$((passed + 1))
	echo "ok      $1"
}

# fail <what> [<output to show>]
fail() {
	failed=$((failed + 1))
	echo "FAIL    $1"
	if [ -n "${2:-}" ]; then
		printf '%s\n' "$2" | sed 's/^/        /'
	fi
}

skip() {
	echo "skip    $1"
}

# check <what> <command...>: passes when the command succeeds.
check() {
	what=$1
	shift
	if "$@"; then
		pass "$what"
	else
		fail "$what"
	fi
}

# quiet <what> <command...>: passes when the command succeeds and prints
# nothing on standard error (a renderer's warnings).
quiet() {
	what=$1
	shift
	if out=$("$@" 2>&1 >/dev/null) && [ -z "$out" ]; then
		pass "$what"
	else
		fail "$what" "$out"
	fi
}

run_make() {
	if "$MAKE" --no-print-directory DESTDIR="$dest" PREFIX=/usr "$@" >"$log" 2>&1; then
		pass "make $*"
		return 0
	fi
	fail "make $*" "$(tail -n 20 "$log")"
	return 1
}

bin=$dest/usr/bin/ircserv
page=$dest/usr/share/man/man8/ircserv.8
example=$dest/usr/share/doc/ircserv/ircserv.conf.example
unit=$dest/usr/lib/systemd/system/ircserv.service

# 1. make install: the files, and no unit unless asked for.
if run_make install; then
	check "binary installed, executable" test -x "$bin"
	check "manual page installed" test -f "$page"
	check "example configuration installed" test -f "$example"
	check "no systemd unit without install-systemd" test ! -e "$unit"
	out=$("$bin" --configtest -c "$example" 2>&1)
	case $out in
	*"configuration OK"*) pass "installed binary accepts the example configuration" ;;
	*) fail "installed binary accepts the example configuration" "$out" ;;
	esac
	out=$(echo "install-check" | "$bin" --mkpasswd 2>&1)
	# shellcheck disable=SC2016 # a literal '$', not an expansion
	case $out in
	'$pbkdf2-sha256$'*) pass "installed binary hashes with --mkpasswd" ;;
	*) fail "installed binary hashes with --mkpasswd" "$out" ;;
	esac
fi

# 2. The manual page renders cleanly (man-db, then groff directly).
if command -v man >/dev/null 2>&1; then
	quiet "man -l docs/ircserv.8 without warnings" \
	    env MANWIDTH=80 man --warnings -E UTF-8 -l docs/ircserv.8
else
	skip "man -l (man is not installed)"
fi
if command -v groff >/dev/null 2>&1; then
	quiet "groff -man -ww -z docs/ircserv.8" groff -man -ww -z docs/ircserv.8
else
	skip "groff -ww (groff is not installed)"
fi

# 3. make install-systemd: the unit, pointed at the installed binary.
if run_make install-systemd; then
	check "systemd unit installed" test -f "$unit"
	check "unit runs /usr/bin/ircserv" \
	    grep -q '^ExecStart=/usr/bin/ircserv -c /etc/ircserv/ircserv.conf ' "$unit"
	if command -v systemd-analyze >/dev/null 2>&1; then
		# verify wants ExecStart to exist and man:ircserv(8) to open:
		# point both into the staging directory.
		mkdir -p "$dest/verify"
		sed "s|^ExecStart=/usr/bin/ircserv|ExecStart=$bin|" "$unit" \
		    >"$dest/verify/ircserv.service"
		out=$(MANPATH=$dest/usr/share/man systemd-analyze verify \
		    "$dest/verify/ircserv.service" 2>&1)
		rc=$?
		# Only complaints about our unit count, not about the host's units.
		if [ "$rc" -eq 0 ] && ! printf '%s\n' "$out" | grep -q ircserv; then
			pass "systemd-analyze verify ircserv.service"
		else
			fail "systemd-analyze verify ircserv.service" "$out"
		fi
	else
		skip "systemd-analyze verify (systemd-analyze is not installed)"
	fi
fi

# 4. make uninstall leaves no file behind.
if run_make uninstall; then
	left=$(find "$dest/usr" -type f 2>/dev/null)
	if [ -z "$left" ]; then
		pass "uninstall removed every file"
	else
		fail "uninstall removed every file" "$left"
	fi
	check "uninstall removed the doc directory" test ! -d "$dest/usr/share/doc/ircserv"
fi

echo "install: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
