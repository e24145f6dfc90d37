# Shared by tests/interop/*.sh (sourced, POSIX sh): the checks that decide
# whether a test can run, its private network and mount namespace, its
# run directory, the processes it starts (all killed and reaped on exit),
# the stand-in DNS server, and ircserv itself. Every wait is bounded: the
# scenarios are Python (tests/interop/irc.py) with a timeout on each step.
#
# A test skips (exit 77) only when it is not root or cannot make a
# namespace with unshare; a missing ircd-hybrid or Atheme is a failure
# (tests/deps.sh interop installs them), except outside CI when the
# script is run by hand, where it skips saying what is missing.

# interop_enter SCRIPT BIN: re-run SCRIPT with BIN inside a new network
# and mount namespace (where loopback is ours alone), or exit 77.
interop_enter() {
	[ "${INTEROP_INSIDE:-}" = 1 ] && return 0
	if [ "$(id -u)" != 0 ]; then
		echo "interop: needs root (the peers run as nobody, in a namespace): skipped"
		exit 77
	fi
	if ! unshare --net --mount true 2>/dev/null; then
		echo "interop: unshare --net --mount does not work here: skipped"
		exit 77
	fi
	INTEROP_BIN=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
	export INTEROP_INSIDE=1 INTEROP_BIN
	exec timeout -k 5 "${INTEROP_TIMEOUT:-240}" unshare --net --mount -- sh "$1"
}

# interop_need NAME PATH: PATH must be executable.
interop_need() {
	[ -x "$2" ] && return 0
	if [ "${CI:-}" = true ]; then
		echo "interop: no $1 at $2 (sh tests/deps.sh interop installs it): FAILED"
		exit 1
	fi
	echo "interop: no $1 at $2 (sh tests/deps.sh interop installs it): skipped"
	exit 77
}

# interop_setup: the run directory $RUN, loopback up, DNS answered at once
# with "no such name" (hybrid looks up every address), cleanup on exit.
interop_setup() {
	BIN=$INTEROP_BIN
	RUN=$(mktemp -d /tmp/ircserv-interop.XXXXXX)
	chmod 777 "$RUN"
	PIDS=
	trap interop_cleanup EXIT
	trap 'exit 1' INT TERM
	ip link set lo up
	${CC:-cc} -O2 -o "$RUN/nodns" tests/bench/nodns.c
	echo "nameserver 127.0.0.1" >"$RUN/resolv.conf"
	mount --bind "$RUN/resolv.conf" /etc/resolv.conf
	interop_bg "$RUN/nodns"
}

interop_cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	for p in $PIDS; do wait "$p" 2>/dev/null || true; done
	rm -rf "$RUN"
}

# interop_bg CMD...: start CMD in the background; its pid is $LAST.
interop_bg() {
	"$@" &
	LAST=$!
	PIDS="$PIDS $LAST"
}

# interop_stop PID...: kill and reap.
interop_stop() {
	for p in "$@"; do kill "$p" 2>/dev/null || true; done
	for p in "$@"; do wait "$p" 2>/dev/null || true; done
}

# interop_ircserv CONF: start ircserv (client port $CLIENT_PORT); $IRCSERV_PID.
interop_ircserv() {
	interop_bg "$BIN" -c "$1" "$CLIENT_PORT" x
	IRCSERV_PID=$LAST
}

# interop_as_nobody CMD...: CMD in the background as nobody.
interop_as_nobody() {
	interop_bg setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"
}

# interop_scenario NAME [ARG...]: run the Python on stdin with ARGs (irc.py
# importable, the ports in the environment); on failure, show the logs in
# $RUN and exit 1.
interop_scenario() {
	name=$1
	shift
	if PYTHONPATH=tests/interop python3 - "$@"; then
		echo "interop: $name: ok"
		return 0
	fi
	echo "interop: $name: FAILED"
	for f in "$RUN"/*.log; do
		[ -f "$f" ] || continue
		echo "== $f"
		tail -n 30 "$f"
	done
	exit 1
}
