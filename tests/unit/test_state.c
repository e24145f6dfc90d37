/*
 * Unit tests for the saved state of a hot upgrade (state.c, state_save.c,
 * state_load.c): a server with every kind of state saved, restored into a
 * fresh server and saved again must give the same bytes; the restored
 * server must answer as the old one did; and a damaged or hostile blob
 * must be refused, never crash (every byte of a saved state changed in
 * turn, with the checksum made right again).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "channel.h"
#include "client.h"
#include "config.h"
#include "fake.h"
#include "hmap.h"
#include "journal.h"
#include "link.h"
#include "local.h"
#include "multiline.h"
#include "network.h"
#include "scram.h"
#include "server.h"
#include "state.h"

struct busy {
	struct server *srv;
	struct client *alice, *bob, *carol, *dave, *eve;
};

/* Registered users in a channel with every mode, list and topic. */
static void
busy_channel(struct busy *b)
{
	struct server *srv = b->srv;

	fake_line(srv, b->alice, "TOPIC #room :the topic of the room");
	fake_line(srv, b->alice, "MODE #room +tnkl sesame 10");
	fake_line(srv, b->alice, "MODE #room +i");
	fake_line(srv, b->alice, "MODE #room +b bad!*@*");
	fake_line(srv, b->alice, "MODE #room +e good!*@*");
	fake_line(srv, b->alice, "MODE #room +I friend!*@*");
	fake_line(srv, b->alice, "MODE #room +v bob");
	fake_line(srv, b->alice, "INVITE carol #room");
	fake_line(srv, b->alice, "METADATA #room SET color :blue");
	fake_line(srv, b->alice, "PRIVMSG #room :hello, history");
	fake_line(srv, b->bob, "PRIVMSG #room :second line");
	fake_line(srv, b->bob, "JOIN #other");
	fake_line(srv, b->bob, "TOPIC #other :other topic");
}

/* A SCRAM exchange half way, as cmd_sasl.c leaves it after the first step. */
static void
busy_sasl(struct client *cli)
{
	struct scram *s = calloc(1, sizeof(*s));

	assert_non_null(s);
	snprintf(s->user, sizeof(s->user), "dave");
	snprintf(s->first_bare, sizeof(s->first_bare), "n=dave,r=abc");
	snprintf(s->server_first, sizeof(s->server_first), "r=abcdef,s=c2FsdA==,i=4096");
	snprintf(s->nonce, sizeof(s->nonce), "abcdef");
	memset(s->stored_key, 0x5a, sizeof(s->stored_key));
	memset(s->server_key, 0xa5, sizeof(s->server_key));
	assert_non_null(local_extra(cli->local));
	cli->local->extra->sasl_scram = s;
	cli->local->extra->sasl_step = 1;
	cli->local->extra->sasl_started = true;
	cli->local->extra->sasl_buf = strdup("partial");
	cli->local->extra->sasl_len = 7;
	/* And an exchange relayed to services (sasl_relay.c). */
	cli->local->extra->sasl_relay_ms = FAKE_NOW_MS - 500;
	snprintf(cli->local->extra->sasl_agent, sizeof(cli->local->extra->sasl_agent),
	    "1AAAAAAAS");
}

