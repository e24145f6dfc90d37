#!/bin/sh
# Benchmark: the same load scenarios (tests/bench/ircload.c) against ircserv
# (twice: event_backend poll, the default, and epoll as "ircserv_epoll"), a
# bare line relay (the kernel's limit) and three peers (ngIRCd, InspIRCd,
# ircd-hybrid), ROUNDS times each; prints a table of medians with ratios to
# the best peer, then callgrind counts of ircserv instructions per delivery,
# private message and registration.
#
#   sh tests/bench/run.sh            full run (~13 minutes on 2 cores)
#   QUICK=1 sh tests/bench/run.sh    smaller N, shorter runs, 1 round (~3 minutes)
#
# Environment: ROUNDS (3; 1 with QUICK), QUICK (0), SERVERS ("ircserv ircserv_epoll relay
# ngircd inspircd hybrid"; ircserv_epoll on Linux only), SCENARIOS (all), CALLGRIND (1), IRCSERV_BIN (./ircserv, built with
# make), UPDATE_BASELINE (0: 1 writes tests/bench/baseline.txt), OUT
# (build/bench). Raw result lines go to $OUT/results.txt, the table to
# $OUT/table.md. Everything listens on 127.0.0.1 inside a private network
# namespace when unshare(1) allows it; peers are unpacked into $OUT/peers
# with apt-get download (never installed), their libraries with apt-get.
#
# shellcheck disable=SC2086,SC3045
# (flag lists and command prefixes are split on purpose; dash, bash and
# busybox sh all have ulimit -n and -H)
set -eu

cd "$(dirname "$0")/../.."
ROOT=$(pwd)
BENCH=$ROOT/tests/bench
OUT=${OUT:-$ROOT/build/bench}
QUICK=${QUICK:-0}
if [ "$QUICK" = 1 ]; then ROUNDS=${ROUNDS:-1}; else ROUNDS=${ROUNDS:-3}; fi
SERVERS=${SERVERS:-"ircserv ircserv_epoll relay ngircd inspircd hybrid"}
# epoll exists on Linux only.
[ "$(uname -s)" = Linux ] || SERVERS=$(echo " $SERVERS " | sed 's/ ircserv_epoll / /')
PEERS="ngircd inspircd hybrid"
CALLGRIND=${CALLGRIND:-1}
UPDATE_BASELINE=${UPDATE_BASELINE:-0}
IRCSERV_BIN=${IRCSERV_BIN:-}
PASS=benchpw
RUN=$OUT/run
PEERDIR=$OUT/peers
LOAD=$OUT/ircload

if [ "$QUICK" = 1 ]; then
	N_SMALL=500 N_LARGE=2000 N_IDLE=2000 SECS=2 PINGS=300
else
	N_SMALL=2000 N_LARGE=10000 N_IDLE=10000 SECS=5 PINGS=1000
fi
# Fixed-rate fanout: messages per second per sender (10 senders, 99 receivers).
RATE=${RATE:-50}
SCENARIOS=${SCENARIOS:-"connect_small connect_large storm fanout_rate fanout_max privmsg idle"}

say() { printf '%s\n' "$*" >&2; }
die() { say "bench: $*"; exit 1; }

# ---------------------------------------------------------------- prepare

build_tools() {
	mkdir -p "$OUT" "$RUN"
	CFLAGS_BENCH="-std=c17 -D_XOPEN_SOURCE=700 -O2 -g -Wall -Wextra -Werror -pedantic
	    -Wshadow -Wstrict-prototypes -Wmissing-prototypes"
	${CC:-cc} $CFLAGS_BENCH -o "$LOAD" "$BENCH/ircload.c" -lm
	${CC:-cc} $CFLAGS_BENCH -o "$OUT/relay" "$BENCH/relay.c"
	${CC:-cc} $CFLAGS_BENCH -o "$OUT/nodns" "$BENCH/nodns.c"
	if [ -z "$IRCSERV_BIN" ]; then
		make -s >/dev/null
		IRCSERV_BIN=$ROOT/ircserv
	fi
	[ -x "$IRCSERV_BIN" ] || die "no ircserv binary at $IRCSERV_BIN"
}

