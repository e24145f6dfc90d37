/*
 * The core: owns the registries, the clock, the timer heap and the lists of
 * clients with pending output and clients to reap. Entry points are called
 * by the I/O shell once per poll round; nothing here does I/O.
 */
#include "server.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cap.h"
#include "casemap.h"
#include "channel.h"
#include "client.h"
#include "command.h"
#include "crypto.h"
#include "hashq.h"
#include "hmap.h"
#include "irc.h"
#include "label.h"
#include "limit.h"
#include "link.h"
#include "log.h"
#include "mode.h"
#include "monitor.h"
#include "msg.h"
#include "multiline.h"
#include "network.h"
#include "numeric.h"
#include "history.h"
#include "inputq.h"
#include "readmarker.h"
#include "reply.h"
#include "sasl_relay.h"
#include "timer.h"
#include "user.h"
#include "whowas.h"

static int
add_isupport(struct server *srv, const char *fmt, ...) REPLY_PRINTF(2, 3);

static int
add_isupport(struct server *srv, const char *fmt, ...)
{
	char tok[256];
	va_list ap;

	if (srv->nisupport == SERVER_ISUPPORT_MAX)
		return -1;
	va_start(ap, fmt);
	vsnprintf(tok, sizeof(tok), fmt, ap);
	va_end(ap);
	if ((srv->isupport[srv->nisupport] = strdup(tok)) == NULL)
		return -1;
	srv->nisupport++;
	return 0;
}

/* ISUPPORT tokens (modern.ircdocs.horse, "Feature Advertisement"). */
static int
build_isupport(struct server *srv)
{
	const struct config *c = &srv->cfg;
	int r = 0;

	r |= add_isupport(srv, "ACCOUNTEXTBAN=%c", EXTBAN_ACCOUNT);
	r |= add_isupport(srv, "AWAYLEN=%d", IRC_AWAYLEN);
	r |= add_isupport(srv, "BOT=B");
	r |= add_isupport(srv, "CASEMAPPING=%s", IRC_CASEMAPPING);
	r |= add_isupport(srv, "CHANLIMIT=%s:%u", IRC_CHANTYPES, c->chanlimit);
	r |= add_isupport(srv, "CHANMODES=%s", MODE_CHANMODES);
	r |= add_isupport(srv, "CHANNELLEN=%d", IRC_CHANNELLEN);
	r |= add_isupport(srv, "CHANTYPES=%s", IRC_CHANTYPES);
	r |= add_isupport(srv, "CHATHISTORY=%d", HISTORY_QUERY_MAX);
	/* IRCv3 message-tags: no client-only tag is refused. */
	r |= add_isupport(srv, "CLIENTTAGDENY=");
	r |= add_isupport(srv, "ELIST=CMNTU");
	r |= add_isupport(srv, "EXCEPTS=e");
	r |= add_isupport(srv, "EXTBAN=,%s", EXTBAN_TYPES);
	r |= add_isupport(srv, "HOSTLEN=%d", IRC_HOSTLEN);
	r |= add_isupport(srv, "INVEX=I");
	r |= add_isupport(srv, "KEYLEN=%d", IRC_KEYLEN);
	r |= add_isupport(srv, "KICKLEN=%d", IRC_KICKLEN);
	r |= add_isupport(srv, "KNOCK");
	r |= add_isupport(srv, "LINELEN=%d", IRC_LINE_MAX);
	r |= add_isupport(srv, "MAXLIST=beI:%u", c->maxlist);
	r |= add_isupport(srv, "MAXTARGETS=%d", IRC_MAXTARGETS);
	r |= add_isupport(srv, "MODES=%d", IRC_MODES);
	r |= add_isupport(srv, "MONITOR=%d", MONITOR_MAX);
	r |= add_isupport(srv, "MSGREFTYPES=timestamp,msgid");
	r |= add_isupport(srv, "NETWORK=%s", c->network);
	r |= add_isupport(srv, "NICKLEN=%d", IRC_NICKLEN);
	r |= add_isupport(srv, "PREFIX=(ov)@+");
	r |= add_isupport(srv, "SAFELIST");
	r |= add_isupport(srv, "STATUSMSG=@+");
	r |= add_isupport(srv, "TARGMAX=JOIN:%d,KICK:%d,LIST:%d,MONITOR:,NAMES:%d,"
	    "NOTICE:%d,PART:%d,PRIVMSG:%d,TAGMSG:%d,USERHOST:%d,WHOIS:%d",
	    IRC_JOINTARGETS, IRC_MAXTARGETS, IRC_MAXTARGETS, IRC_MAXTARGETS,
	    IRC_MAXTARGETS, IRC_JOINTARGETS, IRC_MAXTARGETS, IRC_MAXTARGETS,
	    IRC_USERHOSTMAX, IRC_MAXTARGETS);
	r |= add_isupport(srv, "TOPICLEN=%d", IRC_TOPICLEN);
	r |= add_isupport(srv, "USERLEN=%d", IRC_USERLEN);
	if (c->utf8only)
		r |= add_isupport(srv, "UTF8ONLY");
	r |= add_isupport(srv, "WHOX");
	return r ? -1 : 0;
}

