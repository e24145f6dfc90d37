#!/bin/sh
# Server-link interop with Atheme services 7.2 (the Debian package, its
# charybdis protocol module, which speaks ENCAP SASL): Atheme connects to
# an ircserv server listener; ircserv's LINKS shows it and Atheme's log
# says it finished syncing. Then a client on ircserv registers with
# NickServ (and is logged in: 900), another connection IDENTIFYs to that
# account, a third logs in with SASL PLAIN through Atheme's SaslServ
# (sasl_service = SaslServ: 900, 903) and sees its account in WHOIS, and
# a wrong password gets 904. The first registers a channel with ChanServ,
# and when it joins the channel again ChanServ gives it +o (TMODE).
# NickServ REGAIN renames whoever holds a registered nick to a guest nick
# and gives the owner its nick (ENCAP RSFNC), and HostServ VHOST gives a
# user of ircserv a host (CHGHOST): 396, chghost to a channel peer, WHOIS.
# Runs in a private network and mount namespace (tests/interop/common.sh);
# Atheme runs as nobody. Usage (from the top directory):
#   sh tests/interop/atheme.sh [path/to/ircserv]
# Exit status 0 when everything passed, 77 when it cannot run here.
set -eu
. tests/interop/common.sh
interop_enter "$0" "${1:-./build/release/ircserv}"
ATHEME=${ATHEME:-/usr/bin/atheme-services}
EXAMPLE=/usr/share/doc/atheme-services/examples/atheme.conf.example
interop_need atheme-services "$ATHEME"
export CLIENT_PORT=23031 LINK_PORT=23032
interop_setup

cat >"$RUN/ircserv.conf" <<EOC
server_name = irc.a.test
sid = 1AA
bind = 127.0.0.1
listen = 127.0.0.1:$LINK_PORT server
require_password = no
sasl_service = SaslServ
link services.test {
	host = 127.0.0.1
	password = linkpw
}
EOC
# The example with the charybdis protocol, our uplink and its passwords.
python3 - "$EXAMPLE" "$RUN/atheme.conf" "$LINK_PORT" <<'EOP'
import re, sys
s = open(sys.argv[1]).read()
s = s.replace('#loadmodule "modules/protocol/charybdis";',
              'loadmodule "modules/protocol/charybdis";')
s = re.sub(r'uplink "irc\.example\.net" \{.*?\n\};\n',
           'uplink "irc.a.test" {\n\thost = "127.0.0.1";\n\tsend_password = "linkpw";\n'
           '\treceive_password = "linkpw";\n\tport = %s;\n};\n' % sys.argv[3], s, flags=re.S)
s = re.sub(r'uplink "irc6\.example\.net" \{.*?\n\};\n', '', s, flags=re.S)
s = s.replace('name = "services.int";', 'name = "services.test";')
# NickServ REGAIN (enforce), HostServ VHOST, and an account allowed to set one.
for m in ('nickserv/enforce', 'hostserv/main', 'hostserv/vhost'):
    s = s.replace('#loadmodule "modules/%s";' % m, 'loadmodule "modules/%s";' % m)
s += '\noperator "hostop" {\n\toperclass = "ircop";\n};\n'
open(sys.argv[2], 'w').write(s)
EOP
chmod 644 "$RUN/atheme.conf"

interop_ircserv "$RUN/ircserv.conf" >"$RUN/ircserv.log" 2>&1
interop_as_nobody "$ATHEME" -n -c "$RUN/atheme.conf" -l "$RUN/atheme.log" \
    -p "$RUN/atheme.pid" -D "$RUN" >"$RUN/atheme.out" 2>&1

interop_scenario "Atheme links to ircserv" "$RUN/atheme.log" <<'EOP'
import os, sys
import irc

def synced():
    with open(sys.argv[1], errors="replace") as f:
        return "finished synching with uplink" in f.read()

def main():
    irc.links_show(int(os.environ["CLIENT_PORT"]), "services.test", 20)
    irc.until("Atheme syncs with its uplink", synced, 10, 0.2)