# Unpack a Debian package into $PEERDIR/<name> (no maintainer scripts run,
# so nothing is started and ngircd/hybrid do not conflict).
fetch_peer() {
	name=$1 pkg=$2
	[ -d "$PEERDIR/$name/usr" ] && return 0
	mkdir -p "$PEERDIR/dl" "$PEERDIR/$name"
	(cd "$PEERDIR/dl" && apt-get download "$pkg" >/dev/null 2>&1) ||
	    { apt-get update -qq >/dev/null 2>&1 &&
	      (cd "$PEERDIR/dl" && apt-get download "$pkg" >/dev/null 2>&1); } ||
	    { say "bench: cannot download $pkg; skipping $name"; return 1; }
	# shellcheck disable=SC2012
	deb=$(ls -t "$PEERDIR"/dl/"$pkg"_*.deb | head -1)
	dpkg-deb -x "$deb" "$PEERDIR/$name"
	chmod -R a+rX "$PEERDIR/$name"
}

# Shared libraries the unpacked peers need and the base system may lack.
peer_libs() {
	missing=
	for lib in libident libltdl7 libargon2-1 libhttp-parser2.9 libldap-2.5-0 \
	    libmariadb3 libmaxminddb0 libpq5 libre2-9 libsqlite3-0 libtre5; do
		dpkg -s "$lib" >/dev/null 2>&1 || missing="$missing $lib"
	done
	[ -z "$missing" ] && return 0
	say "bench: installing peer libraries:$missing"
	apt-get install -y -qq $missing >/dev/null 2>&1 ||
	    { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq $missing >/dev/null 2>&1; } ||
	    say "bench: could not install$missing"
}

prepare_peers() {
	want=
	for s in $SERVERS; do
		case " $PEERS " in *" $s "*) want="$want $s" ;; esac
	done
	[ -z "$want" ] && return 0
	command -v apt-get >/dev/null || { say "bench: no apt-get: peers skipped"; SERVERS=$(drop_peers); return 0; }
	peer_libs
	for s in $want; do
		case $s in
		ngircd) pkg=ngircd ;;
		inspircd) pkg=inspircd ;;
		hybrid) pkg=ircd-hybrid ;;
		esac
		fetch_peer "$s" "$pkg" || SERVERS=$(echo " $SERVERS " | sed "s/ $s / /")
	done
}

drop_peers() {
	for s in $SERVERS; do
		case " $PEERS " in *" $s "*) ;; *) printf '%s ' "$s" ;; esac
	done
}

# ---------------------------------------------------------------- servers

port_of() {
	case $1 in
	ircserv) echo 6670 ;; relay) echo 6671 ;; ngircd) echo 6672 ;;
	inspircd) echo 6673 ;; hybrid) echo 6674 ;; ircserv_epoll) echo 6675 ;;
	callgrind) echo 6679 ;;
	esac
}

# A peer's configuration: the template with @PORT@ @PASS@ @RUN@ @PEERS@.
peer_conf() {
	sed -e "s|@PORT@|$2|g; s|@PASS@|$PASS|g; s|@RUN@|$RUN/$1|g; s|@PEERS@|$PEERDIR|g" \
	    "$BENCH/peers/$1.conf" >"$RUN/$1/$1.conf"
}

# Start server $1 on CPU 1 in the background; sets SPID.
start_server() {
	name=$1 port=$(port_of "$1")
	rm -rf "${RUN:?}/$name"
	mkdir -p "$RUN/$name"
	chmod 777 "$RUN/$name"
	log=$RUN/$name/stderr.log
	case $name in
	ircserv)
		$PIN_SERVER "$IRCSERV_BIN" -c "$BENCH/peers/ircserv.conf" "$port" "$PASS" 2>"$log" &
		;;
	ircserv_epoll)
		# The same configuration on the other backend.
		{ cat "$BENCH/peers/ircserv.conf"; echo "event_backend = epoll"; } \
		    >"$RUN/$name/ircserv.conf"
		$PIN_SERVER "$IRCSERV_BIN" -c "$RUN/$name/ircserv.conf" "$port" "$PASS" 2>"$log" &
		;;
	relay)
		$PIN_SERVER "$OUT/relay" "$port" 2>"$log" &
		;;
	ngircd)
		peer_conf ngircd "$port"
		$PIN_SERVER "$PEERDIR/ngircd/usr/sbin/ngircd" -n -f "$RUN/ngircd/ngircd.conf" >"$log" 2>&1 &
		;;
	inspircd)
		peer_conf inspircd "$port"
		$PIN_SERVER "$PEERDIR/inspircd/usr/sbin/inspircd" --nofork --runasroot \
		    --config="$RUN/inspircd/inspircd.conf" >"$log" 2>&1 &
		;;
	hybrid)
		# hybrid refuses to run as root; its modules path is compiled in
		# (/usr/lib/ircd-hybrid), which the namespace overlays.
		peer_conf hybrid "$port"
		chmod 644 "$RUN/hybrid/hybrid.conf"
		$PIN_SERVER setpriv --reuid=nobody --regid=nogroup --clear-groups \
		    "$PEERDIR/hybrid/usr/sbin/ircd-hybrid" -foreground \
		    -configfile "$RUN/hybrid/hybrid.conf" -pidfile "$RUN/hybrid/pid" \
		    -logfile "$RUN/hybrid/ircd.log" -klinefile "$RUN/hybrid/k.db" \
		    -dlinefile "$RUN/hybrid/d.db" -xlinefile "$RUN/hybrid/x.db" \
		    -resvfile "$RUN/hybrid/r.db" >"$log" 2>&1 &
		;;
	esac
	SPID=$!
	wait_port "$port" 150 || { stop_server; say "bench: $name did not start:"; tail -5 "$log" >&2; return 1; }
}