static void
free_isupport(struct server *srv)
{
	for (size_t i = 0; i < srv->nisupport; i++)
		free(srv->isupport[i]);
	srv->nisupport = 0;
}

struct server *
server_new(const struct config *cfg, int64_t wall_ms, int64_t now_ms)
{
	time_t now = (time_t)(wall_ms / 1000);
	struct server *srv = calloc(1, sizeof(*srv));
	size_t ncmds;
	struct tm tm;

	if (srv == NULL)
		return NULL;
	command_table(&ncmds);
	srv->nicks = hmap_new();
	srv->channels = hmap_new();
	srv->accounts = hmap_new();
	/* Sized once: a reload keeps the running bounds. */
	srv->markers = readmarker_new(cfg->readmarker_accounts, cfg->readmarker_targets);
	srv->conn_markers = readmarker_new(cfg->readmarker_conns, cfg->readmarker_targets);
	srv->whowas = whowas_new(cfg->whowas_max);
	srv->history = history_new(&(struct history_limits){ cfg->history_lines,
	    (int64_t)cfg->history_age_s * 1000, cfg->history_size });
	srv->limits = limits_new();
	srv->monitor = monitor_new();
	srv->net = network_new(cfg->server_name, cfg->sid, cfg->description);
	srv->hashq = hashq_new();
	srv->cmd_counts = calloc(ncmds, sizeof(*srv->cmd_counts));
	srv->cmd_bytes = calloc(ncmds, sizeof(*srv->cmd_bytes));
	if (srv->nicks == NULL || srv->channels == NULL || srv->whowas == NULL ||
	    srv->history == NULL ||
	    srv->accounts == NULL || srv->markers == NULL || srv->conn_markers == NULL ||
	    srv->limits == NULL || srv->monitor == NULL || srv->hashq == NULL ||
	    srv->net == NULL || srv->cmd_counts == NULL ||
	    srv->cmd_bytes == NULL || config_copy(&srv->cfg, cfg) == -1 ||
	    build_isupport(srv) == -1) {
		server_free(srv);
		return NULL;
	}
	srv->log.level = (enum log_level)srv->cfg.log_level;
	server_set_clock(srv, wall_ms, now_ms);
	/* Without randomness stand-in salts are predictable: names show, nothing more. */
	if (crypto_random(srv->scram_secret, sizeof(srv->scram_secret)) == -1)
		log_msg(&srv->log, LOG_WARN, "no random bytes (getentropy): SCRAM stand-in salts are predictable");
	cap_sasl_reset(srv);
	srv->started = now;
	gmtime_r(&now, &tm);
	strftime(srv->created, sizeof(srv->created), "%a %b %d %Y at %H:%M:%S UTC", &tm);
	return srv;
}

