#!/bin/sh
# Install what a test suite needs on Debian when it is missing. Usage:
#   sh tests/deps.sh [SUITE...]     (no SUITE: every one, as make test runs)
#   sh tests/deps.sh --check SUITE...   only say what is missing (exit 1 if
#                                       anything is), install nothing
# Suites and what they need:
#   unit         libcmocka-dev
#   integration  libcmocka-dev (test_tls_proxy also uses haproxy and openssl,
#                and skips without them unless CI=true)
#   e2e          irssi, weechat-headless, tmux, python3
#   stress       python3
#   lint         python3
#   fuzz         clang with its libFuzzer and sanitizer runtimes
#   valgrind     valgrind, libcmocka-dev
#   irctest      python3 with pytest (xdist, timeout), websockets, filelock;
#                faketime
#   web          python3 with websockets, chromium (headless, for the page)
#   interop      atheme-services; ircd-hybrid (it conflicts with ngircd, so
#                when it is not installed its package is unpacked into
#                $HYBRID_DIR, /var/cache/ircserv-test/ircd-hybrid, with
#                libltdl7 installed for it); python3, a C compiler, ip,
#                unshare, setpriv, timeout
#   all          all of the above, haproxy and openssl included
# Silent when everything is present, so CI (root, no stdin) pays nothing
# after the first run; `make unit` needs nothing but cmocka.
set -eu

missing=""
check=0
if [ "${1:-}" = --check ]; then
	check=1
	shift
fi

need_cmd() {
	for cmd in "$@"; do
		command -v "$cmd" >/dev/null 2>&1 || missing="$missing $cmd"
	done
}

# Headers have no command to look up, so check the file the tests include.
need_cmocka() {
	[ -f /usr/include/cmocka.h ] || missing="$missing libcmocka-dev"
}

# clang with its sanitizer and libFuzzer runtimes for tests/fuzz.
need_fuzz() {
	need_cmd clang
	ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1 ||
		ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer*.a >/dev/null 2>&1 ||
		missing="$missing libclang-rt-14-dev"
}

# pytest with xdist and timeout, websockets, and filelock (which irctest
# needs under xdist), checked with Debian's python3; faketime for the
# irctest tests that need a fast clock.
need_irctest() {
	for mod in pytest:python3-pytest xdist:python3-pytest-xdist \
	    pytest_timeout:python3-pytest-timeout websockets:python3-websockets \
	    filelock:python3-filelock; do
		/usr/bin/python3 -c "import ${mod%%:*}" 2>/dev/null ||
			missing="$missing ${mod#*:}"
	done
	need_cmd faketime
}

# Debian's websockets for tests/web/test_ws.py; Chromium for the page.
need_web() {
	/usr/bin/python3 -c "import websockets" 2>/dev/null ||
		missing="$missing python3-websockets"
	command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] ||
		missing="$missing chromium"
}

# haproxy lives in /usr/sbin, which a non-root PATH may lack.
need_tls_proxy() {
	need_cmd openssl
	command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] ||
		missing="$missing haproxy"
}

# A command of another name than its package: need_pkg COMMAND PACKAGE.
need_pkg() {
	command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/sbin/$1" ] ||
		missing="$missing $2"
}

HYBRID_DIR=${HYBRID_DIR:-/var/cache/ircserv-test/ircd-hybrid}

# Atheme from Debian; ircd-hybrid installed, or unpacked into HYBRID_DIR.
need_interop() {
	need_cmd python3 cc timeout
	need_pkg ip iproute2
	need_pkg unshare util-linux
	need_pkg setpriv util-linux
	[ -x /usr/bin/atheme-services ] || missing="$missing atheme-services"
	[ -x /usr/sbin/ircd-hybrid ] || [ -x "$HYBRID_DIR/usr/sbin/ircd-hybrid" ] ||
		missing="$missing ircd-hybrid"
}

# Unpack ircd-hybrid into HYBRID_DIR (no maintainer scripts, no conflict).
unpack_hybrid() {
	dl=$(mktemp -d)
	chmod 755 "$dl"      # apt downloads as _apt
	(cd "$dl" && apt-get download -q ircd-hybrid </dev/null >/dev/null) || {
		rm -rf "$dl"
		echo "deps.sh: cannot download ircd-hybrid" >&2
		return 1
	}
	mkdir -p "$HYBRID_DIR"
	dpkg-deb -x "$dl"/ircd-hybrid_*.deb "$HYBRID_DIR"
	chmod -R a+rX "$HYBRID_DIR"
	rm -rf "$dl"
}

need() {
	case "$1" in
	unit|integration) need_cmocka ;;
	e2e) need_cmd irssi weechat-headless tmux python3 ;;
	stress|lint) need_cmd python3 ;;
	fuzz) need_fuzz ;;
	valgrind) need_cmd valgrind; need_cmocka ;;
	irctest) need_cmd python3; need_irctest ;;
	web) need_cmd python3; need_web ;;
	interop) need_interop ;;
	all)
		for s in unit e2e fuzz valgrind irctest web interop; do need "$s"; done
		need_tls_proxy ;;
	*) echo "deps.sh: unknown suite $1" >&2; exit 2 ;;
	esac
}

[ "$#" -eq 0 ] && set -- all
for suite in "$@"; do
	need "$suite"
done
# One name once, whichever suites asked for it.
missing=$(printf '%s\n' $missing | sort -u | tr '\n' ' ' | sed 's/ $//')
[ -n "$missing" ] && missing=" $missing"

if [ "$check" = 1 ]; then
	[ -z "$missing" ] && exit 0
	echo "${missing# }"
	exit 1
fi

[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing test dependencies:$missing" >&2
	echo "deps.sh: run as root, or install them with:" >&2
	echo "    sudo apt-get install$missing" >&2
	exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
	echo "deps.sh: missing:$missing, and no apt-get to install them" >&2
	exit 1
fi

echo "deps.sh: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# Stdin is closed so that nothing can stop to ask a question in CI.
apt-get update -q </dev/null >/dev/null
hybrid=no
case " $missing " in
*" ircd-hybrid "*)
	hybrid=yes
	missing=$(printf '%s\n' $missing libltdl7 | grep -vx ircd-hybrid | sort -u | tr '\n' ' ')
	;;
esac
# shellcheck disable=SC2086 # one word per package
apt-get install -y -q $missing </dev/null
[ "$hybrid" = no ] || unpack_hybrid
