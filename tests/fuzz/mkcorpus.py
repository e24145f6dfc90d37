#!/usr/bin/env python3
"""Write the seed corpora of the fuzz harnesses into tests/fuzz/corpus/.

Seeds come from real client traffic (the lines irssi 1.4.3 and WeeChat 3.8
sent in `make e2e`, captured from their raw logs, with the password
replaced) and from hostile lines. Each harness gets them in its own input
format: fuzz_msg one line per file, fuzz_line a chunking recipe plus the
byte stream, fuzz_core a script of operations (see fuzz_core.c),
fuzz_proxy PROXY protocol headers. The
output is deterministic; run it again after changing the lists and commit
the result.

Usage: python3 tests/fuzz/mkcorpus.py [OUTDIR]
"""
import hashlib
import os
import shutil
import struct
import sys

PASSWORD = b"pw"                # fuzz_core.c FUZZ_PASSWORD

# irssi 1.4.3, /connect then /join, /topic, /msg, /mode, /invite, /kick,
# /quit, in the order it sent them (including its deliberate "JOIN :").
IRSSI = [
    b"CAP LS 302",
    b"JOIN :",
    b"CAP REQ :multi-prefix extended-join invite-notify away-notify "
    b"account-notify server-time",
    b"CAP END",
    b"PASS " + PASSWORD,
    b"NICK alice",
    b"USER alice alice 127.0.0.1 :alice (irssi)",
    b"MODE alice +i",
    b"JOIN #c",
    b"MODE #c",
    b"WHO #c %tcuhnfdar,743",
    b"MODE #c b",
    b"TOPIC #c :Welcome to the test",
    b"PRIVMSG #c :hello from alice",
    b"PRIVMSG bob :psst bob, alice here",
    b"MODE #c -t",
    b"MODE #c +t",
    b"MODE #c +k sekrit",
    b"MODE #c +l 3",
    b"MODE #c +i",
    b"INVITE bob #c",
    b"MODE #c +o bob",
    b"PING irc.fuzz.test",
    b"KICK #c bob :out you go",
    b"QUIT :bye from alice",
]

# WeeChat 3.8: registration, then /join, /msg, /mode, /part, /join key.
WEECHAT = [
    b"PASS " + PASSWORD,
    b"CAP LS 302",
    b"NICK bob",
    b"USER bob 0 * :bob",
    b"CAP REQ :account-notify away-notify cap-notify extended-join "
    b"invite-notify message-tags multi-prefix server-time userhost-in-names",
    b"CAP END",
    b"JOIN #c",
    b"PRIVMSG #c :hello from bob",
    b"PRIVMSG alice :psst alice, bob here",
    b"MODE #c -il",
    b"MODE #c",
    b"PART #c :see you later",
    b"JOIN #c sekrit",
    b"PING :1700000000 123456",
    b"QUIT :bye from bob",
]

