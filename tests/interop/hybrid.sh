#!/bin/sh
# Server-link interop with ircd-hybrid 8.2 (the Debian package): ircserv
# links to hybrid, then hybrid links to ircserv; each time both sides'
# LINKS must show the other, hybrid's WHOIS and NAMES must show a user of
# ircserv on irc.a.test in #interop (from the burst, then from a
# registration), and ircserv's must show a user of hybrid in it. Runs in a private network and mount
# namespace (root and unshare needed), where /etc/resolv.conf points at
# tests/bench/nodns.c so hybrid's lookups of client addresses fail at once.
# hybrid runs as nobody (it refuses root). Usage (from the top directory):
#   sh tests/interop/hybrid.sh [path/to/ircserv]
# Exit status 0 when both directions link; 77 when it cannot run here.
set -eu
BIN=${1:-./build/release/ircserv}
HYBRID=${HYBRID:-/usr/sbin/ircd-hybrid}
CLIENT_PORT=23001 LINK_PORT=23011 HYBRID_PORT=23021

if [ "${INTEROP_INSIDE:-}" != 1 ]; then
	[ -x "$HYBRID" ] || { echo "interop: no $HYBRID: skipped"; exit 77; }
	[ "$(id -u)" = 0 ] && unshare --net --mount true 2>/dev/null ||
	    { echo "interop: needs root and unshare: skipped"; exit 77; }
	BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
	export INTEROP_INSIDE=1
	exec unshare --net --mount -- sh "$0" "$BIN"
fi

RUN=$(mktemp -d /tmp/ircserv-interop.XXXXXX)
chmod 755 "$RUN"
PIDS=
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	for p in $PIDS; do wait "$p" 2>/dev/null || true; done
	rm -rf "$RUN"
}
trap cleanup EXIT
ip link set lo up
cc -O2 -o "$RUN/nodns" tests/bench/nodns.c
echo "nameserver 127.0.0.1" >"$RUN/resolv.conf"
mount --bind "$RUN/resolv.conf" /etc/resolv.conf
"$RUN/nodns" & PIDS="$PIDS $!"

# $1: yes when ircserv connects, $2: yes when hybrid does.
write_confs() {
	cat >"$RUN/ircserv.conf" <<EOC
server_name = irc.a.test
sid = 1AA
bind = 127.0.0.1
listen = 127.0.0.1:$LINK_PORT server
require_password = no
link hybrid.test {
	host = 127.0.0.1
	port = $HYBRID_PORT
	password = linkpw
	autoconnect = $1
}
EOC
	[ "$2" = yes ] && flags="flags = autoconn;" || flags=
	cat >"$RUN/hybrid.conf" <<EOC
serverinfo { name = "hybrid.test"; sid = "0HY"; description = "hybrid";
	network_name = "Test"; network_description = "Test"; hub = yes; };
admin { name = "t"; description = "t"; email = "<t@localhost>"; };
class { name = "users"; ping_time = 2 minutes; max_number = 100; sendq = 1 megabyte; };
class { name = "server"; ping_time = 90 seconds; connectfreq = 2 seconds;
	max_number = 10; sendq = 4 megabytes; };
listen { host = "127.0.0.1"; port = $HYBRID_PORT; };
auth { user = "*@127.0.0.1"; class = "users"; flags = no_tilde; };
connect { name = "irc.a.test"; host = "127.0.0.1"; port = $LINK_PORT;
	send_password = "linkpw"; accept_password = "linkpw"; hub_mask = "*";
	class = "server"; $flags };
general { disable_auth = yes; ping_cookie = no; throttle_time = 0; };
modules { path = "/usr/lib/ircd-hybrid/modules";
	path = "/usr/lib/ircd-hybrid/modules/autoload"; };
log { use_logging = no; };
EOC
	chmod 644 "$RUN/hybrid.conf"
}

start() {
	"$BIN" -c "$RUN/ircserv.conf" $CLIENT_PORT x >"$RUN/ircserv.log" 2>&1 &
	IRCSERV_PID=$!
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$HYBRID" -foreground \
	    -configfile "$RUN/hybrid.conf" -pidfile "$RUN/pid" -logfile "$RUN/ircd.log" \
	    -klinefile "$RUN/k.db" -dlinefile "$RUN/d.db" -xlinefile "$RUN/x.db" \
	    -resvfile "$RUN/r.db" >"$RUN/hybrid.log" 2>&1 &
	HYBRID_PID=$!
	PIDS="$PIDS $IRCSERV_PID $HYBRID_PID"
}

stop() {
	kill "$IRCSERV_PID" "$HYBRID_PID" 2>/dev/null || true
	wait "$IRCSERV_PID" "$HYBRID_PID" 2>/dev/null || true
}

