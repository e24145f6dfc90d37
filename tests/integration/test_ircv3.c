/*
 * Integration tests of the IRCv3 capabilities over loopback: negotiation
 * (CAP LS, REQ, LIST, END, NAK, 410), and for the capabilities that shape
 * what clients see of each other (multi-prefix, userhost-in-names,
 * extended-join, no-implicit-names, away-notify, invite-notify, setname,
 * MONITOR, bot mode) the exact lines a client with it and a client
 * without it receive. Tags and batches: test_ircv3_tags.c; SASL,
 * accounts and cap-notify: test_ircv3_sasl.c.
 */
#include "itest_v3.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Negotiation */

static void
test_cap_ls(void **state)
{
	struct itest_server *s = *state;
	struct itest_client *a = itest_connect(s), *b = itest_connect(s);
	struct itest_client *c = itest_connect(s);

	snprintf(a->nick, sizeof(a->nick), "lsA");
	snprintf(b->nick, sizeof(b->nick), "lsB");
	snprintf(c->nick, sizeof(c->nick), "lsC");
	/* The list is short: one line, no "*" continuation, and no sasl without accounts. */
	itest_send(a, "CAP LS 302");
	itest_expect_next(a, ":" SRV " CAP * LS :" CAPS_ALL_302);
	itest_expect_quiet(a);
	itest_send(b, "CAP LS");
	itest_expect_next(b, ":" SRV " CAP * LS :" CAPS_ALL);
	itest_expect_quiet(b);
	itest_send(c, "cap ls 301");
	itest_expect_next(c, ":" SRV " CAP * LS :" CAPS_ALL);
	itest_send(c, "CAP REQ :sasl");
	itest_expect_next(c, ":" SRV " CAP * NAK :sasl");
	/* CAP LS 302 turns cap-notify on by itself. */
	itest_send(a, "CAP LIST");
	itest_expect_next(a, ":" SRV " CAP * LIST :cap-notify");
	itest_send(b, "CAP LIST");
	itest_expect_next(b, ":" SRV " CAP * LIST :");
	/* Neither is registered before CAP END. */
	send_registration(a, "lsA");
	send_registration(b, "lsB");
	quiet(a, b);
	itest_send(a, "CAP END");
	expect_welcome(a);
	itest_send(b, "CAP END");
	expect_welcome(b);
	itest_send(a, "CAP LS 302");
	itest_expect_next(a, ":" SRV " CAP lsA LS :" CAPS_ALL_302);
	itest_expect_quiet(a);
}

/*
 * ircv3.net no-implicit-names is a work-in-progress specification, and
 * says that software implementing it MUST NOT use the unprefixed name and
 * SHOULD use "draft/no-implicit-names", which is what the clients that
 * implement it request.
 */
static void
test_draft_cap_names(void **state)
{
	struct itest_server *s = *state;
	struct itest_client *c = itest_connect(s);
	char list[ITEST_LINE_MAX + 3];

	snprintf(c->nick, sizeof(c->nick), "dcA");
	itest_send(c, "CAP LS 302");
	/* Spaces around every name, so that a name is found whole. */
	snprintf(list, sizeof(list), " %s ", strstr(itest_expect_next(c,
	    ":" SRV " CAP * LS :*"), " :") + 2);
	if (strstr(list, " no-implicit-names ") != NULL)
		fail_msg("CAP LS offers the work-in-progress no-implicit-names under "
		    "its final name; it must be draft/no-implicit-names");
	assert_non_null(strstr(list, " draft/no-implicit-names "));
}