# The rest of the command set, as a registered user would use it.
OTHER = [
    b"CAP REQ :echo-message message-tags sasl account-tag",
    b"@+typing=active TAGMSG #c",
    b"@+draft/reply=abc;+x=a\\sb\\:c PRIVMSG #c :tagged",
    b"NOTICE #c :a notice",
    b"NOTICE bob :private notice",
    b"AWAY :gone fishing",
    b"AWAY",
    b"NAMES #c",
    b"LIST",
    b"LIST #c,#d",
    b"LIST >0",
    b"WHOIS bob",
    b"WHOIS bob,alice,carol,dave,erin",
    b"WHOWAS alice",
    b"WHO *",
    b"WHO bob",
    b"WHO #c o",
    b"ISON alice bob carol",
    b"USERHOST alice bob",
    b"LUSERS",
    b"MOTD",
    b"VERSION",
    b"TIME",
    b"ADMIN",
    b"INFO",
    b"HELP",
    b"LINKS",
    b"STATS m",
    b"STATS u",
    b"USERS",
    b"SUMMON bob",
    b"NICK alice2",
    b"NICK Alice",
    b"MODE #c +b *!*@10.0.0.*",
    b"MODE #c +e bob!*@*",
    b"MODE #c +I *!*@127.0.0.1",
    b"MODE #c -b *!*@10.0.0.*",
    b"MODE #c +v-v bob bob",
    b"MODE #c +mnpst",
    b"MODE alice -i+w",
    b"TOPIC #c",
    b"PART #c,#d :bye",
    b"JOIN 0",
    b"PONG :irc.fuzz.test",
    b"OPER fuzz secret",
    b"OPER fuzz wrong",
    b"KILL bob :enough",
    b"WALLOPS :hello opers",
    b"REHASH",
    b"DIE",
    b"CAP REQ :labeled-response batch extended-monitor setname "
    b"no-implicit-names cap-notify",
    b"@label=l1 PING :labelled",
    b"@label=l2 WHOIS bob",
    b"@label=l3 PRIVMSG #c :labelled message",
    b"@label=l4;+typing=done TAGMSG bob",
    b"@label=" + b"x" * 80 + b" NAMES #c",
    b"MONITOR + bob,carol,dave",
    b"MONITOR L",
    b"MONITOR S",
    b"MONITOR - carol",
    b"MONITOR C",
    b"MONITOR + " + b",".join(b"m%d" % i for i in range(120)),
    b"SETNAME :A new real name",
    b"MODE alice +B",
    b"WHO #c %tcuhnfdar,743",
    b"AUTHENTICATE PLAIN",
    b"AUTHENTICATE AGFjY3QAc2VjcmV0",       # "\0acct\0secret"
    b"AUTHENTICATE *",
]

# Lines a hostile or broken peer sends.
HOSTILE = [
    b"PRIVMSG #c :" + b"A" * 600,
    b"NICK " + b"n" * 600,
    b"@" + b"a=b;" * 1100 + b" PRIVMSG #c :big tags",
    b"@" + b"x" * 5000 + b" PING x",
    b"X" * 9000,
    b"PRIVMSG #c :a\x00b",
    b"NICK \x00",
    b"\x00\x00\x00",
    b"JOIN #\x00c",
    b"PRIVMSG #c :\xff\xfe\xc0\xaf\xed\xa0\x80",
    b"NICK \xc3\x28",
    b"JOIN #\xe2\x82",
    b"USER \xff \xfe * :\xc0",
    b"TOPIC #c :\xf8\x88\x80\x80\x80",
    b"USER " + b" ".join(b"p%d" % i for i in range(20)),
    b"MODE #c +" + b"o" * 20 + b" " + b" ".join(b"a%d" % i for i in range(20)),
    b"PRIVMSG " + b" ".join(b"t%d" % i for i in range(30)) + b" :x",
    b"@ PRIVMSG #c :x",
    b"@",
    b"@tag",
    b"@;;;=;= PING x",
    b"@a=\\ PING x",
    b"@+x=" + b"\\" * 200 + b" TAGMSG #c",
    b"@+=;+/;+a/b=c\\ TAGMSG #c",
    b"@=value PING x",
    b":",
    b": PRIVMSG #c :x",
    b":nick",
    b":nick!user@host PRIVMSG #c :spoofed prefix",
    b"   ",
    b" : ",
    b"FOO bar",
    b"PRIVMSGX #c :x",
    b"\x01VERSION\x01",
    b"001 alice :fake welcome",
    b"privmsg #c :lower case",
    b"MODE #c +" + b"ov" * 200 + b" " + b" ".join([b"bob"] * 14),
    b"MODE #c " + b"+-" * 300,
    b"MODE #c +" + b"b" * 100 + b" " + b" ".join(b"m%d!*@*" % i for i in range(13)),
    b"MODE #c +kkkkkkk a b c d e f g",
    b"MODE #c +l -5",
    b"MODE #c +l 99999999999999999999",
    b"MODE #c +k " + b"k" * 40,
    b"MODE #c +k :",
    b"MODE alice " + b"+iwo-iwo" * 50,
    b"JOIN " + b",".join(b"#c%d" % i for i in range(200)),
    b"JOIN " + b"," * 400,
    b"JOIN " + b",".join(b"#k%d" % i for i in range(60)) + b" " +
    b",".join(b"key%d" % i for i in range(60)),
    b"JOIN #" + b"c" * 200,
    b"JOIN &local,#c,,#,&",
    b"PART " + b",".join(b"#c%d" % i for i in range(200)),
    b"PRIVMSG a,b,c,d,e,f,g,#c,#c,#c :many targets",
    b"KICK #c " + b",".join(b"u%d" % i for i in range(100)) + b" :x",
    b"KICK " + b",".join([b"#c"] * 50) + b" bob",
    b"WHOIS " + b",".join(b"n%d" % i for i in range(100)),
    b"ISON " + b" ".join(b"n%d" % i for i in range(100)),
    b"INVITE bob #nonexistent",
    b"CAP REQ :" + b" ".join([b"multi-prefix"] * 100),
    b"CAP REQ :-sasl -nonexistent",
    b"CAP LS 999999999999",
    b"CAP",
    b"CAP BOGUS",
    b"AUTHENTICATE " + b"A" * 400,
    b"AUTHENTICATE " + b"!" * 399,
    b"PASS",
    b"PASS a b c",
    b"USER",
    b"NICK",
    b"NICK :",
    b"NICK #chan",
    b"NICK -dash",
    b"PING",
    b"PING :",
    b"TOPIC #c :" + b"t" * 500,
    b"AWAY :" + b"a" * 500,
    b"KICK #c bob :" + b"k" * 500,
    b"QUIT :" + b"q" * 500,
    b"WHO #c %" + b"tcuhnfdar" * 20 + b"," + b"9" * 50,
    b"LIST <-1,>99999999999999999",
    b"STATS",
    b"MODE",
    b"MODE *",
    b"PRIVMSG",
    b"PRIVMSG #c",
    b"PRIVMSG #c :",
    b"PRIVMSG @#c :status message",
    b"PRIVMSG +#c :status message",
]