# Wait until something accepts on 127.0.0.1:$1, at most $2 tenths of a second.
wait_port() {
	i=0
	while [ "$i" -lt "$2" ]; do
		kill -0 "$SPID" 2>/dev/null || return 1
		if "$LOAD" -p "$1" probe >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# Stop the server we started (by its PID): TERM, up to 5 s, then KILL.
stop_server() {
	[ -n "${SPID:-}" ] || return 0
	kill -TERM "$SPID" 2>/dev/null || true
	i=0
	while kill -0 "$SPID" 2>/dev/null && [ "$i" -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -KILL "$SPID" 2>/dev/null || true
	wait "$SPID" 2>/dev/null || true
	SPID=
}

stop_nodns() {
	[ -n "${NODNS_PID:-}" ] || return 0
	kill "$NODNS_PID" 2>/dev/null || true
	wait "$NODNS_PID" 2>/dev/null || true
	NODNS_PID=
}

# ---------------------------------------------------------------- scenarios

# Connections registering at once while a scenario sets up (not measured):
# ngIRCd listens with a backlog of 10 and drops SYNs beyond it (each drop
# costs seconds of SYN retransmission); InspIRCd completes registrations
# only in its once-a-second pass, so it needs many in flight.
setup_conc() {
	case $1 in ngircd) echo 8 ;; *) echo 1000 ;; esac
}

# The ircload arguments for scenario $1 against server $2 (the name after
# -N comes first and is what the table shows).
scenario_args() {
	c=$(setup_conc "$2")
	case $1 in
	connect_small) echo "-N connect$N_SMALL -n $N_SMALL -c 256 -D 30 connect" ;;
	connect_large) echo "-N connect$N_LARGE -n $N_LARGE -c 256 -D 60 connect" ;;
	storm) echo "-N storm1000 -n 1000 -c 1000 -D 20 connect" ;;
	fanout_rate) echo "-N fanout_rate$RATE -c $c -r $RATE -W 32 -d $SECS -D 90 fanout" ;;
	fanout_max) echo "-N fanout_max -c $c -r 0 -W 32 -d $SECS -D 90 fanout" ;;
	privmsg) echo "-N privmsg_max -c $c -r 0 -W 32 -d $SECS -D 90 privmsg" ;;
	idle) echo "-N idle$N_IDLE -n $N_IDLE -c $c -q $PINGS -D 120 idle" ;;
	esac
}

# One scenario against a fresh server; appends its line to results.txt. A
# scenario that ran into its deadline is not repeated in later rounds (it
# would only burn the same minutes again); its line says status=skipped.
run_one() {
	server=$1 scen=$2 round=$3
	if grep -qx "$server $scen" "$OUT/timeouts.txt"; then
		echo "round=$round scenario=$(scenario_args "$scen" "$server" | cut -d' ' -f2) server=$server status=skipped" >>"$OUT/results.txt"
		return 0
	fi
	if ! start_server "$server"; then
		echo "round=$round scenario=$(scenario_args "$scen" "$server" | cut -d' ' -f2) server=$server status=nostart" >>"$OUT/results.txt"
		return 0
	fi
	# shellcheck disable=SC2046
	set -- $(scenario_args "$scen" "$server")
	label=$2
	pw="-w $PASS"
	[ "$server" = relay ] && pw=
	line=$(timeout 300 $PIN_LOAD "$LOAD" -p "$(port_of "$server")" $pw -P "$SPID" \
	    -S "$server" "$@" 2>"$RUN/ircload.err") || true
	[ -n "$line" ] || line="scenario=$label server=$server status=crashed"
	stop_server
	echo "round=$round $line" >>"$OUT/results.txt"
	case $line in *status=timeout*) echo "$server $scen" >>"$OUT/timeouts.txt" ;; esac
	echo "  $line" >&2
	if [ -s "$RUN/ircload.err" ]; then
		sed 's/^/    /' "$RUN/ircload.err" | head -5 >&2
	fi
}