/* A user per kind of connection state, and the stores beside them. */
static struct busy
busy_server(void)
{
	struct busy b;

	b.srv = fake_server();
	b.alice = fake_registered(b.srv, "alice");
	fake_cap_on(b.srv, b.alice, "echo-message server-time message-tags "
	    "draft/metadata-3 draft/read-marker draft/multiline batch");
	fake_line(b.srv, b.alice, "JOIN #room");
	b.bob = fake_joined(b.srv, "bob", "#room");
	fake_cap_on(b.srv, b.bob, "away-notify multi-prefix");
	b.carol = fake_registered(b.srv, "carol");
	busy_channel(&b);
	fake_line(b.srv, b.bob, "AWAY :gone fishing");
	/* bob shows a host services gave him; his address is kept aside. */
	assert_non_null(local_extra(b.bob->local));
	snprintf(b.bob->local->extra->addr, sizeof(b.bob->local->extra->addr), "%s",
	    b.bob->host);
	snprintf(b.bob->host, sizeof(b.bob->host), "bob.users.example");
	fake_line(b.srv, b.carol, "MODE carol +i");
	fake_line(b.srv, b.carol, "MONITOR + alice,bob,nobody");
	fake_line(b.srv, b.alice, "METADATA * SET avatar :https://example.org/a.png");
	fake_line(b.srv, b.alice, "METADATA * SUB avatar");
	fake_line(b.srv, b.alice, "MARKREAD #room timestamp=2023-11-14T22:13:20.000Z");
	fake_line(b.srv, b.alice, "BATCH +ml draft/multiline #room");
	fake_line(b.srv, b.alice, "@batch=ml PRIVMSG #room :first of a batch");
	/* Whowas: a rename and a quit. */
	b.eve = fake_registered(b.srv, "eve");
	fake_line(b.srv, b.eve, "NICK evelyn");
	fake_line(b.srv, b.eve, "QUIT :bye");
	fake_reap(b.srv);
	/* An unregistered connection half way, with bytes in both queues. */
	b.dave = fake_client(b.srv, "192.0.2.7");
	fake_line(b.srv, b.dave, "PASS " FAKE_PASSWORD);
	fake_line(b.srv, b.dave, "NICK dave");
	assert_int_equal(buf_append(&b.dave->local->recvq, "USER d 0 * :Da", 14), 0);
	assert_int_equal(buf_append(&b.carol->local->recvq, "PRIVMSG #room :x\r\nPI", 20), 0);
	busy_sasl(b.dave);
	b.alice->nick_ts = 1699999999;
	return b;
}

static void
save(struct server *srv, struct buf *out)
{
	struct state_w w;

	buf_init(out, 0);
	state_w_begin(&w, out);
	assert_int_equal(state_save(srv, &w, true), 0);
	assert_int_equal(state_w_end(&w), 0);
}

static struct server *
restore(const struct buf *blob)
{
	struct server *srv = fake_server();
	char err[256] = "";

	if (state_load(srv, buf_data(blob), buf_len(blob), err, sizeof(err)) == -1)
		fail_msg("state_load: %s", err);
	return srv;
}

static struct client *
by_nick(struct server *srv, const char *nick)
{
	struct client *cli = client_find_nick(srv, nick);

	assert_non_null(cli);
	return cli;
}

static void
test_round_trip_same_bytes(void **state)
{
	struct busy b = busy_server();
	struct buf one, two;
	struct server *again;

	(void)state;
	save(b.srv, &one);
	again = restore(&one);
	save(again, &two);
	assert_int_equal(buf_len(&one), buf_len(&two));
	assert_memory_equal(buf_data(&one), buf_data(&two), buf_len(&one));
	assert_true(buf_len(&one) > 1000);
	buf_free(&one);
	buf_free(&two);
	fake_free(again);
	fake_free(b.srv);
}

/* The same question to the old and the restored server gets the same answer. */
static void
same_answer(struct server *a, struct server *b, const char *nick, const char *line)
{
	char *x, *y;

	fake_drop_all(a);
	fake_drop_all(b);
	fake_line(a, by_nick(a, nick), line);
	fake_line(b, by_nick(b, nick), line);
	x = fake_take_output(by_nick(a, nick));
	y = fake_take_output(by_nick(b, nick));
	assert_string_equal(x, y);
	assert_true(strlen(x) > 0);
	free(x);
	free(y);
}

static void
test_restored_server_answers_alike(void **state)
{
	struct busy b = busy_server();
	struct buf blob;
	struct server *again;

	(void)state;
	save(b.srv, &blob);
	again = restore(&blob);
	same_answer(b.srv, again, "alice", "NAMES #room");
	same_answer(b.srv, again, "alice", "MODE #room");
	same_answer(b.srv, again, "alice", "TOPIC #room");
	same_answer(b.srv, again, "alice", "MODE #room +b");
	same_answer(b.srv, again, "alice", "MODE #room +e");
	same_answer(b.srv, again, "alice", "MODE #room +I");
	same_answer(b.srv, again, "alice", "WHOIS bob");
	same_answer(b.srv, again, "carol", "WHOWAS evelyn");
	same_answer(b.srv, again, "carol", "WHOWAS eve");
	same_answer(b.srv, again, "carol", "MONITOR L");
	same_answer(b.srv, again, "alice", "METADATA #room GET color");
	same_answer(b.srv, again, "alice", "METADATA * SUBS");
	same_answer(b.srv, again, "alice", "MARKREAD #room");
	same_answer(b.srv, again, "alice", "CHATHISTORY LATEST #room * 10");
	same_answer(b.srv, again, "alice", "LUSERS");
	same_answer(b.srv, again, "alice", "CAP LIST");
	/* The invitation still holds: carol may join the +i channel. */
	fake_drop_all(again);
	fake_line(again, by_nick(again, "carol"), "JOIN #room sesame");
	fake_expect_has(by_nick(again, "carol"), "JOIN #room");
	buf_free(&blob);
	fake_free(again);
	fake_free(b.srv);
}