# PROXY protocol headers (HAProxy proxy-protocol.txt), as a TLS
# terminator or load balancer sends them ahead of the IRC bytes.
V2_SIG = b"\r\n\r\n\x00\r\nQUIT\n"


def proxy_v2(cmd, fam, addr, tlvs=b""):
    body = addr + tlvs
    return V2_SIG + bytes([0x20 | cmd, fam]) + struct.pack(">H", len(body)) + body


PROXY = [
    b"PROXY TCP4 192.0.2.1 198.51.100.1 40000 6667\r\n",
    b"PROXY TCP6 2001:db8::1 2001:db8::2 40000 6667\r\n",
    b"PROXY TCP6 ::ffff:192.0.2.7 ::ffff:192.0.2.8 1 65535\r\n",
    b"PROXY UNKNOWN\r\n",
    b"PROXY UNKNOWN ffff:f...f:ffff ffff:f...f:ffff 65535 65535\r\n",
    b"PROXY TCP4 192.0.2.1 198.51.100.1 40000 6667\r\nNICK a\r\n",
    b"PROXY TCP4 01.2.3.4 5.6.7.8 1 2\r\n",
    b"PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n",
    b"PROXY TCP4 1.2.3.4  5.6.7.8 1 2\r\n",
    b"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n",
    b"PROXY " + b"A" * 120 + b"\r\n",
    b"PROXY",
    proxy_v2(1, 0x11, bytes([192, 0, 2, 1, 198, 51, 100, 1]) + struct.pack(">HH", 40000, 6667)),
    proxy_v2(1, 0x21, bytes(15) + b"\x01" + bytes(15) + b"\x02" +
             struct.pack(">HH", 1, 2)),
    proxy_v2(1, 0x21, bytes(10) + b"\xff\xff" + bytes([192, 0, 2, 9]) + bytes(16) +
             struct.pack(">HH", 1, 2)),
    proxy_v2(0, 0x00, b""),
    proxy_v2(1, 0x11, bytes([10, 0, 0, 1, 10, 0, 0, 2]) + struct.pack(">HH", 1, 2),
             b"\x01\x00\x02h2" + b"\x20\x00\x05\x01\x00\x00\x00\x00"),
    proxy_v2(1, 0x31, bytes(216)),
    proxy_v2(1, 0x11, bytes(4)),
    V2_SIG + b"\x21\x11\xff\xff",
    V2_SIG[:7],
]