run_rounds() {
	: >"$OUT/results.txt"
	: >"$OUT/timeouts.txt"
	r=1
	while [ "$r" -le "$ROUNDS" ]; do
		for s in $SERVERS; do
			say "== round $r/$ROUNDS: $s"
			for sc in $SCENARIOS; do
				run_one "$s" "$sc" "$r"
			done
		done
		r=$((r + 1))
	done
}

# ---------------------------------------------------------------- callgrind

# Total instructions of a callgrind output file.
cg_total() {
	sed -n 's/^summary: *\([0-9]*\).*/\1/p; s/^totals: *\([0-9]*\).*/\1/p' "$1" | head -1
}

# ircserv under callgrind for one ircload run (arguments: $2...); prints
# "<Ir> <count>", the count being the value of key $1 in ircload's line.
cg_run() {
	key=$1
	shift
	port=$(port_of callgrind)
	rm -f "$RUN/callgrind.out"
	SPID=
	valgrind --tool=callgrind --callgrind-out-file="$RUN/callgrind.out" \
	    "$IRCSERV_BIN" -c "$BENCH/peers/ircserv.conf" "$port" "$PASS" \
	    2>"$RUN/callgrind.err" &
	SPID=$!
	wait_port "$port" 600 || { stop_server; return 1; }
	line=$("$LOAD" -p "$port" -w "$PASS" -S ircserv -D 300 "$@" \
	    2>>"$RUN/callgrind.err") || { stop_server; return 1; }
	stop_server
	d=$(echo "$line" | sed -n "s/.* $key=\([0-9]*\).*/\1/p")
	echo "$(cg_total "$RUN/callgrind.out") $d"
}

# One figure: instructions per unit of key $2, from a small run (ircload
# arguments $3) and a large one ($4), whose difference cancels start-up
# and set-up. Appends "<name>=<Ir>" to callgrind.txt; keeps the large
# run's output as callgrind.<name>.out.
cg_figure() {
	name=$1 key=$2
	a=$(cg_run "$key" $3) || { say "bench: callgrind run failed ($name)"; return 1; }
	b=$(cg_run "$key" $4) || { say "bench: callgrind run failed ($name)"; return 1; }
	cp "$RUN/callgrind.out" "$OUT/callgrind.$name.out"
	ir=$(echo "$a $b" | awk '{ printf "%.0f", ($3 - $1) / ($4 - $2) }')
	echo "$name=$ir" >>"$OUT/callgrind.txt"
	say "callgrind $name=$ir"
}

# Instructions per delivered channel message (fanout 2 x 50, window 1), per
# private message (20 pairs, window 1) and per registration (PASS, NICK,
# USER to the end of the welcome, 100 at a time), each checked against
# tests/bench/baseline.txt: a warning above 110% of it.
callgrind_check() {
	command -v valgrind >/dev/null || { say "bench: no valgrind: callgrind check skipped"; return 0; }
	say "== callgrind: ircserv instructions per delivery, private message and registration"
	: >"$OUT/callgrind.txt"
	cg_figure ir_per_delivery deliveries "-C 2 -m 50 -W 1 -x 200 fanout" \
	    "-C 2 -m 50 -W 1 -x 2000 fanout" || return 0
	cp "$OUT/callgrind.ir_per_delivery.out" "$OUT/callgrind.out"
	cg_figure ir_per_privmsg deliveries "-k 20 -W 1 -x 200 privmsg" \
	    "-k 20 -W 1 -x 2000 privmsg" || return 0
	cg_figure ir_per_registration registered "-n 500 -c 100 connect" \
	    "-n 2500 -c 100 connect" || return 0
	if command -v callgrind_annotate >/dev/null; then
		callgrind_annotate --inclusive=no "$OUT/callgrind.out" 2>/dev/null |
		    sed -n '/^-* *$/d; /Ir/,$p' | head -40 >"$OUT/callgrind-hotspots.txt" || true
		say "-- hotspots of the fanout (self Ir, whole run): $OUT/callgrind-hotspots.txt"
		head -22 "$OUT/callgrind-hotspots.txt" >&2
	fi
	if [ "$UPDATE_BASELINE" = 1 ]; then
		{
			echo "# ircserv instructions under callgrind, per delivered channel message,"
			echo "# per private message and per registration (tests/bench/run.sh;"
			echo "# rewrite with UPDATE_BASELINE=1)."
			echo "# Measured $(date -u +%Y-%m-%d) at $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)."
			cat "$OUT/callgrind.txt"
		} >"$BENCH/baseline.txt"
		say "bench: baseline.txt updated"
		return 0
	fi
	while IFS='=' read -r name ir; do
		base=$(sed -n "s/^$name=\([0-9]*\).*/\1/p" "$BENCH/baseline.txt" 2>/dev/null || true)
		if [ -z "$base" ]; then
			say "bench: no baseline for $name in tests/bench/baseline.txt"
		elif [ "$ir" -gt $((base + base / 10)) ]; then
			say "bench: WARNING: $name=$ir, more than 10% over the baseline $base"
		else
			say "bench: $name=$ir (baseline $base): ok"
		fi
	done <"$OUT/callgrind.txt"
}