static void
test_cap_req_all_or_nothing(void **state)
{
	struct itest_server *s = *state;
	struct itest_client *c = itest_connect(s), *d;

	snprintf(c->nick, sizeof(c->nick), "reqA");
	itest_send(c, "CAP LS");
	itest_skip_to(c, ":" SRV " CAP * LS :*");
	itest_send(c, "CAP REQ :bogus-cap");
	itest_expect_next(c, ":" SRV " CAP * NAK :bogus-cap");
	/* One unknown name refuses the whole request. */
	itest_send(c, "CAP REQ :multi-prefix bogus-cap server-time");
	itest_expect_next(c, ":" SRV " CAP * NAK :multi-prefix bogus-cap server-time");
	itest_send(c, "CAP LIST");
	itest_expect_next(c, ":" SRV " CAP * LIST :");
	/* Names are case-sensitive; removing an unknown one is refused too. */
	itest_send(c, "CAP REQ :Multi-Prefix");
	itest_expect_next(c, ":" SRV " CAP * NAK :Multi-Prefix");
	itest_send(c, "CAP REQ :-bogus-cap");
	itest_expect_next(c, ":" SRV " CAP * NAK :-bogus-cap");
	itest_send(c, "CAP REQ :");
	itest_expect_next(c, ":" SRV " CAP * NAK :");
	itest_send(c, "CAP REQ :multi-prefix server-time");
	itest_expect_next(c, ":" SRV " CAP * ACK :multi-prefix server-time");
	itest_send(c, "CAP REQ :-server-time userhost-in-names");
	itest_expect_next(c, ":" SRV " CAP * ACK :-server-time userhost-in-names");
	itest_send(c, "CAP LIST");
	itest_expect_next(c, ":" SRV " CAP * LIST :multi-prefix userhost-in-names");
	/* A 3.1 client may take cap-notify and drop it again. */
	itest_send(c, "CAP REQ :cap-notify");
	itest_expect_next(c, ":" SRV " CAP * ACK :cap-notify");
	itest_send(c, "CAP REQ :-cap-notify");
	itest_expect_next(c, ":" SRV " CAP * ACK :-cap-notify");
	send_registration(c, "reqA");
	itest_send(c, "CAP END");
	expect_welcome(c);
	/* After registration: the same list, REQ still works, END is a no-op. */
	itest_send(c, "CAP LIST");
	itest_expect_next(c, ":" SRV " CAP reqA LIST :multi-prefix userhost-in-names");
	itest_send(c, "CAP REQ :-multi-prefix echo-message");
	itest_expect_next(c, ":" SRV " CAP reqA ACK :-multi-prefix echo-message");
	itest_send(c, "CAP LIST");
	itest_expect_next(c, ":" SRV " CAP reqA LIST :echo-message userhost-in-names");
	/* Enabling what is on, or disabling what is off, is fine; so is a trailing space. */
	itest_send(c, "CAP REQ :echo-message -away-notify ");
	itest_expect_next(c, ":" SRV " CAP reqA ACK :echo-message -away-notify*");
	itest_send(c, "CAP LIST");
	itest_expect_next(c, ":" SRV " CAP reqA LIST :echo-message userhost-in-names");
	itest_send(c, "CAP END");
	itest_expect_quiet(c);
	/* A 302 client cannot turn cap-notify off. */
	d = itest_connect(s);
	snprintf(d->nick, sizeof(d->nick), "reqB");
	itest_send(d, "CAP LS 302");
	itest_skip_to(d, ":" SRV " CAP * LS :*");
	itest_send(d, "CAP REQ :-cap-notify");
	itest_expect_next(d, ":" SRV " CAP * NAK :-cap-notify");
	itest_send(d, "CAP LIST");
	itest_expect_next(d, ":" SRV " CAP * LIST :cap-notify");
}

