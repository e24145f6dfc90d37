#!/bin/sh
# Install what the tests need on Debian 12 when it is missing: cmocka for the
# unit tests, irssi, weechat-headless and tmux for the end-to-end client
# tests, python3 to drive them, haproxy and openssl for the TLS-through-a-
# PROXY-protocol test, clang (libFuzzer), valgrind, and pytest (with xdist,
# timeout), websockets, filelock and faketime for irctest. Silent when
# everything is present, so CI (root, no
# stdin) pays nothing after the first run.
set -eu

missing=""

# Headers have no command to look up, so check the file the tests include.
[ -f /usr/include/cmocka.h ] || missing="$missing libcmocka-dev"

for cmd in irssi weechat-headless tmux python3 openssl; do
	command -v "$cmd" >/dev/null 2>&1 || missing="$missing $cmd"
done

# clang with its sanitizer and libFuzzer runtimes for tests/fuzz; valgrind
# for make valgrind.
command -v clang >/dev/null 2>&1 || missing="$missing clang"
ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1 ||
	ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer*.a >/dev/null 2>&1 ||
	missing="$missing libclang-rt-14-dev"
command -v valgrind >/dev/null 2>&1 || missing="$missing valgrind"

# pytest with xdist and timeout, websockets, and filelock (which irctest
# needs under xdist) for the irctest suite (make irctest), checked with
# Debian's python3.
for mod in pytest:python3-pytest xdist:python3-pytest-xdist \
    pytest_timeout:python3-pytest-timeout websockets:python3-websockets \
    filelock:python3-filelock; do
	/usr/bin/python3 -c "import ${mod%%:*}" 2>/dev/null ||
		missing="$missing ${mod#*:}"
done

# faketime, for the irctest tests that need a fast clock.
command -v faketime >/dev/null 2>&1 || missing="$missing faketime"

# haproxy lives in /usr/sbin, which a non-root PATH may lack.
command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] ||
	missing="$missing haproxy"

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
# shellcheck disable=SC2086 # one word per package
apt-get install -y -q $missing </dev/null