# ---------------------------------------------------------------- table

make_table() {
	awk -v servers="$SERVERS" -v peers="$PEERS" -f "$BENCH/table.awk" "$OUT/results.txt" |
	    tee "$OUT/table.md"
}

# ---------------------------------------------------------------- main

inside() {
	ip link set lo up
	# Peers that resolve client addresses ask 127.0.0.1 and fail at once.
	echo "nameserver 127.0.0.1" >"$RUN/resolv.conf"
	mount --bind "$RUN/resolv.conf" /etc/resolv.conf
	"$OUT/nodns" &
	NODNS_PID=$!
	if [ -d "$PEERDIR/hybrid/usr/lib/ircd-hybrid" ]; then
		mount -t overlay overlay -o "lowerdir=$PEERDIR/hybrid/usr/lib:/usr/lib" /usr/lib ||
		    SERVERS=$(echo " $SERVERS " | sed 's/ hybrid / /')
	fi
	echo "10240 65000" >/proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
	bench_main
}

bench_main() {
	ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
	# Server and generator on a CPU each, and ahead of background jobs
	# (nice -10 when root) so that other work on the box disturbs less.
	PIN_SERVER='' PIN_LOAD=''
	if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
		PIN_SERVER="taskset -c 1" PIN_LOAD="taskset -c 0"
	fi
	if [ "$(id -u)" = 0 ]; then
		PIN_SERVER="nice -n ${NICE:--10} $PIN_SERVER"
		PIN_LOAD="nice -n ${NICE:--10} $PIN_LOAD"
	fi
	say "bench: $(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg)"
	say "bench: servers: $SERVERS; scenarios: $SCENARIOS; rounds: $ROUNDS; quick: $QUICK"
	trap 'stop_server; stop_nodns' EXIT
	trap 'exit 130' INT TERM
	started=$(date +%s)
	run_rounds
	make_table
	[ "$CALLGRIND" = 1 ] && case " $SERVERS " in *" ircserv "*) callgrind_check ;; esac
	say "bench: done in $(($(date +%s) - started)) s; lines in $OUT/results.txt, table in $OUT/table.md"
	# Peers may fail (their limits are theirs); ircserv and the relay may not.
	bad=$(grep -E 'server=(ircserv|ircserv_epoll|relay) ' "$OUT/results.txt" | grep -vc 'status=ok' || true)
	if [ "$bad" -gt 0 ]; then
		say "bench: FAILED: $bad ircserv or relay runs did not end with status=ok"
		return 1
	fi
	return 0
}

if [ "${1:-}" = inside ]; then
	inside
	exit $?
fi

build_tools
prepare_peers
export ROUNDS QUICK SERVERS CALLGRIND UPDATE_BASELINE IRCSERV_BIN OUT SCENARIOS RATE
if [ "$(id -u)" = 0 ] && unshare --net --mount true 2>/dev/null && command -v ip >/dev/null; then
	exec unshare --net --mount -- sh "$0" inside
fi
# No private namespace: still loopback-only, but without hybrid, whose
# reverse DNS lookups would leave the machine.
say "bench: unshare unavailable: running in the host namespace without hybrid"
SERVERS=$(echo " $SERVERS " | sed 's/ hybrid / /')
bench_main
