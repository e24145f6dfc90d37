/*
 * The table of offered IRCv3 capabilities. Negotiation itself (CAP LS, REQ,
 * LIST, END) is in cmd_register.c; each capability's effect is in the
 * handler family it changes.
 */
#include "cap.h"

#include <string.h>

static const struct cap caps[] = {
	{ "away-notify",        CAP_AWAY_NOTIFY },
	{ "cap-notify",         CAP_CAP_NOTIFY },
	{ "echo-message",       CAP_ECHO_MESSAGE },
	{ "invite-notify",      CAP_INVITE_NOTIFY },
	{ "message-tags",       CAP_MESSAGE_TAGS },
	{ "multi-prefix",       CAP_MULTI_PREFIX },
	{ "server-time",        CAP_SERVER_TIME },
	{ "userhost-in-names",  CAP_USERHOST_IN_NAMES },
};

const struct cap *
cap_table(size_t *n)
{
	*n = sizeof(caps) / sizeof(caps[0]);
	return caps;
}

const struct cap *
cap_find(const char *name)
{
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
		if (strcmp(caps[i].name, name) == 0)
			return &caps[i];
	return NULL;
}
