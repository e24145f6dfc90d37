/*
 * HELP and HELPOP: the help text of every command, one row per command
 * in a table sorted by name, and the index built from the command table.
 */
#include "cmd.h"

#include <stdlib.h>
#include <string.h>

#include "casemap.h"
#include "mode.h"
#include "msg.h"
#include "numeric.h"
#include "reply.h"
#include "server.h"

struct help {
	const char *name;
	const char *usage;
	const char *text;
};

/* One row per command, sorted by name. */
static const struct help helps[] = {
	{ "ADMIN", "ADMIN [<server>]",
	  "Show who runs the server and how to reach them." },
	{ "AUTHENTICATE", "AUTHENTICATE PLAIN | SCRAM-SHA-256 | <base64> | *",
	  "Log in to an account with SASL PLAIN or SCRAM-SHA-256 (after CAP REQ :sasl)." },
	{ "AWAY", "AWAY [:<message>]",
	  "Mark yourself away with a message; without one, mark yourself back." },
	{ "BATCH", "BATCH +<ref> draft/multiline <target> | BATCH -<ref>",
	  "Send the PRIVMSG or NOTICE lines tagged batch=<ref> as one message (draft/multiline)." },
	{ "CAP", "CAP LS [302] | LIST | REQ :<caps> | END",
	  "Negotiate IRCv3 capabilities, before or after registering." },
	{ "CHATHISTORY", "CHATHISTORY LATEST|BEFORE|AFTER|AROUND|BETWEEN <target> <ref> [<ref>] <limit> | TARGETS <ref> <ref> <limit>",
	  "Fetch kept messages of a channel you are on or a conversation (draft/chathistory)." },
	{ "CONNECT", "CONNECT <server>",
	  "Link to a server that has a link block with a port (IRC operators only)." },
	{ "DIE", "DIE",
	  "Shut the server down (IRC operators only)." },
	{ "HELP", "HELP [<command>]",
	  "Show help on a command, or the list of commands." },
	{ "HELPOP", "HELPOP [<command>]",
	  "The same as HELP." },
	{ "INFO", "INFO [<server>]",
	  "Show what this server is and since when it runs." },
	{ "INVITE", "INVITE [<nick> <channel>]",
	  "Invite a user to a channel (as an operator if it is +i); alone, list your invitations." },
	{ "ISON", "ISON <nick> [<nick> ...]",
	  "Show which of the given nicks are online." },
	{ "JOIN", "JOIN <channel>{,<channel>} [<key>{,<key>}] | JOIN 0",
	  "Join channels, creating them if needed; JOIN 0 leaves all of them." },
	{ "KICK", "KICK <channel> <nick>{,<nick>} [:<reason>]",
	  "Remove users from a channel (channel operators only)." },
	{ "KILL", "KILL <nick> :<reason>",
	  "Disconnect a user (IRC operators only)." },
	{ "KNOCK", "KNOCK <channel>",
	  "Ask the operators of a +i, +k or full channel for an invitation." },
	{ "LINKS", "LINKS [[<server>] <mask>]",
	  "List the servers of the network: name, uplink, hops, description." },
	{ "LIST", "LIST [<channel>{,<channel>}] [<elist conditions>]",
	  "List channels with their user counts and topics." },
	{ "LUSERS", "LUSERS",
	  "Show how many users, operators and channels there are." },
	{ "MAP", "MAP",
	  "Show the servers of the network as a tree." },
	{ "MARKREAD", "MARKREAD <target> [timestamp=YYYY-MM-DDThh:mm:ss.sssZ]",
	  "Show, or move forward, up to when you have read a channel or query." },
	{ "METADATA", "METADATA <*|nick|channel> GET|LIST|SET|CLEAR|SUB|UNSUB|SUBS|SYNC [...]",
	  "Read and set key/value metadata on users and channels (draft/metadata-3)." },
	{ "MODE", "MODE <nick|channel> [<modes> [<params>]]",
	  "Show or change user modes (" MODE_USER_LETTERS ") or channel modes ("
	  MODE_CHANNEL_LETTERS ")." },
	{ "MONITOR", "MONITOR +|- <nick>{,<nick>} | C | L | S",
	  "Watch nicks and hear when they come online or leave." },
	{ "MOTD", "MOTD [<server>]",
	  "Show the message of the day." },
	{ "NAMES", "NAMES [<channel>{,<channel>}]",
	  "List the visible members of channels." },
	{ "NICK", "NICK <nick>",
	  "Set or change your nickname." },
	{ "NOTICE", "NOTICE <target>{,<target>} :<text>",
	  "Like PRIVMSG, but never answered automatically." },
	{ "OPER", "OPER <name> <password>",
	  "Become an IRC operator." },
	{ "PART", "PART <channel>{,<channel>} [:<reason>]",
	  "Leave channels." },
	{ "PASS", "PASS <password>",
	  "Give the connection password, before NICK and USER." },
	{ "PING", "PING <token>",
	  "Check the connection; the server answers PONG <token>." },
	{ "PONG", "PONG <token>",
	  "Answer a PING from the server." },
	{ "PRIVMSG", "PRIVMSG <target>{,<target>} :<text>",
	  "Send a message to users or channels (@#chan: its operators)." },
	{ "QUIT", "QUIT [:<reason>]",
	  "Disconnect, telling your channels why." },
	{ "REDACT", "REDACT <target> <msgid> [:<reason>]",
	  "Delete a message: your own; in a channel, operators may delete any." },
	{ "REHASH", "REHASH",
	  "Reload the configuration file (IRC operators only)." },
	{ "RENAME", "RENAME <channel> <new name> [:<reason>]",
	  "Rename a channel, keeping its members and modes (channel operators)." },
	{ "SETNAME", "SETNAME :<realname>",
	  "Change your real name (IRCv3 setname)." },
	{ "SQUIT", "SQUIT <server> [:<reason>]",
	  "Split a server, and everything behind it, from the network (IRC operators only)." },
	{ "STATS", "STATS <letter> [<server>]",
	  "Server statistics: m for command counts, u for uptime, r for the event loop's round times (IRC operators)." },
	{ "SUMMON", "SUMMON <user>",
	  "Disabled: there are no local logins to summon." },
	{ "TAGMSG", "TAGMSG <target>{,<target>}",
	  "Send only IRCv3 tags (typing notices, reactions) to users or channels." },
	{ "TIME", "TIME [<server>]",
	  "Show the server's time." },
	{ "TOPIC", "TOPIC <channel> [:<topic>]",
	  "Show or change a channel's topic; an empty topic clears it." },
	{ "UPGRADE", "UPGRADE",
	  "Replace the running binary in place, keeping every connection (IRC operators only)." },
	{ "USER", "USER <username> <mode> * :<realname>",
	  "Give your username and real name when registering." },
	{ "USERHOST", "USERHOST <nick> [<nick> ...]",
	  "Show user@host, operator and away status of up to five nicks." },
	{ "USERS", "USERS [<server>]",
	  "Disabled: there are no local logins to list." },
	{ "VERSION", "VERSION [<server>]",
	  "Show the server version and supported features." },
	{ "WALLOPS", "WALLOPS :<text>",
	  "Send a message to every user with mode +w (IRC operators only)." },
	{ "WHO", "WHO <mask|channel> [o][%<fields>[,<token>]]",
	  "List users matching a mask or on a channel; o: operators only." },
	{ "WHOIS", "WHOIS [<server>] <nick>{,<nick>}",
	  "Show who a user is, their channels and idle time." },
	{ "WHOWAS", "WHOWAS <nick> [<count>]",
	  "Show who recently used a nick." },
};