static void
test_registration_waits_for_cap_end(void **state)
{
	struct itest_server *s = *state;
	struct itest_client *a = itest_connect(s), *b = itest_connect(s);
	struct itest_client *c = itest_connect(s), *d = itest_connect(s);

	/* CAP LS suspends registration; NICK and USER are not enough. */
	itest_send(a, "CAP LS 302");
	send_registration(a, "regA");
	itest_expect_next(a, ":" SRV " CAP * LS :" CAPS_ALL_302);
	itest_expect_quiet(a);
	itest_send(a, "CAP REQ :multi-prefix");
	itest_expect_next(a, ":" SRV " CAP regA ACK :multi-prefix");
	itest_expect_quiet(a);
	itest_send(a, "CAP END");
	expect_welcome(a);
	/* So does a CAP REQ without LS. */
	itest_send(b, "CAP REQ :server-time");
	itest_expect_next(b, ":" SRV " CAP * ACK :server-time");
	send_registration(b, "regB");
	itest_expect_quiet(b);
	itest_send(b, "CAP END");
	expect_welcome(b);
	/* A bad subcommand is 410 and suspends nothing. */
	snprintf(c->nick, sizeof(c->nick), "regC");
	itest_send(c, "CAP FOO");
	itest_expect_next(c, ":" SRV " 410 * FOO :Invalid CAP command");
	itest_send(c, "CAP");
	itest_expect_next(c, ":" SRV " 461 * CAP :Not enough parameters");
	send_registration(c, "regC");
	expect_welcome(c);
	itest_send(c, "CAP bogus");
	itest_expect_next(c, ":" SRV " 410 regC bogus :Invalid CAP command");
	/* CAP END with no negotiation changes nothing. */
	snprintf(d->nick, sizeof(d->nick), "regD");
	itest_send(d, "CAP END");
	itest_expect_quiet(d);
	send_registration(d, "regD");
	expect_welcome(d);
	itest_expect_quiet(d);
}

/* multi-prefix, userhost-in-names, extended-join, no-implicit-names */

static void
test_names_prefixes(void **state)
{
	struct itest_server *s = *state;
	struct itest_client *op = cap_user(s, "mpOp", "");
	struct itest_client *mp = cap_user(s, "mpMp", "multi-prefix");
	struct itest_client *uh = cap_user(s, "mpUh", "userhost-in-names");
	struct itest_client *both = cap_user(s, "mpBoth", "multi-prefix userhost-in-names");

	enter(op, "#mp");
	itest_send(op, "MODE #mp +v mpOp");
	itest_expect_next(op, ":%s MODE #mp +v mpOp", itest_pfx(op));
	enter(mp, "#mp");
	enter(uh, "#mp");
	enter(both, "#mp");
	settle(op, mp, uh, both);
	itest_send(op, "NAMES #mp");
	itest_expect_next(op, ":" SRV " 353 mpOp = #mp :@mpOp mpMp mpUh mpBoth");
	itest_expect_next(op, ":" SRV " 366 mpOp #mp :End of /NAMES list");
	itest_send(mp, "NAMES #mp");
	itest_expect_next(mp, ":" SRV " 353 mpMp = #mp :@+mpOp mpMp mpUh mpBoth");
	itest_expect_next(mp, ":" SRV " 366 mpMp #mp :End of /NAMES list");
	itest_send(uh, "NAMES #mp");
	itest_expect_next(uh, ":" SRV " 353 mpUh = #mp :@%s %s %s %s", itest_pfx(op), itest_pfx(mp),
	    itest_pfx(uh), itest_pfx(both));
	itest_expect_next(uh, ":" SRV " 366 mpUh #mp :End of /NAMES list");
	itest_send(both, "NAMES #mp");
	itest_expect_next(both, ":" SRV " 353 mpBoth = #mp :@+%s %s %s %s", itest_pfx(op),
	    itest_pfx(mp), itest_pfx(uh), itest_pfx(both));
	itest_expect_next(both, ":" SRV " 366 mpBoth #mp :End of /NAMES list");
	/* WHO and WHOIS: every prefix with multi-prefix, the highest without. */
	itest_send(mp, "WHO #mp");
	itest_expect_next(mp, ":" SRV " 352 mpMp #mp mpOp 127.0.0.1 " SRV " mpOp H@+ :0 itest mpOp");
	itest_skip_to(mp, ":" SRV " 315 mpMp #mp :*");
	itest_send(uh, "WHO #mp");
	itest_expect_next(uh, ":" SRV " 352 mpUh #mp mpOp 127.0.0.1 " SRV " mpOp H@ :0 itest mpOp");
	itest_skip_to(uh, ":" SRV " 315 mpUh #mp :*");
	itest_send(mp, "WHOIS mpOp");
	itest_expect(mp, ":" SRV " 319 mpMp mpOp :@+#mp");
	itest_skip_to(mp, ":" SRV " 318 mpMp mpOp :*");
	itest_send(uh, "WHOIS mpOp");
	itest_expect(uh, ":" SRV " 319 mpUh mpOp :@#mp");
	itest_skip_to(uh, ":" SRV " 318 mpUh mpOp :*");
	/* The NAMES sent on JOIN follow the same rules. */
	itest_send(both, "PART #mp");
	itest_expect_next(both, ":%s PART #mp", itest_pfx(both));
	itest_send(both, "JOIN #mp");
	itest_expect_next(both, ":%s JOIN #mp", itest_pfx(both));
	itest_expect_next(both, ":" SRV " 353 mpBoth = #mp :@+%s %s %s %s", itest_pfx(op),
	    itest_pfx(mp), itest_pfx(uh), itest_pfx(both));
	itest_expect_next(both, ":" SRV " 366 mpBoth #mp :End of /NAMES list");
	settle(op, mp, uh);
	quiet(op, mp, uh, both);
}

