#!/bin/sh
# Server-link interop with Atheme services 7.2 (the Debian package, its
# charybdis protocol module): Atheme connects to an ircserv server
# listener, and ircserv's LINKS must show it while Atheme's log says it
# finished syncing with its uplink. Atheme runs as nobody. Usage (from the
# top directory):   sh tests/interop/atheme.sh [path/to/ircserv]
# Exit status 0 when the link comes up; 77 when it cannot run here.
set -eu
BIN=${1:-./build/release/ircserv}
ATHEME=${ATHEME:-/usr/bin/atheme-services}
EXAMPLE=/usr/share/doc/atheme-services/examples/atheme.conf.example
CLIENT_PORT=${CLIENT_PORT:-23031} LINK_PORT=${LINK_PORT:-23032}

[ -x "$ATHEME" ] && [ -r "$EXAMPLE" ] || { echo "interop: no Atheme: skipped"; exit 77; }
[ "$(id -u)" = 0 ] || { echo "interop: needs root (Atheme runs as nobody): skipped"; exit 77; }
RUN=$(mktemp -d /tmp/ircserv-atheme.XXXXXX)
chmod 777 "$RUN"
PIDS=
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	for p in $PIDS; do wait "$p" 2>/dev/null || true; done
	rm -rf "$RUN"
}
trap cleanup EXIT

cat >"$RUN/ircserv.conf" <<EOC
server_name = irc.a.test
sid = 1AA
bind = 127.0.0.1
listen = 127.0.0.1:$LINK_PORT server
require_password = no
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
open(sys.argv[2], 'w').write(s)
EOP
chmod 644 "$RUN/atheme.conf"

"$BIN" -c "$RUN/ircserv.conf" $CLIENT_PORT x >"$RUN/ircserv.log" 2>&1 &
PIDS="$PIDS $!"
sleep 0.5
setpriv --reuid=nobody --regid=nogroup --clear-groups "$ATHEME" -n -c "$RUN/atheme.conf" \
    -l "$RUN/atheme.log" -p "$RUN/atheme.pid" -D "$RUN" >"$RUN/atheme.out" 2>&1 &
PIDS="$PIDS $!"

synced() {
	for i in $(seq 50); do
		grep -q "finished synching with uplink" "$RUN/atheme.out" && return 0
		sleep 0.2
	done
	return 1
}
python3 - "$CLIENT_PORT" <<'EOP' && synced &&
import socket, sys, time
end = time.time() + 20
while time.time() < end:
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2)
    s.sendall(b"NICK probe\r\nUSER probe 0 * :probe\r\nLINKS\r\n")
    out, t0 = b"", time.time()
    while time.time() - t0 < 3 and b" 365 " not in out:
        try:
            d = s.recv(4096)
        except socket.timeout:
            break
        if not d: break
        out += d
    s.close()
    lines = [l for l in out.decode(errors="replace").split("\r\n") if " 364 " in l]
    if any(l.split()[3] == "services.test" for l in lines):
        print("\n".join(lines)); sys.exit(0)
    time.sleep(0.5)
sys.exit(1)
EOP
{ echo "interop: Atheme links to ircserv: ok"; exit 0; }
echo "interop: Atheme links to ircserv: FAILED"
for f in "$RUN/ircserv.log" "$RUN/atheme.out"; do echo "== $f"; tail -n 20 "$f"; done
exit 1