/* The connection state beyond what a query shows: queues, batch, timers. */
static void
test_connection_state_kept(void **state)
{
	struct busy b = busy_server();
	struct buf blob;
	struct server *again;
	struct client *dave, *alice;

	(void)state;
	save(b.srv, &blob);
	again = restore(&blob);
	dave = by_nick(again, "dave");
	alice = by_nick(again, "alice");
	assert_false(client_is_registered(dave));
	assert_int_equal(dave->id, b.dave->id);
	assert_int_equal(buf_len(&dave->local->recvq), 14);
	assert_memory_equal(buf_data(&dave->local->recvq), "USER d 0 * :Da", 14);
	assert_int_equal(buf_len(&dave->local->sendq), buf_len(&b.dave->local->sendq));
	assert_int_equal(alice->nick_ts, 1699999999);
	assert_string_equal(by_nick(again, "bob")->host, "bob.users.example");
	assert_true(client_host_changed(by_nick(again, "bob")));
	assert_string_equal(client_addr(by_nick(again, "bob")), "127.0.0.1");
	assert_false(client_host_changed(alice));
	assert_int_equal(dave->local->extra->sasl_step, 1);
	assert_int_equal(dave->local->extra->sasl_relay_ms, FAKE_NOW_MS - 500);
	assert_string_equal(dave->local->extra->sasl_agent, "1AAAAAAAS");
	assert_non_null(dave->local->extra->sasl_scram);
	assert_memory_equal(dave->local->extra->sasl_scram, b.dave->local->extra->sasl_scram, sizeof(struct scram));
	assert_non_null(local_batch(alice->local));
	assert_int_equal(local_batch(alice->local)->nlines, 1);
	assert_string_equal(local_batch(alice->local)->command, "PRIVMSG");
	assert_int_equal(client_caps(alice), client_caps(b.alice));
	assert_int_equal(again->nusers, b.srv->nusers);
	assert_int_equal(again->ninvisible, b.srv->ninvisible);
	assert_int_equal(again->nclients, b.srv->nclients);
	assert_int_equal(again->next_id, b.srv->next_id);
	assert_int_equal(again->msgid_seq, b.srv->msgid_seq);
	/* The rest of dave's USER line arrives in the new image: he registers. */
	assert_int_equal(buf_append(&dave->local->recvq, "ve\r\n", 4), 0);
	server_on_input(again, dave);
	assert_true(client_is_registered(dave));
	buf_free(&blob);
	fake_free(again);
	fake_free(b.srv);
}

/* Fix the CRC of a blob changed on purpose, so the decoder itself is tested. */
static void
recrc(uint8_t *p, size_t len)
{
	uint32_t crc = journal_crc32c(0, p, len - 4);

	for (int i = 0; i < 4; i++)
		p[len - 4 + i] = (uint8_t)(crc >> (8 * i));
}