def put(outdir, harness, data):
    d = os.path.join(outdir, harness)
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def stream(lines, eol=b"\r\n"):
    return b"".join(line + eol for line in lines)


# fuzz_line.c: limit index, chunk count - 1, chunk sizes - 1, stream.
def line_recipe(limit, chunks, data):
    return bytes([limit, len(chunks) - 1] + [c - 1 for c in chunks]) + data


# fuzz_core.c operations.
class Script:
    def __init__(self):
        self.b = bytearray()

    def connect(self, ip=0):
        self.b.append(0 | ip << 3)
        return self

    def send(self, slot, data):
        for i in range(0, max(len(data), 1), 65535):
            part = data[i:i + 65535]
            self.b += bytes([1, slot]) + struct.pack("<H", len(part)) + part
        return self

    def lines(self, slot, lines, eol=b"\r\n"):
        for line in lines:
            self.send(slot, line + eol)
        return self

    def clock(self, ms):
        self.b += bytes([2]) + struct.pack("<H", min(ms // 10, 65535))
        return self

    def drain(self, slot):
        self.b.append(3 | slot << 3)
        return self

    def write(self, half=False):
        self.b.append(4 | (1 << 3 if half else 0))
        return self

    def hangup(self, slot):
        self.b.append(5 | slot << 3)
        return self

    def reap(self):
        self.b.append(6)
        return self

    def shutdown(self):
        self.b.append(7)
        return self

    def register(self, slot, nick, ip=0):
        self.connect(ip)
        self.lines(slot, [b"PASS " + PASSWORD, b"NICK " + nick,
                          b"USER " + nick + b" 0 * :" + nick])
        return self.write()


def core_seeds():
    seeds = []
    # irssi and WeeChat side by side, as in the e2e test.
    s = Script().connect().connect()
    for i in range(max(len(IRSSI), len(WEECHAT))):
        if i < len(IRSSI):
            s.send(0, IRSSI[i] + b"\r\n")
        if i < len(WEECHAT):
            s.send(1, WEECHAT[i] + b"\r\n")
        s.write()
    seeds.append(s.reap())
    # Each client alone, in one read.
    seeds.append(Script().connect().send(0, stream(IRSSI)).write().reap())
    seeds.append(Script().connect().send(0, stream(WEECHAT)).write().reap())
    # Byte at a time, LF only (nc without -C).
    s = Script().connect()
    for c in stream(IRSSI[:12], b"\n"):
        s.send(0, bytes([c]))
    seeds.append(s.write().reap())
    # The rest of the commands, with a channel partner, after an OPER.
    s = Script().register(0, b"alice").register(1, b"bob")
    s.lines(0, [b"JOIN #c", b"CAP REQ :echo-message message-tags"])
    s.lines(1, [b"JOIN #c"]).write()
    for i in range(0, len(OTHER), 8):
        s.lines(0, OTHER[i:i + 8]).write()
    seeds.append(s.reap())
    # SASL before registration, then OPER from a limited address.
    s = Script().connect(1).lines(0, [
        b"CAP LS 302", b"CAP REQ :sasl", b"AUTHENTICATE PLAIN",
        b"AUTHENTICATE AGFjY3QAc2VjcmV0", b"CAP END", b"NICK sasl",
        b"USER s 0 * :s", b"PASS " + PASSWORD, b"OPER fuzz secret",
        b"WALLOPS :hi", b"KILL sasl :self"])
    seeds.append(s.write().reap())
    # Every hostile line from a channel member, with a listener.
    for line in HOSTILE:
        s = Script().register(0, b"alice").register(1, b"bob")
        s.lines(0, [b"JOIN #c"]).lines(1, [b"JOIN #c"]).write()
        s.send(0, line + b"\r\n").write().send(1, line + b"\n").write()
        seeds.append(s.reap())
    # Hostile lines before registration.
    s = Script().connect(1)
    for line in HOSTILE[:40]:
        s.send(0, line + b"\r\n")
    seeds.append(s.write().reap())
    # Flood from a limited address: throttled, then Excess Flood.
    s = Script().register(0, b"flood", ip=1).lines(0, [b"JOIN #f"])
    s.send(0, stream([b"PRIVMSG #f :%d" % i for i in range(60)]))
    seeds.append(s.clock(3000).write().reap())
    # A member that never reads while its channel is flooded: SendQ.
    s = Script().register(0, b"talk").register(1, b"deaf").register(2, b"ok")
    for k in range(3):
        s.lines(k, [b"JOIN #c"])
    for i in range(40):
        s.send(0, b"PRIVMSG #c :" + b"%04d " % i + b"x" * 400 + b"\r\n")
        s.drain(0).drain(2)
    seeds.append(s.write().reap())
    # Timeouts: no registration; then an idle user that never PONGs.
    s = Script().connect().send(0, b"NICK slow\r\n").clock(6000).reap()
    s.register(0, b"idle").clock(11000).clock(6000).reap()
    seeds.append(s)
    # More connections than max_clients and max_per_ip allow.
    s = Script()
    for i in range(8):
        s.connect(i % 4)
    seeds.append(s.reap())
    # Hang up mid-line and mid-burst, then shut down with users left.
    s = Script().register(0, b"a").register(1, b"b").lines(0, [b"JOIN #c"])
    s.lines(1, [b"JOIN #c"]).send(0, b"PRIVMSG #c :half a li").hangup(0)
    s.send(1, stream([b"PRIVMSG #c :%d" % i for i in range(20)])).hangup(1)
    s.register(2, b"c").lines(2, [b"JOIN #c"]).shutdown().write()
    seeds.append(s.reap())
    # Nick collisions and changes while others are closing.
    s = Script().register(0, b"x").connect().lines(1, [b"NICK x", b"NICK X",
                                                       b"NICK y"])
    s.hangup(0).lines(1, [b"NICK x", b"USER y 0 * :y", b"PASS " + PASSWORD])
    seeds.append(s.write().reap())
    return [bytes(s.b) for s in seeds]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "corpus")
    for h in ("fuzz_msg", "fuzz_line", "fuzz_core", "fuzz_proxy"):
        shutil.rmtree(os.path.join(outdir, h), ignore_errors=True)
    for line in IRSSI + WEECHAT + OTHER + HOSTILE:
        put(outdir, "fuzz_msg", line)
    sessions = [IRSSI, WEECHAT, OTHER, HOSTILE[:30], HOSTILE[30:]]
    for i, lines in enumerate(sessions):
        put(outdir, "fuzz_line", line_recipe(6, [256], stream(lines)))
        put(outdir, "fuzz_line", line_recipe(6, [1], stream(lines, b"\n")))
        put(outdir, "fuzz_line", line_recipe(5, [7, 1, 100, 13], stream(lines)))
        put(outdir, "fuzz_line", line_recipe(i % 5, [3, 256], stream(lines, b"\r")))
    put(outdir, "fuzz_line", line_recipe(6, [200, 1], b"X" * 6000 + b"\r\nPING x\r\n"))
    for seed in core_seeds():
        put(outdir, "fuzz_core", seed)
    for header in PROXY:
        put(outdir, "fuzz_proxy", header)


if __name__ == "__main__":
    main()