void
server_free(struct server *srv)
{
	struct client *cli, *next;
	size_t it = 0;
	struct channel *chan;

	if (srv == NULL)
		return;
	for (cli = srv->clients; cli; cli = next) {
		next = cli->next;
		while (cli->channels)
			channel_part(srv, cli->channels);
		client_free(cli);
	}
	/* Channels always have members, but free any left defensively. */
	while (srv->channels && (it = 0, chan = hmap_next(srv->channels, &it, NULL)))
		channel_free(srv, chan);
	hmap_free(srv->nicks);
	hmap_free(srv->channels);
	hmap_free(srv->accounts);
	readmarker_free(srv->markers);
	readmarker_free(srv->conn_markers);
	whowas_free(srv->whowas);
	history_free(srv->history);
	limits_free(srv->limits);
	monitor_free(srv->monitor);
	network_free(srv->net);
	hashq_free(srv->hashq);
	free(srv->timers);
	free(srv->notify);
	free_isupport(srv);
	free(srv->cmd_counts);
	free(srv->cmd_bytes);
	free(srv->config_path);
	config_free(&srv->cfg);
	free(srv);
}

void
server_set_clock(struct server *srv, int64_t wall_ms, int64_t now_ms)
{
	srv->now = (time_t)(wall_ms / 1000);
	srv->now_wall_ms = wall_ms;
	srv->now_ms = now_ms;
}

bool
server_work(struct server *srv)
{
	return hashq_run(srv->hashq, srv, HASHQ_ROUND);
}

uint32_t
server_next_serial(struct server *srv)
{
	/* Skip 0, the value new clients start with. */
	if (++srv->serial == 0)
		srv->serial = 1;
	return srv->serial;
}

/*
 * Timers: one min-heap entry per client, ordered on a deadline snapshot.
 * Activity only moves a client's real deadline later, so the heap is not
 * touched per line: when an entry comes due, the real deadline is worked
 * out again and the entry is pushed back if it has moved (lazy timers).
 */
/* Milliseconds one line costs, and the time a burst may run ahead. */
static int64_t
flood_interval_ms(const struct server *srv)
{
	return 1000 / (srv->cfg.flood_rate ? srv->cfg.flood_rate : 1);
}

static int64_t
flood_window_ms(const struct server *srv)
{
	return (int64_t)srv->cfg.flood_burst * flood_interval_ms(srv);
}

/* When a throttled client may send its next line. */
static int64_t
flood_resume_ms(const struct server *srv, const struct client *cli)
{
	return cli->local->flood_at_ms - flood_window_ms(srv) + 1;
}

static int64_t
client_deadline(const struct server *srv, const struct client *cli)
{
	const struct config *c = &srv->cfg;
	int64_t due;

	/* A server link registers with its SERVER line (link.h). */
	if (cli->state == CLIENT_UNREGISTERED && !link_is_up(cli))
		due = cli->local->connected_ms + (int64_t)c->reg_timeout_s * 1000;
	else if (cli->local->ping_sent_ms)
		due = cli->local->ping_sent_ms + (int64_t)c->ping_timeout_s * 1000;
	else
		due = cli->local->last_active_ms + (int64_t)c->ping_freq_s * 1000;
	if (cli->local->throttled && flood_resume_ms(srv, cli) < due)
		due = flood_resume_ms(srv, cli);
	if (local_batch(cli->local) && local_batch(cli->local)->opened_ms + MULTILINE_TIMEOUT_MS < due)
		due = local_batch(cli->local)->opened_ms + MULTILINE_TIMEOUT_MS;
	if (sasl_relay_deadline(cli) < due)
		due = sasl_relay_deadline(cli);
	return due;
}

static int
timer_add(struct server *srv, struct client *cli)
{
	cli->local->timer_at = client_deadline(srv, cli);
	return timer_heap_add(srv, cli);
}

static void
timer_del(struct server *srv, struct client *cli)
{
	timer_heap_del(srv, cli);
}

/* The real deadline moved earlier (registration): reposition the entry. */
static void
timer_rekey(struct server *srv, struct client *cli)
{
	cli->local->timer_at = client_deadline(srv, cli);
	timer_heap_fix(srv, cli);
}

void
server_timer_update(struct server *srv, struct client *cli)
{
	timer_rekey(srv, cli);
}