static void
test_extended_join(void **state)
{
	struct itest_server *s = *state;
	struct itest_client *ext = cap_user(s, "ejExt", "extended-join");
	struct itest_client *pl = cap_user(s, "ejPlain", "");
	struct itest_client *j = cap_user(s, "ejJoin", "");

	/* The joining client's own JOIN is extended too; "*": no account. */
	itest_send(ext, "JOIN #ej");
	itest_expect_next(ext, ":%s JOIN #ej * :itest ejExt", itest_pfx(ext));
	itest_skip_to(ext, ":" SRV " 366 ejExt #ej :*");
	enter(pl, "#ej");
	expect_line(ext, NULL, ":%s JOIN #ej * :itest ejPlain", itest_pfx(pl));
	itest_send(j, "SETNAME :Real Name Here");
	itest_send(j, "JOIN #ej");
	itest_expect_next(j, ":%s JOIN #ej", itest_pfx(j));
	itest_skip_to(j, ":" SRV " 366 ejJoin #ej :*");
	expect_line(ext, NULL, ":%s JOIN #ej * :Real Name Here", itest_pfx(j));
	expect_line(pl, NULL, ":%s JOIN #ej", itest_pfx(j));
	quiet(ext, pl, j);
}

static void
test_no_implicit_names(void **state)
{
	struct itest_server *s = *state;
	struct itest_client *a = cap_user(s, "niA", NO_IMPLICIT_NAMES);
	struct itest_client *b = cap_user(s, "niB", NO_IMPLICIT_NAMES);
	struct itest_client *c = cap_user(s, "niC", "");

	itest_send(a, "JOIN #ni");
	itest_expect_next(a, ":%s JOIN #ni", itest_pfx(a));
	itest_expect_quiet(a);
	itest_send(a, "TOPIC #ni :hello");
	itest_expect_next(a, ":%s TOPIC #ni :hello", itest_pfx(a));
	/* The topic still comes; 353 and 366 do not. */
	itest_send(b, "JOIN #ni");
	itest_expect_next(b, ":%s JOIN #ni", itest_pfx(b));
	itest_expect_next(b, ":" SRV " 332 niB #ni :hello");
	itest_expect_next(b, ":" SRV " 333 niB #ni %s *", itest_pfx(a));
	itest_expect_quiet(b);
	itest_send(c, "JOIN #ni");
	itest_expect_next(c, ":%s JOIN #ni", itest_pfx(c));
	itest_expect_next(c, ":" SRV " 332 niC #ni :hello");
	itest_expect_next(c, ":" SRV " 333 niC #ni %s *", itest_pfx(a));
	itest_expect_next(c, ":" SRV " 353 niC = #ni :@niA niB niC");
	itest_expect_next(c, ":" SRV " 366 niC #ni :End of /NAMES list");
	settle(a, b);
	/* NAMES on request as usual. */
	itest_send(b, "NAMES #ni");
	itest_expect_next(b, ":" SRV " 353 niB = #ni :@niA niB niC");
	itest_expect_next(b, ":" SRV " 366 niB #ni :End of /NAMES list");
	quiet(a, b, c);
}