static int
compare_help(const void *key, const void *elem)
{
	return strcmp(key, ((const struct help *)elem)->name);
}

/* The help for a command of the table, or NULL. */
static const struct help *
help_find(const char *topic)
{
	char name[32];
	size_t i;

	for (i = 0; topic[i] && i < sizeof(name) - 1; i++)
		name[i] = (topic[i] >= 'a' && topic[i] <= 'z') ?
		    (char)(topic[i] - 'a' + 'A') : topic[i];
	name[i] = '\0';
	if (topic[i] != '\0' || command_find(name) == NULL)
		return NULL;
	return bsearch(name, helps, sizeof(helps) / sizeof(helps[0]),
	    sizeof(helps[0]), compare_help);
}

static void
help_index(struct server *srv, struct client *cli)
{
	size_t n;
	const struct command *table = command_table(&n);
	struct reply_words w;
	size_t room = reply_numeric_room(srv, cli, sizeof("index :"));

	reply_numeric(srv, cli, RPL_HELPSTART, "index",
	    "Commands (HELP <command> for details):");
	reply_words_init(&w, room);
	for (size_t i = 0; i < n; i++) {
		if (!reply_words_add(&w, table[i].name)) {
			reply_numeric(srv, cli, RPL_HELPTXT, "index", w.text);
			reply_words_init(&w, room);
			reply_words_add(&w, table[i].name);
		}
	}
	if (w.nwords > 0)
		reply_numeric(srv, cli, RPL_HELPTXT, "index", w.text);
	reply_numeric(srv, cli, RPL_ENDOFHELP, "index", "End of /HELP");
}

void
cmd_help(struct server *srv, struct client *cli, const struct msg *msg)
{
	const char *topic = msg->nparams > 0 ? msg->params[0] : "";
	const struct help *h;

	/* Modern ircdocs HELP: 704 first line, 705 body, 706 last line. */
	if (topic[0] == '\0' || casemap_cmp(topic, "index") == 0) {
		help_index(srv, cli);
		return;
	}
	if ((h = help_find(topic)) == NULL) {
		reply_numeric(srv, cli, ERR_HELPNOTFOUND, topic);
		return;
	}
	reply_numeric(srv, cli, RPL_HELPSTART, h->name, h->usage);
	reply_numeric(srv, cli, RPL_HELPTXT, h->name, h->text);
	reply_numeric(srv, cli, RPL_ENDOFHELP, h->name, "End of /HELP");
}