static void
timer_fire(struct server *srv, struct client *cli)
{
	char reason[64];

	/* A client batch left open too long is dropped (draft/multiline). */
	if (local_batch(cli->local) &&
	    local_batch(cli->local)->opened_ms + MULTILINE_TIMEOUT_MS <= srv->now_ms) {
		reply_send(cli, ":%s FAIL BATCH MULTILINE_INVALID :Multiline batch "
		    "timed out", srv->cfg.server_name);
		local_batch_end(cli->local);
		timer_rekey(srv, cli);
		return;
	}

	if (sasl_relay_deadline(cli) <= srv->now_ms) {
		sasl_relay_expire(srv, cli);    /* moves the timer on */
		return;
	}
	if (cli->local->throttled && flood_resume_ms(srv, cli) <= srv->now_ms) {
		cli->local->throttled = false;
		server_on_input(srv, cli);
		if (!client_is_closing(cli))
			timer_rekey(srv, cli);
		return;
	}
	if (cli->state == CLIENT_UNREGISTERED && !link_is_up(cli)) {
		timer_del(srv, cli);
		client_close(cli, "Registration timeout");
	} else if (cli->local->ping_sent_ms == 0) {
		reply_send(cli, "PING :%s", srv->cfg.server_name);
		cli->local->ping_sent_ms = srv->now_ms;
		cli->local->timer_at = client_deadline(srv, cli);
		timer_heap_fix(srv, cli);
	} else {
		timer_del(srv, cli);
		snprintf(reason, sizeof(reason), "Ping timeout: %u seconds",
		    srv->cfg.ping_freq_s + srv->cfg.ping_timeout_s);
		client_close(cli, reason);
	}
}

int
server_tick(struct server *srv)
{
	int links = link_tick(srv);
	int64_t due;

	while (srv->ntimers > 0) {
		struct client *cli = srv->timers[0];

		if (client_is_closing(cli)) {
			timer_del(srv, cli);
			continue;
		}
		if (cli->local->timer_at > srv->now_ms)
			break;
		due = client_deadline(srv, cli);
		if (due > srv->now_ms) {
			cli->local->timer_at = due;
			timer_heap_fix(srv, cli);
			continue;
		}
		timer_fire(srv, cli);
	}
	if (srv->ntimers == 0)
		return links;
	due = srv->timers[0]->local->timer_at - srv->now_ms;
	return links >= 0 && links < due ? links : (int)due;
}

/* Does ip match one of the IP masks in list (flood_exempt, limit_exempt)? */
static bool
ip_in(const struct config_strv *list, const char *ip)
{
	for (size_t i = 0; i < list->n; i++)
		if (casemap_match(list->v[i], ip))
			return true;
	return false;
}

struct client *
server_add_client(struct server *srv, int fd, const char *ip, const char **why)
{
	bool trusted = ip_in(&srv->cfg.flood_exempt, ip);
	bool counted = !trusted && !ip_in(&srv->cfg.limit_exempt, ip);
	struct client *cli;
	char host[IRC_HOSTLEN + 1];

	/*
	 * An address starting with ':' (IPv6 "::1") would read as a trailing
	 * parameter in replies such as 311 and 352: show it as "0::1".
	 */
	snprintf(host, sizeof(host), "%s%s", ip[0] == ':' ? "0" : "", ip);
	ip = host;
	*why = "Out of memory";
	if (srv->nclients >= srv->cfg.max_clients) {
		*why = "Server is full";
		return NULL;
	}
	if (counted && (*why = limits_admit(srv->limits, ip, srv->cfg.max_per_ip,
	    srv->cfg.connect_rate, srv->now_ms)) != NULL)
		return NULL;
	if ((cli = client_new(srv, fd, ip)) == NULL || timer_add(srv, cli) == -1) {
		if (cli != NULL) {
			srv->clients = cli->next;
			if (cli->next)
				cli->next->prev = NULL;
			srv->nclients--;
			client_free(cli);
		}
		if (counted)
			limits_release(srv->limits, ip, srv->now_ms);
		*why = "Out of memory";
		return NULL;
	}
	cli->local->flood_exempt = trusted;
	cli->local->ip_counted = counted;
	return cli;
}