/* away-notify, invite-notify, setname */

static void
test_away_notify(void **state)
{
	struct itest_server *s = *state;
	struct itest_client *u = cap_user(s, "awUser", "away-notify");
	struct itest_client *an = cap_user(s, "awNote", "away-notify");
	struct itest_client *two = cap_user(s, "awTwo", "away-notify");
	struct itest_client *pl = cap_user(s, "awPlain", "");
	struct itest_client *far = cap_user(s, "awFar", "away-notify");

	enter(u, "#aw");
	enter(u, "#aw2");
	enter(an, "#aw");
	enter(two, "#aw");
	enter(two, "#aw2");
	enter(pl, "#aw");
	settle(u, an, two, pl, far);
	/* Peers with the capability hear it once each; the user only its numeric. */
	itest_send(u, "AWAY :lunch");
	itest_expect_next(u, ":" SRV " 306 awUser :You have been marked as being away");
	expect_line(an, NULL, ":%s AWAY :lunch", itest_pfx(u));
	expect_line(two, NULL, ":%s AWAY :lunch", itest_pfx(u));
	quiet(u, an, two, pl, far);
	itest_send(u, "AWAY");
	itest_expect_next(u, ":" SRV " 305 awUser :You are no longer marked as being away");
	expect_line(an, NULL, ":%s AWAY", itest_pfx(u));
	expect_line(two, NULL, ":%s AWAY", itest_pfx(u));
	quiet(u, an, two, pl, far);
	/* Back when not away: nothing to tell. */
	itest_send(u, "AWAY");
	itest_expect_next(u, ":" SRV " 305 awUser :*");
	quiet(u, an, two, pl, far);
	/* An away user joining: members with away-notify hear JOIN, then AWAY. */
	itest_send(u, "AWAY :brb");
	itest_expect_next(u, ":" SRV " 306 awUser :*");
	settle(an, two);
	enter(an, "#aw3");
	enter(pl, "#aw3");
	settle(an, pl);
	enter(u, "#aw3");
	expect_line(an, NULL, ":%s JOIN #aw3", itest_pfx(u));
	expect_line(an, NULL, ":%s AWAY :brb", itest_pfx(u));
	expect_line(pl, NULL, ":%s JOIN #aw3", itest_pfx(u));
	quiet(u, an, two, pl, far);
}

static void
test_invite_notify(void **state)
{
	struct itest_server *s = *state;
	struct itest_client *op = cap_user(s, "ivOp", "invite-notify");
	struct itest_client *n = cap_user(s, "ivNote", "invite-notify");
	struct itest_client *m = cap_user(s, "ivMore", "invite-notify");
	struct itest_client *p = cap_user(s, "ivPlain", "");
	struct itest_client *t = cap_user(s, "ivT", ""), *t2 = cap_user(s, "ivT2", "");

	enter(op, "#iv");
	enter(n, "#iv");
	enter(m, "#iv");
	enter(p, "#iv");
	settle(op, n, m, p);
	/* The inviter gets 341, the invitee INVITE, members with the cap a notice. */
	itest_send(op, "INVITE ivT #iv");
	itest_expect_next(op, ":" SRV " 341 ivOp ivT #iv");
	expect_line(t, NULL, ":%s INVITE ivT :#iv", itest_pfx(op));
	expect_line(n, NULL, ":%s INVITE ivT #iv", itest_pfx(op));
	expect_line(m, NULL, ":%s INVITE ivT #iv", itest_pfx(op));
	quiet(op, n, m, p, t);
	/* On a +i channel only the operators hear of it. */
	itest_send(op, "MODE #iv +i");
	itest_send(op, "MODE #iv +o ivNote");
	settle(op, n, m, p);
	itest_send(n, "INVITE ivT2 #iv");
	itest_expect_next(n, ":" SRV " 341 ivNote ivT2 #iv");
	expect_line(t2, NULL, ":%s INVITE ivT2 :#iv", itest_pfx(n));
	expect_line(op, NULL, ":%s INVITE ivT2 #iv", itest_pfx(n));
	quiet(op, n, m, p, t2);
}