# Wait up to 45 s (hybrid tries its autoconnects every few seconds) until LINKS on port $1 shows server $2.
links_show() {
	python3 - "$1" "$2" <<'EOP'
import socket, sys, time
port, want = int(sys.argv[1]), sys.argv[2]
end = time.time() + 45
while time.time() < end:
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=2)
    except OSError:
        time.sleep(0.3); continue
    s.sendall(b"NICK probe\r\nUSER probe 0 * :probe\r\n")
    buf, t0 = b"", time.time()
    while time.time() - t0 < 5 and b" 001 " not in buf:
        try:
            d = s.recv(4096)
        except socket.timeout:
            break
        if not d: break
        buf += d
        if b"PING :" in d:
            tok = d.split(b"PING :")[1].split(b"\r\n")[0]
            s.sendall(b"PONG :" + tok + b"\r\n")
    s.sendall(b"LINKS\r\n")
    t0, out = time.time(), b""
    while time.time() - t0 < 3 and b" 365 " not in out:
        try:
            d = s.recv(4096)
        except socket.timeout:
            break
        if not d: break
        out += d
    s.close()
    lines = [l for l in out.decode(errors="replace").split("\r\n") if " 364 " in l]
    if any(l.split()[3] == want for l in lines):
        print("\n".join(lines)); sys.exit(0)
    time.sleep(0.5)
sys.exit(1)
EOP
}

# Keep a user called $2 registered on port $1 for 60 s (background).
hold_user() {
	python3 - "$1" "$2" <<'EOP' &
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1)
# Visible (hybrid makes users +i), so NAMES from outside the channel lists it.
s.sendall(("NICK %s\r\nUSER %s 0 * :held user\r\nMODE %s -i\r\nJOIN #interop\r\n" %
           (sys.argv[2], sys.argv[2], sys.argv[2])).encode())
end = time.time() + 60
while time.time() < end:
    try:
        d = s.recv(4096)
        if not d: break
        if b"PING :" in d:
            s.sendall(b"PONG :" + d.split(b"PING :")[1].split(b"\r\n")[0] + b"\r\n")
    except socket.timeout:
        pass
EOP
	PIDS="$PIDS $!"
}

# WHOIS $2 from a user on port $1 must name server $3 (312), and NAMES
# #interop must list $2, within 15 s.
whois_on() {
	python3 - "$1" "$2" "$3" <<'EOP'
import socket, sys, time
port, nick, server = int(sys.argv[1]), sys.argv[2], sys.argv[3]
end = time.time() + 15
while time.time() < end:
    s = socket.create_connection(("127.0.0.1", port), timeout=2)
    s.sendall(b"NICK whoisp\r\nUSER w 0 * :w\r\nWHOIS " + nick.encode() + b"\r\nNAMES #interop\r\n")
    out, t0 = b"", time.time()
    while time.time() - t0 < 3 and b" 366 " not in out:
        try:
            d = s.recv(4096)
        except socket.timeout:
            break
        if not d: break
        out += d
        if b"PING :" in d:
            s.sendall(b"PONG :" + d.split(b"PING :")[1].split(b"\r\n")[0] + b"\r\n")
            s.sendall(b"WHOIS " + nick.encode() + b"\r\nNAMES #interop\r\n")
    s.close()
    lines = out.decode(errors="replace").split("\r\n")
    whois = [l for l in lines if len(l.split()) > 4 and l.split()[1] == "312"
             and l.split()[3] == nick and l.split()[4] == server]
    # The channel it joined on ircserv came in the burst or a JOIN.
    names = [l for l in lines if " 353 " in l and "#interop" in l and nick in l]
    if whois and names:
        print(whois[0]); print(names[0]); sys.exit(0)
    time.sleep(0.5)
sys.exit(1)
EOP
}

check() {
	# hybrid's PONG to our PING ends its burst as ircserv sees it.
	if links_show $HYBRID_PORT irc.a.test && links_show $CLIENT_PORT hybrid.test &&
	    grep -q "link hybrid.test: end of burst" "$RUN/ircserv.log" &&
	    whois_on $HYBRID_PORT early irc.a.test && { hold_user $CLIENT_PORT late$2; true; } &&
	    whois_on $HYBRID_PORT late$2 irc.a.test &&
	    { hold_user $HYBRID_PORT hyb$2; true; } && whois_on $CLIENT_PORT hyb$2 hybrid.test; then
		echo "interop: $1: ok"
	else
		echo "interop: $1: FAILED"; sleep 1; for f in "$RUN/ircserv.log" "$RUN/hybrid.log"; do echo "== $f"; tail -n 20 "$f"; done
		stop; exit 1
	fi
}

write_confs yes no
start
sleep 0.3
hold_user $CLIENT_PORT early
check "ircserv connects to hybrid" 1
stop
write_confs no yes
start
sleep 0.3
hold_user $CLIENT_PORT early
check "hybrid connects to ircserv" 2
stop
