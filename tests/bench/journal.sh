#!/bin/sh
# What the history journal costs: the fanout benchmark (tests/bench/ircload.c,
# 10 senders, 99 receivers, as fast as the server takes them) against
# ircserv without and with history_file, ROUNDS times each, alternating;
# prints the server CPU per delivered message of each run, the medians and
# their ratio; then what a compaction's snapshot and a start's replay of
# 100,000 stored messages cost (tests/bench/snapshot.c, against the release
# objects: run make first). With CALLGRIND=1 (and valgrind), also the instructions per
# delivered message under callgrind, which do not depend on the machine's
# load (the write() calls' kernel time is not in them; it is in the CPU
# figures).
#
#   sh tests/bench/journal.sh        (IRCSERV_BIN=./ircserv, ROUNDS=5, SECS=5)
set -eu

cd "$(dirname "$0")/../.."
ROOT=$(pwd)
IRCSERV_BIN=${IRCSERV_BIN:-$ROOT/ircserv}
ROUNDS=${ROUNDS:-5}
SECS=${SECS:-5}
CALLGRIND=${CALLGRIND:-0}
OUT=${OUT:-$ROOT/build/bench-journal}
LOAD=$OUT/ircload
PASS=benchpw

mkdir -p "$OUT"
rm -f "$OUT"/history.journal*
${CC:-cc} -std=c17 -D_XOPEN_SOURCE=700 -O2 -o "$LOAD" tests/bench/ircload.c -lm
cp tests/bench/peers/ircserv.conf "$OUT/plain.conf"
{ cat tests/bench/peers/ircserv.conf; echo "history_file = $OUT/history.journal"; } \
    >"$OUT/journal.conf"

SPID=
stop() {
	[ -n "$SPID" ] || return 0
	kill "$SPID" 2>/dev/null || true
	wait "$SPID" 2>/dev/null || true
	SPID=
}
trap stop EXIT INT TERM

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_port() {
	i=0
	while [ "$i" -lt 100 ]; do
		python3 -c "import socket; socket.create_connection(('127.0.0.1', $1), 0.2)" \
		    2>/dev/null && return 0
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}

# One fanout run against a fresh server with configuration $1; prints
# server CPU microseconds per delivered message.
run_one() {
	rm -f "$OUT"/history.journal*
	port=$(free_port)
	"$IRCSERV_BIN" -c "$OUT/$1.conf" "$port" "$PASS" 2>>"$OUT/server.log" &
	SPID=$!
	wait_port "$port" || { echo "bench: server did not start" >&2; exit 1; }
	line=$("$LOAD" -p "$port" -w "$PASS" -P "$SPID" -S "ircserv-$1" -N fanout_max \
	    -c 1000 -r 0 -W 32 -d "$SECS" -D 90 fanout)
	stop
	echo "$line" >>"$OUT/results.txt"
	echo "$line" | awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "=");
	    v[kv[1]] = kv[2] } printf "%.4f\n", v["server_cpu_s"] * 1e6 / v["deliveries"] }'
}

median() {
	sort -n | awk '{ v[NR] = $1 }
	    END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

: >"$OUT/results.txt"
: >"$OUT/plain.txt"
: >"$OUT/journal.txt"
r=1
while [ "$r" -le "$ROUNDS" ]; do
	for mode in plain journal; do
		us=$(run_one "$mode")
		echo "$us" >>"$OUT/$mode.txt"
		echo "round $r $mode: $us us of server CPU per delivered message" >&2
	done
	r=$((r + 1))
done
p=$(median <"$OUT/plain.txt")
j=$(median <"$OUT/journal.txt")
echo "median server CPU per delivered message: without history_file ${p} us," \
    "with ${j} us; ratio $(echo "$j $p" | awk '{ printf "%.3f", $1 / $2 }')"

objs=$(ls build/release/src/*.o build/release/gen/*.o | grep -v '/main\.o$')
# shellcheck disable=SC2086 # a list of objects
${CC:-cc} -std=c17 -D_XOPEN_SOURCE=700 -O2 -Iinclude -o "$OUT/snapshot" \
    tests/bench/snapshot.c $objs
"$OUT/snapshot" 100000

[ "$CALLGRIND" = 1 ] && command -v valgrind >/dev/null || exit 0
# Instructions per delivery: two fixed runs, their difference cancels
# start-up, registration and JOINs (as tests/bench/run.sh does).
cg_run() {
	rm -f "$OUT"/history.journal* "$OUT/cg.out"
	port=$(free_port)
	valgrind --tool=callgrind --callgrind-out-file="$OUT/cg.out" \
	    "$IRCSERV_BIN" -c "$OUT/$1.conf" "$port" "$PASS" 2>>"$OUT/server.log" &
	SPID=$!
	wait_port "$port" || sleep 5
	line=$("$LOAD" -p "$port" -w "$PASS" -S ircserv -C 2 -m 50 -W 1 -x "$2" -D 300 fanout)
	stop
	d=$(echo "$line" | sed -n 's/.* deliveries=\([0-9]*\).*/\1/p')
	ir=$(sed -n 's/^summary: *\([0-9]*\).*/\1/p; s/^totals: *\([0-9]*\).*/\1/p' "$OUT/cg.out" | head -1)
	echo "$ir $d"
}
for mode in plain journal; do
	a=$(cg_run "$mode" 200)
	b=$(cg_run "$mode" 2000)
	echo "$a $b" | awk -v m="$mode" '{ printf "%s %.0f\n", m, ($3 - $1) / ($4 - $2) }'
done >"$OUT/callgrind.txt"
awk '{ v[$1] = $2 } END { printf "callgrind instructions per delivered message: " \
    "without history_file %d, with %d; ratio %.3f\n", v["plain"], v["journal"],
    v["journal"] / v["plain"] }' "$OUT/callgrind.txt"