static void
test_setname(void **state)
{
	struct itest_server *s = *state;
	struct itest_client *sn = cap_user(s, "snSelf", "setname");
	struct itest_client *peer = cap_user(s, "snPeer", "setname");
	struct itest_client *pl = cap_user(s, "snPlain", "");
	char name[392];

	enter(sn, "#sn");
	enter(peer, "#sn");
	enter(pl, "#sn");
	settle(sn, peer, pl);
	itest_send(sn, "SETNAME :New Real Name");
	expect_line(sn, NULL, ":%s SETNAME :New Real Name", itest_pfx(sn));
	expect_line(peer, NULL, ":%s SETNAME :New Real Name", itest_pfx(sn));
	quiet(sn, peer, pl);
	itest_send(pl, "WHOIS snSelf");
	itest_expect_next(pl, ":" SRV " 311 snPlain snSelf snSelf 127.0.0.1 * :New Real Name");
	itest_skip_to(pl, ":" SRV " 318 snPlain snSelf :*");
	/* Empty or over 390 bytes: FAIL, and nothing changes. */
	itest_send(sn, "SETNAME :");
	itest_expect_next(sn, ":" SRV " FAIL SETNAME INVALID_REALNAME "
	    ":Realname must be 1 to 390 bytes");
	memset(name, 'r', 391);
	name[391] = '\0';
	itest_send(sn, "SETNAME :%s", name);
	itest_expect_next(sn, ":" SRV " FAIL SETNAME INVALID_REALNAME :*");
	quiet(sn, peer, pl);
	name[390] = '\0';
	itest_send(sn, "SETNAME :%s", name);
	expect_line(sn, NULL, ":%s SETNAME :%s", itest_pfx(sn), name);
	expect_line(peer, NULL, ":%s SETNAME :%s", itest_pfx(sn), name);
	itest_send(sn, "SETNAME");
	itest_expect_next(sn, ":" SRV " 461 snSelf SETNAME :Not enough parameters");
	quiet(sn, peer, pl);
}

/* MONITOR, extended-monitor */