static void
test_damage_detected(void **state)
{
	struct busy b = busy_server();
	struct buf blob;
	uint8_t *p;
	size_t len;
	char err[256], want[32];

	(void)state;
	save(b.srv, &blob);
	p = (uint8_t *)buf_data(&blob);
	len = buf_len(&blob);
	p[len / 2] ^= 0x20;
	assert_int_equal(state_check(p, len, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "checksum"));
	p[len / 2] ^= 0x20;
	assert_int_equal(state_check(p, len, err, sizeof(err)), 0);
	assert_int_equal(state_check(p, len - 1, err, sizeof(err)), -1);
	assert_int_equal(state_check(p, 10, err, sizeof(err)), -1);
	p[8] = STATE_VERSION + 1;       /* a version from the future */
	recrc(p, len);
	assert_int_equal(state_check(p, len, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "version %u", STATE_VERSION + 1);
	assert_non_null(strstr(err, want));
	p[8] = 0;                       /* and one from before the first */
	recrc(p, len);
	assert_int_equal(state_check(p, len, err, sizeof(err)), -1);
	buf_free(&blob);
	fake_free(b.srv);
}

/*
 * Every byte changed in turn, CRC fixed: the load refuses or succeeds, but
 * never reads out of bounds or leaks (run under ASan by make asan).
 */
static void
test_hostile_blob_never_crashes(void **state)
{
	struct busy b = busy_server();
	struct buf blob;
	uint8_t *copy;
	size_t len;
	unsigned refused = 0;
	char err[256];

	(void)state;
	save(b.srv, &blob);
	len = buf_len(&blob);
	copy = malloc(len);
	assert_non_null(copy);
	for (size_t i = STATE_HEADER_SIZE; i + 4 < len; i += 1 + i / 512) {
		struct server *srv = fake_server();

		memcpy(copy, buf_data(&blob), len);
		copy[i] ^= (uint8_t)(i & 1 ? 0xff : 0x01);
		recrc(copy, len);
		refused += state_load(srv, copy, len, err, sizeof(err)) == -1;
		fake_free(srv);
	}
	/* Most changes make no sense: lengths, counts, flags, names. */
	assert_true(refused > 50);
	free(copy);
	buf_free(&blob);
	fake_free(b.srv);
}

static void
test_truncated_sections_refused(void **state)
{
	struct busy b = busy_server();
	struct buf blob;
	struct server *srv;
	char err[256];
	size_t len;
	uint8_t *p;

	(void)state;
	save(b.srv, &blob);
	len = buf_len(&blob);
	p = (uint8_t *)buf_data(&blob);
	/* The first section's length made too large for the blob. */
	p[STATE_HEADER_SIZE + 8] = 0xff;
	p[STATE_HEADER_SIZE + 9] = 0xff;
	recrc(p, len);
	srv = fake_server();
	assert_int_equal(state_load(srv, p, len, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "SRVR"));
	fake_free(srv);
	buf_free(&blob);
	fake_free(b.srv);
}

/* This server is 42X, with a link block for peer.test and one for far.test. */
static void
with_links(struct config *cfg)
{
	char err[256];

	if (config_parse_string(cfg, "sid = 42X\n"
	    "link peer.test {\nhost = 127.0.0.1\npassword = pw\n}\n"
	    "link far.test {\nhost = 127.0.0.1\nport = 7000\npassword = pw\n"
	    "autoconnect = yes\n}\n", "test.conf", err, sizeof(err)) == -1)
		fail_msg("config: %s", err);
}

/* Lines from a link, as the shell hands them over. */
static void
link_lines(struct server *srv, struct client *l, const char *lines)
{
	assert_int_equal(buf_append(&l->local->recvq, lines, strlen(lines)), 0);
	server_on_input(srv, l);
	assert_false(client_is_closing(l));
}

struct linked {
	struct server *srv;
	struct client *alice, *peer, *far;
};

/*
 * alice here; peer.test (1AA) linked, with leaf.test (1AB) and
 * leaf2.test (1AC) behind it;
 * their users bob (away, an account, voice), dan and carl (op) in #room
 * with alice; an outgoing link to far.test still connecting.
 */
static struct linked
linked_server(void)
{
	struct linked k;
	const char *why;

	k.srv = fake_server_adjusted(with_links);
	k.alice = fake_joined(k.srv, "alice", "#room");
	k.peer = fake_client(k.srv, "127.0.0.1");
	assert_int_equal(link_attach(k.srv, k.peer, NULL), 0);
	link_lines(k.srv, k.peer, "PASS pw TS 6 :1AA\r\nCAPAB :QS ENCAP EX IE TB EOB EUID\r\n"
	    "SERVER peer.test 1 :The peer\r\nSVINFO 6 6 0 :1700000000\r\n"
	    ":1AA SID leaf.test 2 1AB :The leaf\r\n"
	    ":1AA SID leaf2.test 2 1AC :The second leaf\r\n"
	    ":1AA EUID bob 1 1700000000 +i b bob.example 192.0.2.5 1AAAAAAAB * acct "
	    ":Bob Remote\r\n"
	    ":1AA UID dan 1 1700000002 +w d dan.example 192.0.2.8 1AAAAAAAD :Dan\r\n"
	    ":1AB UID carl 2 1700000001 +w c carl.example 0 1ABAAAAAC :Carl\r\n"
	    ":1AA SJOIN 1 #room +nt :+1AAAAAAAB 1AAAAAAAD\r\n"
	    ":1AB SJOIN 1 #room + :@1ABAAAAAC\r\n"
	    ":1AAAAAAAB AWAY :at lunch\r\n:1AA EOB\r\n");
	assert_int_equal(k.srv->net->count, 4);
	snprintf(k.srv->net->sasl_mechs, sizeof(k.srv->net->sasl_mechs), "PLAIN,EXTERNAL");
	assert_int_equal(k.srv->net->nremote, 3);
	assert_int_equal(channel_find(k.srv, "#room")->nmembers, 4);
	/* The shell's part of CONNECT far.test: a connection still being made. */
	assert_int_equal(link_connect(k.srv, "far.test", &why), 0);
	assert_non_null(link_next_connect(k.srv));
	k.far = fake_client(k.srv, "127.0.0.1");
	assert_int_equal(link_attach(k.srv, k.far, "far.test"), 0);
	fake_drop_all(k.srv);
	return k;
}

static void
test_links_round_trip(void **state)
{
	struct linked k = linked_server();
	struct buf one, two;
	struct server *again;

	(void)state;
	save(k.srv, &one);
	again = restore(&one);
	save(again, &two);
	assert_int_equal(buf_len(&one), buf_len(&two));
	assert_memory_equal(buf_data(&one), buf_data(&two), buf_len(&one));
	buf_free(&one);
	buf_free(&two);
	fake_free(again);
	fake_free(k.srv);
}

/* The first client of again that is the link to the server called name. */
static struct client *
link_to(struct server *srv, const char *name)
{
	for (struct client *cli = srv->clients; cli; cli = cli->next)
		if (cli->local && cli->local->link && strcmp(cli->local->link->name, name) == 0)
			return cli;
	fail_msg("no link to %s", name);
	return NULL;
}

static void
test_links_restored_alike(void **state)
{
	struct linked k = linked_server();
	struct buf blob;
	struct server *again;
	struct client *peer, *far, *bob;

	(void)state;
	save(k.srv, &blob);
	again = restore(&blob);
	same_answer(k.srv, again, "alice", "NAMES #room");
	same_answer(k.srv, again, "alice", "WHOIS bob");
	same_answer(k.srv, again, "alice", "WHOIS carl");
	same_answer(k.srv, again, "alice", "WHO #room");
	same_answer(k.srv, again, "alice", "LINKS");
	same_answer(k.srv, again, "alice", "MAP");
	same_answer(k.srv, again, "alice", "LUSERS");
	same_answer(k.srv, again, "alice", "MODE #room");
	/* 265 gives the most users this server had, 266 the network's. */
	fake_line(again, by_nick(again, "alice"), "LUSERS");
	fake_expect_has(by_nick(again, "alice"), " 265 alice 1 1 :Current local users 1, max 1\r\n");
	fake_line(again, by_nick(again, "alice"), "LUSERS");
	fake_expect_has(by_nick(again, "alice"), " 266 alice 4 4 :Current global users 4, max 4\r\n");
	peer = link_to(again, "peer.test");
	far = link_to(again, "far.test");
	assert_true(peer->local->link->up);
	assert_int_equal(peer->local->link->eob, k.peer->local->link->eob);
	assert_true(network_find(again->net, "1AA")->eob);
	assert_int_equal(peer->local->link->caps, k.peer->local->link->caps);
	assert_ptr_equal(peer->local->link->server, network_find(again->net, "1AA"));
	assert_ptr_equal(network_find(again->net, "leaf.test")->via, peer);
	assert_true(far->local->link->outgoing && !far->local->link->up);
	assert_ptr_equal(link_peer_get(again, "far.test")->conn, far);
	assert_int_equal(again->net->nremote, 3);
	assert_int_equal(again->net->next_uid, k.srv->net->next_uid);
	assert_string_equal(again->net->sasl_mechs, "PLAIN,EXTERNAL");
	bob = hmap_get(again->net->users, "1AAAAAAAB");
	assert_non_null(bob);
	assert_string_equal(bob->nick, "bob");
	assert_string_equal(client_account(bob), "acct");
	assert_string_equal(bob->away, "at lunch");
	/* Addresses as their servers gave them (LINK 3); carl's none. */
	assert_string_equal(link_remote_ip(again, bob), "192.0.2.5");
	assert_string_equal(link_remote_ip(again, by_nick(again, "carl")), "0");
	assert_int_equal(hmap_count(again->net->addrs), 2);
	assert_ptr_equal(hmap_get(again->net->users, k.alice->uid), by_nick(again, "alice"));
	assert_int_equal(peer->local->sendq.limit, k.peer->local->sendq.limit);
	/* The link goes on: a line from it reaches alice, hers reaches it. */
	link_lines(again, peer, ":1ABAAAAAC PRIVMSG #room :still here\r\n");
	fake_expect(by_nick(again, "alice"), ":carl!c@carl.example PRIVMSG #room :still here\r\n");
	fake_line(again, by_nick(again, "alice"), "PRIVMSG #room :me too");
	assert_true(fake_output_has(peer, " PRIVMSG #room :me too\r\n"));
	buf_free(&blob);
	fake_free(again);
	fake_free(k.srv);
}

/*
 * In the LINK section of blob, the nth (from 0) string field equal to
 * from becomes to (as long), the CRC made right again.
 */
static void
patch_link(struct buf *blob, unsigned nth, const char *from, const char *to)
{
	uint8_t *p = (uint8_t *)buf_data(blob);
	size_t len = buf_len(blob), n = strlen(from), at = STATE_HEADER_SIZE;
	uint8_t field[64];

	assert_int_equal(strlen(to), n);
	field[0] = (uint8_t)n;
	field[1] = field[2] = field[3] = 0;
	memcpy(field + 4, from, n);
	while (at + 12 <= len && memcmp(p + at, "LINK", 4) != 0)
		at += 12 + (p[at + 8] | p[at + 9] << 8 | (size_t)p[at + 10] << 16 |
		    (size_t)p[at + 11] << 24);
	assert_true(at + 12 <= len);
	for (at += 12; at + n + 4 <= len; at++)
		if (memcmp(p + at, field, n + 4) == 0 && nth-- == 0) {
			memcpy(p + at + 4, to, n);
			recrc(p, len);
			return;
		}
	fail_msg("no %s in LINK", from);
}

/* A blob with one change in its LINK section is refused, naming LINK. */
static void
refused_link(unsigned nth, const char *from, const char *to)
{
	struct linked k = linked_server();
	struct buf blob;
	struct server *srv = fake_server_adjusted(with_links);
	char err[256] = "";

	save(k.srv, &blob);
	patch_link(&blob, nth, from, to);
	assert_int_equal(state_load(srv, buf_data(&blob), buf_len(&blob), err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "LINK"));
	buf_free(&blob);
	fake_free(srv);
	fake_free(k.srv);
}

static void
test_links_hostile_refused(void **state)
{
	(void)state;
	/* The fields in order: me, servers (name sid desc uplink), users. */
	refused_link(0, "1AB", "1AA");                  /* a SID twice */
	refused_link(0, "leaf.test", "peer.test");      /* a name twice */
	refused_link(1, "1AA", "9ZZ");                  /* the leaf's uplink unknown */
	refused_link(1, "1AA", "42X");                  /* a second server on one link */
	refused_link(1, "1AB", "9ZZ");                  /* carl's server unknown */
	refused_link(1, "1AB", "42X");                  /* carl on this server */
	refused_link(0, "1AAAAAAAD", "1AAAAAAAB");      /* a UID twice */
	refused_link(0, "1ABAAAAAC", "1AAAAAAAC");      /* a UID of another server */
	refused_link(0, "dan", "bob");                  /* a nick twice */
	refused_link(0, "far.test", "far.tesu");        /* a link without its record */
}

/*
 * A blob of the previous format (state version 1, SRVR 1, CLNT 1, no
 * LINK), written field by field as a server of that version wrote it:
 * the user and its channel come back.
 */
static void
test_reads_version_1(void **state)
{
	struct server *srv = fake_server();
	struct buf out;
	struct state_w w;
	struct client *cli;
	uint8_t secret[32] = { 0 };
	char err[256] = "";

	(void)state;
	buf_init(&out, 0);
	state_w_begin(&w, &out);
	state_section_begin(&w, STATE_SERVER, 1);
	state_put_u64(&w, 7);                   /* next id */
	state_put_u64(&w, 99);                  /* msgid counter */
	state_put_i64(&w, 1700000000);
	state_put_str(&w, "Tue Nov 14 2023");
	state_put_u32(&w, 5);                   /* highest user count */
	state_put_bytes(&w, secret, sizeof(secret));
	state_section_end(&w);
	state_section_begin(&w, STATE_WHOWAS, 1);
	state_put_u8(&w, 0);
	state_section_end(&w);
	state_section_begin(&w, STATE_MARKERS, 1);
	state_put_u8(&w, 0);
	state_section_end(&w);
	state_section_begin(&w, STATE_CLIENTS, 1);
	state_put_u32(&w, 1);
	state_put_u64(&w, 7);                   /* id */
	state_put_u32(&w, 12);                  /* descriptor */
	state_put_u8(&w, 1);                    /* registered */
	for (int i = 0; i < 4; i++)             /* PASS ok, sent, CAP open, USER */
		state_put_bool(&w, i != 2);
	state_put_u32(&w, 302);
	state_put_u32(&w, 0);                   /* caps */
	state_put_u32(&w, UMODE_INVISIBLE);
	state_put_str(&w, "olduser");
	state_put_str(&w, "");                  /* pending nick */
	state_put_str(&w, "ou");
	state_put_str(&w, "198.51.100.4");
	state_put_str(&w, "Old User");
	state_put_str(&w, NULL);                /* not away */
	state_put_str(&w, "");                  /* account */
	for (int i = 0; i < 6; i++)             /* signon ... flood timer */
		state_put_i64(&w, 1700000000 + i);
	for (int i = 0; i < 4; i++)             /* exempt, counted, throttled, pending */
		state_put_bool(&w, false);
	state_put_i64(&w, 0);                   /* KNOCK */
	state_put_i64(&w, 0);                   /* METADATA SET */
	state_put_bool(&w, false);              /* SASL data */
	state_put_u32(&w, 0);
	state_put_bool(&w, false);
	state_put_bool(&w, false);
	state_put_i64(&w, 0);
	state_put_bool(&w, false);              /* SCRAM */
	state_put_u32(&w, 0);                   /* MONITOR */
	state_put_u32(&w, 0);                   /* invitations */
	state_put_u32(&w, 0);                   /* metadata */
	state_put_u32(&w, 0);                   /* subscriptions */
	state_put_bool(&w, false);              /* LIST */
	state_put_u32(&w, 1);
	state_put_str(&w, "#old");
	state_put_bool(&w, false);              /* batch */
	state_put_bytes(&w, "", 0);             /* RecvQ */
	state_put_bytes(&w, "", 0);             /* SendQ */
	state_section_end(&w);
	state_section_begin(&w, STATE_CHANNELS, 1);
	state_put_u32(&w, 1);
	state_put_str(&w, "#old");
	state_put_str(&w, NULL);
	state_put_str(&w, NULL);
	state_put_i64(&w, 0);
	state_put_i64(&w, 1600000000);          /* created */
	state_put_u32(&w, 0);
	state_put_str(&w, "");
	state_put_u32(&w, 0);
	for (int i = 0; i < 3; i++)             /* +b +e +I */
		state_put_u32(&w, 0);
	state_put_u32(&w, 0);                   /* invites */
	state_put_i64(&w, 0);
	state_put_i64(&w, 0);
	state_put_u32(&w, 0);                   /* metadata */
	state_put_u32(&w, 1);
	state_put_u64(&w, 7);
	state_put_u8(&w, MEMBER_OP);
	state_section_end(&w);
	assert_int_equal(state_w_end(&w), 0);
	((uint8_t *)buf_data(&out))[8] = 1;     /* the blob's version */
	recrc((uint8_t *)buf_data(&out), buf_len(&out));
	if (state_load(srv, buf_data(&out), buf_len(&out), err, sizeof(err)) == -1)
		fail_msg("state_load: %s", err);
	cli = by_nick(srv, "olduser");
	assert_int_equal(cli->id, 7);
	assert_int_equal(cli->local->fd, 12);
	assert_true(client_is_registered(cli));
	assert_int_equal(cli->nick_ts, 0);
	assert_string_equal(cli->uid, "");
	assert_null(cli->local->link);
	assert_ptr_equal(channel_member(channel_find(srv, "#old"), cli)->cli, cli);
	assert_int_equal(channel_find(srv, "#old")->created, 1600000000);
	assert_int_equal(srv->max_users, 5);
	assert_int_equal(srv->max_local, 5);
	buf_free(&out);
	fake_free(srv);
}

/*
 * A user without a connection here that no server of the network holds
 * (made by hand: no link introduced it) is left out, and so is a channel
 * that only such users are in; the channels it shares with local users
 * are kept without it. Users the links introduced are kept
 * (test_links_round_trip).
 */
static void
test_remote_users_left_out(void **state)
{
	struct server *srv = fake_server(), *again;
	struct client *alice = fake_registered(srv, "alice");
	struct client *far = client_new(srv, -1, "198.51.100.1");
	struct buf blob;

	(void)state;
	assert_non_null(far);
	assert_int_equal(client_set_nick(far, "far"), 0);
	snprintf(far->user, sizeof(far->user), "f");
	client_set_registered(far);
	fake_line(srv, alice, "JOIN #both");
	assert_non_null(channel_join(channel_find(srv, "#both"), far, 0));
	assert_non_null(channel_join(channel_create(srv, "#faronly"), far, MEMBER_OP));
	local_free(far->local);
	far->local = NULL;
	save(srv, &blob);
	again = restore(&blob);
	assert_int_equal(again->nclients, 1);
	assert_null(client_find_nick(again, "far"));
	assert_null(channel_find(again, "#faronly"));
	assert_non_null(channel_find(again, "#both"));
	assert_int_equal(channel_find(again, "#both")->nmembers, 1);
	buf_free(&blob);
	fake_free(again);
	fake_free(srv);
}

/* Write out cli's queue and let what waits on it go on, up to the end. */
static char *
drain_all(struct server *srv, struct client *cli)
{
	char *all = strdup(""), *part;

	for (int round = 0; round < 100 && all != NULL; round++) {
		part = fake_take_output(cli);
		all = realloc(all, strlen(all) + strlen(part) + 1);
		assert_non_null(all);
		strcat(all, part);
		free(part);
		if (cli->local->extra == NULL || cli->local->extra->on_drained == NULL)
			break;
		server_on_drained(srv, cli);
	}
	assert_non_null(all);
	return all;
}

/*
 * A paced LIST half way when the state is saved goes on in the new image
 * where it was: the rest of the list, once each, then 323, as the old
 * image would have sent it.
 */
static void
test_list_goes_on(void **state)
{
	struct server *srv = fake_server(), *again;
	struct client *alice = fake_registered(srv, "alice");
	struct client *bob = fake_registered(srv, "bob");
	struct channel *chan;
	char name[32], topic[256];
	struct buf blob, two;
	char *x, *y;

	(void)state;
	for (int i = 0; i < 400; i++) {
		snprintf(name, sizeof(name), "#chan%03d", i);
		snprintf(topic, sizeof(topic), "%0200d", i);
		assert_non_null(chan = channel_create(srv, name));
		assert_non_null(channel_join(chan, alice, MEMBER_OP));
		assert_non_null(chan->topic = strdup(topic));
	}
	fake_line(srv, bob, "LIST");
	assert_non_null(bob->local->extra);
	assert_non_null(bob->local->extra->on_drained);
	assert_true(fake_output_count(bob, " 322 bob ") < 200);
	save(srv, &blob);
	again = restore(&blob);
	save(again, &two);
	assert_int_equal(buf_len(&blob), buf_len(&two));
	assert_memory_equal(buf_data(&blob), buf_data(&two), buf_len(&blob));
	x = drain_all(srv, bob);
	y = drain_all(again, by_nick(again, "bob"));
	assert_string_equal(x, y);
	assert_non_null(strstr(y, " 323 bob :End of /LIST\r\n"));
	for (int i = 0; i < 400; i++) {
		snprintf(name, sizeof(name), " 322 bob #chan%03d ", i);
		assert_non_null(strstr(y, name));
		assert_null(strstr(strstr(y, name) + 1, name));
	}
	free(x);
	free(y);
	buf_free(&blob);
	buf_free(&two);
	fake_free(again);
	fake_free(srv);
}

static void
test_upgrade_command(void **state)
{
	struct server *srv = fake_server();
	struct client *a = fake_registered(srv, "alice");

	(void)state;
	fake_line(srv, a, "UPGRADE");
	fake_expect_has(a, " 481 alice ");
	assert_false(srv->upgrade);
	client_set_umode(a, UMODE_OPER, true);
	fake_line(srv, a, "UPGRADE");
	fake_expect(a, ":irc.local NOTICE alice :*** Upgrade requested: "
	    "checking the new binary\r\n");
	assert_true(srv->upgrade);
	fake_free(srv);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_same_bytes),
		cmocka_unit_test(test_restored_server_answers_alike),
		cmocka_unit_test(test_connection_state_kept),
		cmocka_unit_test(test_damage_detected),
		cmocka_unit_test(test_hostile_blob_never_crashes),
		cmocka_unit_test(test_truncated_sections_refused),
		cmocka_unit_test(test_links_round_trip),
		cmocka_unit_test(test_links_restored_alike),
		cmocka_unit_test(test_links_hostile_refused),
		cmocka_unit_test(test_reads_version_1),
		cmocka_unit_test(test_list_goes_on),
		cmocka_unit_test(test_remote_users_left_out),
		cmocka_unit_test(test_upgrade_command),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
