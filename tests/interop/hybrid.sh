#!/bin/sh
# Server-link interop with ircd-hybrid 8.2 (the Debian package), once with
# ircserv connecting and once with hybrid connecting. Each time: both
# sides' LINKS show the other; alice on ircserv and bob on hybrid chat
# both ways in #interop, see each other's WHOIS (312) and channel modes
# and ops from the SJOINs (324, 353); alice's topic reaches bob, alice
# ops bob (TMODE), bob's topic and modes (+m, +v alice) reach her, and
# her -m reaches him;
# bob's own channel #hybrid shows on ircserv with its modes and op, and
# his topic there reaches alice;
# then an operator on ircserv splits the link (SQUIT), alice sees bob quit
# "irc.a.test hybrid.test", the link comes back by itself, and its burst
# brings bob back into #interop, where they chat again.
# Runs in a private network and mount namespace (tests/interop/common.sh);
# hybrid runs as nobody (it refuses root). Usage (from the top directory):
#   sh tests/interop/hybrid.sh [path/to/ircserv]
# Exit status 0 when everything passed, 77 when it cannot run here.
set -eu
. tests/interop/common.sh
interop_enter "$0" "${1:-./build/release/ircserv}"
HYBRID_DIR=${HYBRID_DIR:-/var/cache/ircserv-test/ircd-hybrid}
if [ -z "${HYBRID:-}" ]; then
	HYBRID=/usr/sbin/ircd-hybrid
	[ -x "$HYBRID" ] || HYBRID=$HYBRID_DIR/usr/sbin/ircd-hybrid
fi
interop_need ircd-hybrid "$HYBRID"
HYBRID_ROOT=$(dirname "$(dirname "$HYBRID")")    # its /usr
export CLIENT_PORT=23001 LINK_PORT=23011 HYBRID_PORT=23021
interop_setup

# $1: yes when ircserv connects, $2: yes when hybrid does.
write_confs() {
	cat >"$RUN/ircserv.conf" <<EOC
server_name = irc.a.test
sid = 1AA
bind = 127.0.0.1
listen = 127.0.0.1:$LINK_PORT server
require_password = no
oper alice {
	password = \$pbkdf2-sha256\$200000\$IIxQ1NoYoXrIYIho3KXxPg\$H8VHQIfXy7PHo7gOgJoK2kA149p3YZtVN613beEu5no
	host = *@127.0.0.1
}
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
modules { path = "$HYBRID_ROOT/lib/ircd-hybrid/modules";
	path = "$HYBRID_ROOT/lib/ircd-hybrid/modules/autoload"; };
log { use_logging = no; };
EOC
	chmod 644 "$RUN/hybrid.conf"
}

start() {
	interop_ircserv "$RUN/ircserv.conf" >"$RUN/ircserv.log" 2>&1
	interop_as_nobody "$HYBRID" -foreground \
	    -configfile "$RUN/hybrid.conf" -pidfile "$RUN/pid" -logfile "$RUN/ircd.log" \
	    -klinefile "$RUN/k.db" -dlinefile "$RUN/d.db" -xlinefile "$RUN/x.db" \
	    -resvfile "$RUN/r.db" >"$RUN/hybrid.log" 2>&1
	HYBRID_PID=$LAST
}

scenario() {
	interop_scenario "$1" <<'EOP'
import os
import irc

A, H = int(os.environ["CLIENT_PORT"]), int(os.environ["HYBRID_PORT"])

def main():
    irc.links_show(H, "irc.a.test")
    irc.links_show(A, "hybrid.test")
    alice = irc.Client(A, "alice")
    alice.send("JOIN #interop")
    alice.expect(r" 366 alice #interop ")
    bob = irc.Client(H, "bob")
    bob.send("MODE bob -i")     # hybrid's users are +i: NAMES from outside
    # Joining before the SJOIN arrives would make the channel on hybrid too.
    irc.names_show(bob, "#interop", "@alice")
    bob.send("JOIN #interop")
    # bob joins the channel alice made: it came to hybrid as an SJOIN.
    bob.expect(r" 353 bob . #interop :.*@alice")
    alice.expect(r"^:bob!\S+ JOIN :?#interop")
    bob.send("MODE #interop")
    bob.expect(r" 324 bob #interop \+nt")
    alice.send("PRIVMSG #interop :hello from ircserv")
    bob.expect(r"^:alice!\S+ PRIVMSG #interop :hello from ircserv")
    bob.send("PRIVMSG #interop :hello from hybrid")
    alice.expect(r"^:bob!\S+ PRIVMSG #interop :hello from hybrid")
    alice.send("WHOIS bob")
    alice.expect(r" 312 alice bob hybrid.test ")
    bob.send("WHOIS alice")
    bob.expect(r" 312 bob alice irc.a.test ")
    alice.send("TOPIC #interop :set on ircserv")
    bob.expect(r"^:alice!\S+ TOPIC #interop :set on ircserv")
    # Modes both ways (TMODE): alice ops bob, who sets the topic and modes.
    alice.send("MODE #interop +o bob")
    bob.expect(r"^:alice!\S+ MODE #interop \+o bob")
    bob.send("TOPIC #interop :set on hybrid")
    alice.expect(r"^:bob!\S+ TOPIC #interop :set on hybrid")
    bob.send("MODE #interop +mv alice")
    alice.expect(r"^:bob!\S+ MODE #interop \+mv alice")
    alice.send("MODE #interop")
    alice.expect(r" 324 alice #interop \+mnt")
    alice.send("MODE #interop -m")
    bob.expect(r"^:alice!\S+ MODE #interop -m")
    bob.send("JOIN #hybrid")
    bob.expect(r" 366 bob #hybrid ")
    irc.names_show(alice, "#hybrid", "@bob")
    alice.send("JOIN #hybrid")
    alice.expect(r" 353 alice . #hybrid :.*@bob")
    alice.send("MODE #hybrid")
    alice.expect(r" 324 alice #hybrid \+nt")
    bob.send("TOPIC #hybrid :set on hybrid")
    alice.expect(r"^:bob!\S+ TOPIC #hybrid :set on hybrid")
    # The split, and the link coming back by itself.
    alice.send("OPER alice change-me")
    alice.expect(r" 381 alice ")
    alice.send("SQUIT hybrid.test :interop split")
    alice.expect(r"^:bob!\S+ QUIT :irc.a.test hybrid.test")
    bob.close()
    bob = irc.Client(H, "bob2", timeout=60)
    bob.send("JOIN #interop")
    alice.expect(r"^:bob2!\S+ JOIN :?#interop", 60)
    bob.send("PRIVMSG #interop :back again")
    alice.expect(r"^:bob2!\S+ PRIVMSG #interop :back again")
    alice.send("PRIVMSG #interop :welcome back")
    bob.expect(r"^:alice!\S+ PRIVMSG #interop :welcome back")
    alice.close()
    bob.close()

irc.run(main)
EOP
}

write_confs yes no
start
scenario "ircserv connects to hybrid"
interop_stop "$IRCSERV_PID" "$HYBRID_PID"
write_confs no yes
start
scenario "hybrid connects to ircserv"
interop_stop "$IRCSERV_PID" "$HYBRID_PID"