static void
test_monitor(void **state)
{
	struct itest_server *s = *state;
	struct itest_client *w = cap_user(s, "monW", ""), *a, *o, *z;

	itest_send(w, "VERSION");
	itest_expect(w, ":" SRV " 005 monW * MONITOR=100 *");
	itest_sync(w);
	/* Offline targets come as one 731; a bad nick is skipped. */
	itest_send(w, "MONITOR + monA,monB,1bad");
	itest_expect_next(w, ":" SRV " 731 monW :monA,monB");
	itest_expect_quiet(w);
	a = itest_user(s, "monA");
	itest_expect_next(w, ":" SRV " 730 monW :monA!monA@127.0.0.1");
	itest_send(a, "NICK monB");
	itest_expect_next(a, ":monA!monA@127.0.0.1 NICK :monB");
	snprintf(a->nick, sizeof(a->nick), "monB");
	itest_expect_next(w, ":" SRV " 731 monW :monA");
	itest_expect_next(w, ":" SRV " 730 monW :monB!monA@127.0.0.1");
	itest_send(w, "MONITOR S");
	itest_expect_next(w, ":" SRV " 730 monW :monB!monA@127.0.0.1");
	itest_expect_next(w, ":" SRV " 731 monW :monA");
	itest_send(w, "MONITOR L");
	itest_expect_next(w, ":" SRV " 732 monW :monA,monB");
	itest_expect_next(w, ":" SRV " 733 monW :End of MONITOR list");
	itest_send(a, "QUIT :bye");
	itest_expect_closed(a);
	itest_expect_next(w, ":" SRV " 731 monW :monB");
	/* An online nick is answered with 730 at once; removal is silent. */
	o = itest_user(s, "monO");
	itest_send(w, "MONITOR + monO");
	itest_expect_next(w, ":" SRV " 730 monW :%s", itest_pfx(o));
	itest_send(w, "MONITOR - monA,MONO");
	itest_send(w, "MONITOR L");
	itest_expect_next(w, ":" SRV " 732 monW :monB");
	itest_expect_next(w, ":" SRV " 733 monW :End of MONITOR list");
	itest_send(w, "MONITOR C");
	itest_send(w, "MONITOR L");
	itest_expect_next(w, ":" SRV " 733 monW :End of MONITOR list");
	itest_send(w, "MONITOR +");
	itest_expect_next(w, ":" SRV " 461 monW MONITOR :Not enough parameters");
	itest_send(o, "QUIT");
	itest_expect_closed(o);
	/* A nick taken by a client that has not registered is still offline. */
	itest_send(w, "MONITOR + monZ");
	itest_expect_next(w, ":" SRV " 731 monW :monZ");
	z = itest_connect(s);
	itest_send(z, "PASS %s", s->password);
	itest_send(z, "NICK monZ");
	itest_expect_quiet(z);
	itest_expect_quiet(w);
	itest_send(z, "USER monZ 0 * :itest monZ");
	itest_expect_next(w, ":" SRV " 730 monW :monZ!monZ@127.0.0.1");
	quiet(w);
}

static void
test_monitor_full(void **state)
{
	struct itest_server *s = *state;
	struct itest_client *w = cap_user(s, "mfW", "");
	char list[400];

	/* MONITOR=100: the rest of a list that does not fit is refused with 734. */
	for (int i = 0; i < 100; i += 20) {
		size_t len = 0;

		for (int j = i; j < i + 20; j++)
			len += (size_t)snprintf(list + len, sizeof(list) - len, "%smfN%d",
			    len ? "," : "", j);
		itest_send(w, "MONITOR + %s", list);
		itest_expect_next(w, ":" SRV " 731 mfW :%s", list);
	}
	itest_send(w, "MONITOR + mfN1,mfX,mfY");
	itest_expect_next(w, ":" SRV " 731 mfW :mfN1");
	itest_expect_next(w, ":" SRV " 734 mfW 100 mfX,mfY :Monitor list is full");
	itest_send(w, "MONITOR - mfN0");
	itest_send(w, "MONITOR + mfX,mfY");
	itest_expect_next(w, ":" SRV " 731 mfW :mfX");
	itest_expect_next(w, ":" SRV " 734 mfW 100 mfY :Monitor list is full");
	itest_send(w, "MONITOR C");
	itest_expect_quiet(w);
}

static void
test_extended_monitor(void **state)
{
	struct itest_server *s = *state;
	struct itest_client *e = cap_user(s, "emExt", "extended-monitor away-notify setname");
	struct itest_client *p = cap_user(s, "emPlain", "away-notify setname");
	struct itest_client *x = cap_user(s, "emBare", "extended-monitor");
	struct itest_client *t = cap_user(s, "emT", "");

	itest_send(e, "MONITOR + emT");
	itest_expect_next(e, ":" SRV " 730 emExt :%s", itest_pfx(t));
	itest_send(p, "MONITOR + emT");
	itest_expect_next(p, ":" SRV " 730 emPlain :%s", itest_pfx(t));
	itest_send(x, "MONITOR + emT");
	itest_expect_next(x, ":" SRV " 730 emBare :%s", itest_pfx(t));
	/* No shared channel: only extended-monitor plus the notify capability. */
	itest_send(t, "AWAY :gone");
	itest_expect_next(t, ":" SRV " 306 emT :*");
	expect_line(e, NULL, ":%s AWAY :gone", itest_pfx(t));
	quiet(e, p, x, t);
	itest_send(t, "SETNAME :Other Name");
	expect_line(e, NULL, ":%s SETNAME :Other Name", itest_pfx(t));
	quiet(e, p, x, t);
	/* Monitoring and sharing a channel: still once. */
	enter(t, "#em");
	enter(e, "#em");
	settle(t, e);
	itest_send(t, "AWAY");
	itest_expect_next(t, ":" SRV " 305 emT :*");
	expect_line(e, NULL, ":%s AWAY", itest_pfx(t));
	quiet(e, p, x, t);
}