void
server_on_line_too_long(struct server *srv, struct client *cli)
{
	if (cli->local->link != NULL)
		link_close(srv, cli, "Line too long");
	else if (!client_is_closing(cli))
		reply_numeric(srv, cli, ERR_INPUTTOOLONG);
}

/*
 * ISUPPORT UTF8ONLY (ircv3.net utf8-only): a line that is not UTF-8 is
 * refused whole with the standard reply, before any handler sees it, so
 * nothing in it is ever relayed. The command is named when it is a word.
 * With utf8only = no such lines are served and relayed as bytes (the
 * WebSocket text framing repairs them, ws.h); channel names and metadata
 * values stay UTF-8 either way.
 */
static void
refuse_non_utf8(struct server *srv, struct client *cli, const struct msg *msg)
{
	const char *cmd = msg->command;

	if (strspn(cmd, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != strlen(cmd))
		cmd = "*";
	reply_send(cli, ":%s FAIL %s INVALID_UTF8 :Message rejected, your IRC "
	    "software MUST use UTF-8 encoding on this network", srv->cfg.server_name, cmd);
}

/*
 * Cost model: a command that answers with a lot (WHO, NAMES, LIST over
 * large state) costs one more line of flood allowance per
 * SERVER_COST_BYTES of its own output, up to a whole burst, as ngIRCd and
 * hybrid charge penalties for big queries. One client cannot run many of
 * them in a row; small answers cost nothing extra.
 */
static void
charge_output(struct server *srv, struct client *cli, size_t before)
{
	size_t now = buf_len(&cli->local->sendq), lines;

	if (cli->local->flood_exempt || now <= before)
		return;
	lines = (now - before) / SERVER_COST_BYTES;
	if (lines > srv->cfg.flood_burst)
		lines = srv->cfg.flood_burst;
	cli->local->flood_at_ms += (int64_t)lines * flood_interval_ms(srv);
}

void
server_on_line(struct server *srv, struct client *cli, char *line, size_t len)
{
	struct msg msg;
	struct label label;
	size_t body = len, lead = strspn(line, " ");
	enum client_state before = cli->state;
	bool utf8;
	size_t queued;

	if (client_is_closing(cli))
		return;
	cli->local->last_active_ms = srv->now_ms;
	cli->local->ping_sent_ms = 0;
	if (cli->local->link != NULL) {
		link_on_line(srv, cli, line, len);
		return;
	}
	/* IRCv3 message-tags: tags and the rest have separate limits. */
	if (line[lead] == '@') {
		const char *sp = memchr(line + lead, ' ', len - lead);
		size_t tags = sp ? (size_t)(sp - line) + 1 : len;

		if (tags > IRC_CLIENT_TAGS_MAX) {
			server_on_line_too_long(srv, cli);
			return;
		}
		body = len - tags;
	}
	if (body > IRC_LINE_MAX - 2) {
		server_on_line_too_long(srv, cli);
		return;
	}
	/* UTF8ONLY: checked before msg_parse() cuts the line up in place. */
	utf8 = !srv->cfg.utf8only || msg_is_utf8(line, len);
	if (msg_parse(line, len, &msg) == -1)
		return;
	queued = buf_len(&cli->local->sendq);
	label_begin(&label, cli, &msg);
	if (utf8)
		command_dispatch(srv, cli, &msg);
	else
		refuse_non_utf8(srv, cli, &msg);
	label_end(&label, srv, cli);
	charge_output(srv, cli, queued);
	/*
	 * Registering can bring the deadline forward (ping_freq_s may be
	 * shorter than reg_timeout_s); the lazy heap only handles later ones.
	 */
	if (before == CLIENT_UNREGISTERED && cli->state == CLIENT_REGISTERED)
		timer_rekey(srv, cli);
}

/*
 * Flood control, after RFC 1459 8.10: each line advances the client's
 * message timer by 1/flood_rate s; while the timer runs more than
 * flood_burst lines ahead of now, lines wait in the receive queue and the
 * client is resumed from the timer heap. Nothing is dropped.
 */
static bool
flood_allows(struct server *srv, struct client *cli)
{
	if (cli->local->flood_exempt)
		return true;
	if (cli->local->flood_at_ms < srv->now_ms)
		cli->local->flood_at_ms = srv->now_ms;
	return cli->local->flood_at_ms - srv->now_ms < flood_window_ms(srv);
}

/*
 * Lines held back in the receive queue (bounded by the RecvQ size): each
 * "\n" or "\r" ends one, except the "\n" of a "\r\n". Nothing is taken
 * from the queue while the client is throttled, so only the bytes that
 * arrived since the last call are scanned.
 */
static size_t
held_lines(struct client *cli)
{
	const char *p = buf_data(&cli->local->recvq);
	size_t len = buf_len(&cli->local->recvq), i = cli->local->held_scanned;

	if (i > len)
		i = cli->local->held_lines = 0;
	for (; i < len; i++)
		if (p[i] == '\r' || (p[i] == '\n' && (i == 0 || p[i - 1] != '\r')))
			cli->local->held_lines++;
	cli->local->held_scanned = len;
	return cli->local->held_lines;
}

/*
 * Drop line ends at the front, so they do not count as waiting input.
 * Not while an over-long line is being discarded: its end is what stops
 * the discarding.
 */
static void
skip_line_ends(struct client *cli)
{
	size_t n = 0, len = buf_len(&cli->local->recvq);
	const char *p = buf_data(&cli->local->recvq);

	if (cli->local->recvq.discard)
		return;
	while (n < len && (p[n] == '\r' || p[n] == '\n'))
		n++;
	if (n > 0)
		buf_consume(&cli->local->recvq, n);
}

static void
throttle(struct server *srv, struct client *cli)
{
	if (!cli->local->throttled)
		cli->local->held_scanned = cli->local->held_lines = 0;
	if (held_lines(cli) > srv->cfg.flood_max) {
		client_close(cli, "Excess Flood");
		return;
	}
	if (!cli->local->throttled) {
		cli->local->throttled = true;
		timer_rekey(srv, cli);
	}
}

/* Does the receive queue hold a line end (a line, or an over-long line's end)? */
static bool
has_line_end(const struct client *cli)
{
	const char *p = buf_data(&cli->local->recvq);
	size_t len = buf_len(&cli->local->recvq);

	/* An empty queue has no storage (NULL), which memchr() must not get. */
	return len > 0 && (memchr(p, '\n', len) != NULL || memchr(p, '\r', len) != NULL);
}

void
server_on_input(struct server *srv, struct client *cli)
{
	char *line;
	size_t len;
	enum buf_line r;
	bool served = false;

	cli->local->last_active_ms = srv->now_ms;
	cli->local->ping_sent_ms = 0;
	if (cli->local->throttled) {
		throttle(srv, cli);
		return;
	}
	/* Its turn comes from the input-pending list, its lines stay in order. */
	if (cli->local->input_pending)
		return;
	/* While a password check runs, later lines wait, in order, behind it. */
	while (!client_is_closing(cli) && !cli->local->hash_wait) {
		skip_line_ends(cli);
		if (buf_len(&cli->local->recvq) > 0 && !flood_allows(srv, cli)) {
			throttle(srv, cli);
			return;
		}
		if (inputq_round_spent(srv)) {
			if (has_line_end(cli))
				inputq_defer(srv, cli, served);
			return;
		}
		r = buf_take_line(&cli->local->recvq, IRC_RECV_LINE_MAX, &line, &len);
		if (r == BUF_LINE_NONE)
			return;
		srv->round_lines++;
		served = true;
		if (!cli->local->flood_exempt)
			cli->local->flood_at_ms += flood_interval_ms(srv);
		if (r == BUF_LINE_OK)
			server_on_line(srv, cli, line, len);
		else
			server_on_line_too_long(srv, cli);
	}
}

void
server_on_drained(struct server *srv, struct client *cli)
{
	if (cli->local->extra && cli->local->extra->on_drained && !client_is_closing(cli))
		cli->local->extra->on_drained(srv, cli);
}

struct client *
server_pop_pending(struct server *srv)
{
	struct client *cli = srv->pending;

	if (cli == NULL)
		return NULL;
	srv->pending = cli->local->pending_next;
	if (srv->pending)
		srv->pending->local->pending_prev = NULL;
	cli->local->pending_next = NULL;
	cli->local->write_pending = false;
	return cli;
}

/* Take cli's connection off the server's lists: output, input, timers. */
static void
unlink_local(struct server *srv, struct client *cli)
{
	struct local *l = cli->local;

	if (l == NULL)
		return;
	if (l->write_pending) {
		if (l->pending_prev)
			l->pending_prev->local->pending_next = l->pending_next;
		else
			srv->pending = l->pending_next;
		if (l->pending_next)
			l->pending_next->local->pending_prev = l->pending_prev;
		l->pending_next = l->pending_prev = NULL;
		l->write_pending = false;
	}
	timer_del(srv, cli);
	inputq_unlink(srv, cli);
	cap_unlink(srv, cli);
	if (l->ip_counted)
		limits_release(srv->limits, client_addr(cli), srv->now_ms);
}

struct client *
server_reap_next(struct server *srv)
{
	struct client *cli = srv->dead;
	char owner[READMARKER_OWNER_SIZE];

	if (cli == NULL)
		return NULL;
	srv->dead = cli->dead_next;
	cli->dead_next = NULL;
	if (cli->local != NULL && cli->local->link != NULL)
		link_lost(srv, cli);
	user_quit(srv, cli);
	while (cli->channels)
		channel_part(srv, cli->channels);
	monitor_clear(srv->monitor, cli);
	hashq_drop(srv->hashq, cli);
	if (cli->nick[0] && client_find_nick(srv, cli->nick) == cli)
		hmap_del(srv->nicks, cli->nick);
	client_set_account(cli, "");
	readmarker_conn_owner(cli->id, owner);
	readmarker_forget(srv->conn_markers, owner);
	unlink_local(srv, cli);
	if (cli->prev)
		cli->prev->next = cli->next;
	else
		srv->clients = cli->next;
	if (cli->next)
		cli->next->prev = cli->prev;
	cli->prev = cli->next = NULL;
	srv->nclients--;
	return cli;
}

int
server_set_config_path(struct server *srv, const char *path,
    config_load_fn *load)
{
	srv->config_load = load;
	return config_set_string(&srv->config_path, path);
}

int
server_rehash(struct server *srv, char *err, size_t errlen)
{
	struct config cfg, old;

	if (srv->config_path == NULL) {
		snprintf(err, errlen, "no configuration file was given (-c FILE)");
		return -1;
	}
	if (config_defaults(&cfg) == -1 ||
	    config_set_string(&cfg.password, srv->cfg.password) == -1) {
		config_free(&cfg);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	cfg.port = srv->cfg.port;
	if (srv->config_load(&cfg, srv->config_path, err, errlen) == -1) {
		config_free(&cfg);
		return -1;
	}
	old = srv->cfg;
	srv->cfg = cfg;
	free_isupport(srv);
	if (build_isupport(srv) == -1) {
		free_isupport(srv);
		config_free(&srv->cfg);
		srv->cfg = old;
		build_isupport(srv);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	config_free(&old);
	srv->log.level = (enum log_level)srv->cfg.log_level;
	history_set_limits(srv->history, &(struct history_limits){ srv->cfg.history_lines,
	    (int64_t)srv->cfg.history_age_s * 1000, srv->cfg.history_size },
	    srv->now_wall_ms);
	/* IRCv3 cap-notify: sasl comes and goes with configured accounts. */
	cap_sasl_update(srv);
	/* Timeouts may be shorter now: re-key every timer. */
	for (struct client *cli = srv->clients; cli; cli = cli->next) {
		if (cli->local == NULL)
			continue;
		if (cli->local->link == NULL) {
			cli->local->flood_exempt = ip_in(&srv->cfg.flood_exempt, client_ip(cli));
			cli->local->sendq.limit = client_is_closing(cli) ? 0 : srv->cfg.sendq;
			cli->local->recvq.limit = srv->cfg.recvq;
		}
		timer_rekey(srv, cli);
	}
	link_rehash(srv);
	return 0;
}

void
server_shutdown(struct server *srv, const char *reason)
{
	for (struct client *cli = srv->clients; cli; cli = cli->next)
		client_close(cli, reason);
}