irc.run(main)
EOP

interop_scenario "NickServ REGISTER, IDENTIFY, SASL PLAIN, ChanServ ops the founder" <<'EOP'
import os
import irc

A = int(os.environ["CLIENT_PORT"])

def main():
    alice = irc.Client(A, "alice")
    # Services' users came in Atheme's burst.
    alice.send("WHOIS SaslServ")
    alice.expect(r" 312 alice SaslServ services.test ")
    alice.send("PRIVMSG NickServ :REGISTER s3cretpass alice@example.com")
    alice.expect(r" 900 alice alice!\S+ alice :You are now logged in as alice")
    alice.expect(r"^:NickServ!\S+ NOTICE alice :.*registered")
    other = irc.Client(A, "other")
    other.send("PRIVMSG NickServ :IDENTIFY alice s3cretpass")
    other.expect(r" 900 other other!\S+ alice ")
    other.send("WHOIS other")
    other.expect(r" 330 other other alice ")
    # A fresh connection: the sasl capability, PLAIN through SaslServ.
    sasl = irc.Client(A, "sasluser", sasl=("alice", "s3cretpass"))
    sasl.send("WHOIS sasluser")
    sasl.expect(r" 330 sasluser sasluser alice ")
    # A wrong password is refused by services.
    bad = irc.Client(A, "baduser", caps=["sasl"])
    bad.sasl_plain("alice", "wrong", want="904")
    # ChanServ: the founder registers a channel, and is opped on joining it.
    alice.send("JOIN #svc")
    alice.expect(r" 366 alice #svc ")
    alice.send("PRIVMSG ChanServ :REGISTER #svc")
    alice.expect(r"^:ChanServ!\S+ NOTICE alice :.*#svc.*registered")
    other.send("JOIN #svc")         # keeps the channel while alice is out
    other.expect(r" 366 other #svc ")
    alice.send("PART #svc")
    alice.expect(r"^:alice!\S+ PART #svc")
    alice.send("JOIN #svc")
    alice.expect(r" 366 alice #svc ")
    alice.expect(r"^:ChanServ!\S+ MODE #svc \+o alice")
    for c in (alice, other, sasl, bad):
        c.close()

irc.run(main)
EOP

interop_scenario "NickServ REGAIN (RSFNC), HostServ VHOST (CHGHOST)" <<'EOP'
import os
import irc

A = int(os.environ["CLIENT_PORT"])

def main():
    owner = irc.Client(A, "owner")
    owner.send("PRIVMSG NickServ :REGISTER ownerpass owner@example.com")
    owner.expect(r" 900 owner owner!\S+ owner ")
    owner.send("NICK owner_")
    owner.expect(r"^:owner!\S+ NICK :owner_")
    squatter = irc.Client(A, "owner")
    owner.send("PRIVMSG NickServ :REGAIN owner ownerpass")
    squatter.expect(r"^:owner!\S+ NICK :Guest\d+")
    owner.expect(r"^:owner_!\S+ NICK :owner")
    owner.send("WHOIS owner")
    owner.expect(r" 311 owner owner ")
    # An account with the vhost privilege gives owner a host.
    hostop = irc.Client(A, "hostop", caps=["chghost"])
    hostop.send("PRIVMSG NickServ :REGISTER hostoppass hostop@example.com")
    hostop.expect(r" 900 hostop hostop!\S+ hostop ")
    for c, nick in ((owner, "owner"), (hostop, "hostop")):
        c.send("JOIN #vh")
        c.expect(r" 366 %s #vh " % nick)
    hostop.send("PRIVMSG HostServ :VHOST owner owner.users.example")
    owner.expect(r" 396 owner owner\.users\.example :is now your displayed host")
    hostop.expect(r"^:owner!~?\w+@127\.0\.0\.1 CHGHOST \S+ owner\.users\.example")
    hostop.send("WHOIS owner")
    hostop.expect(r" 311 hostop owner \S+ owner\.users\.example ")
    for c in (owner, squatter, hostop):
        c.close()

irc.run(main)
EOP