/* Bot mode */

static void
test_bot_mode(void **state)
{
	struct itest_server *s = *state;
	struct itest_client *b = cap_user(s, "botB", "");
	struct itest_client *v = cap_user(s, "botV", "");
	struct itest_client *mt = cap_user(s, "botMt", "message-tags server-time");

	itest_send(b, "VERSION");
	itest_expect(b, ":" SRV " 005 botB * BOT=B *");
	itest_sync(b);
	itest_send(b, "MODE botB +B");
	itest_expect_next(b, ":%s MODE botB :+B", itest_pfx(b));
	itest_send(b, "MODE botB");
	itest_expect_next(b, ":" SRV " 221 botB +B");
	itest_send(v, "WHOIS botB");
	itest_expect_next(v, ":" SRV " 311 botV botB botB 127.0.0.1 * :itest botB");
	itest_expect_next(v, ":" SRV " 312 botV botB " SRV " :*");
	itest_expect_next(v, ":" SRV " 335 botV botB :is a bot on " NETWORK);
	itest_expect_next(v, ":" SRV " 317 botV botB *");
	itest_expect_next(v, ":" SRV " 318 botV botB :End of /WHOIS list");
	itest_send(v, "WHO botB");
	itest_expect_next(v, ":" SRV " 352 botV * botB 127.0.0.1 " SRV " botB HB :0 itest botB");
	itest_expect_next(v, ":" SRV " 315 botV botB :End of /WHO list");
	/* The "bot" tag goes to message-tags clients only. */
	itest_send(b, "PRIVMSG botMt,botV :beep");
	expect_line(mt, NULL, "@time=TIME;msgid=ID;bot :%s PRIVMSG botMt :beep", itest_pfx(b));
	expect_line(v, NULL, ":%s PRIVMSG botV :beep", itest_pfx(b));
	itest_send(b, "MODE botB -B");
	itest_expect_next(b, ":%s MODE botB :-B", itest_pfx(b));
	itest_send(b, "PRIVMSG botMt :human");
	expect_line(mt, NULL, "@time=TIME;msgid=ID :%s PRIVMSG botMt :human", itest_pfx(b));
	itest_send(v, "WHOIS botB");
	itest_expect_next(v, ":" SRV " 311 botV botB *");
	itest_expect_next(v, ":" SRV " 312 botV botB *");
	itest_expect_next(v, ":" SRV " 317 botV botB *");
	itest_expect_next(v, ":" SRV " 318 botV botB :End of /WHOIS list");
	quiet(b, v, mt);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		itest_unit_test(test_cap_ls),
		itest_unit_test(test_draft_cap_names),
		itest_unit_test(test_cap_req_all_or_nothing),
		itest_unit_test(test_registration_waits_for_cap_end),
		itest_unit_test(test_names_prefixes),
		itest_unit_test(test_extended_join),
		itest_unit_test(test_no_implicit_names),
		itest_unit_test(test_away_notify),
		itest_unit_test(test_invite_notify),
		itest_unit_test(test_setname),
		itest_unit_test(test_monitor),
		itest_unit_test(test_monitor_full),
		itest_unit_test(test_extended_monitor),
		itest_unit_test(test_bot_mode),
	};

	return itest_finish(cmocka_run_group_tests(tests, itest_group_setup_fast,
	    itest_group_teardown));
}
