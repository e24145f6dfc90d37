/*
 * The server registry (network.h): a tree of servers rooted at this one,
 * indexed by name and by SID. Removal takes a whole subtree, the farthest
 * servers first, without recursion: depth is bounded only by the count.
 */
#include "network.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_block.h"
#include "hmap.h"

static void
copy_text(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

struct network *
network_new(const char *name, const char *sid, const char *desc)
{
	struct network *net = calloc(1, sizeof(*net));

	if (net == NULL)
		return NULL;
	net->by_name = hmap_new();
	net->by_sid = hmap_new();
	net->peers = hmap_new();
	net->users = hmap_new();
	net->addrs = hmap_new();
	copy_text(net->me.name, sizeof(net->me.name), name);
	copy_text(net->me.desc, sizeof(net->me.desc), desc);
	net->me.eob = true;
	net->count = 1;
	if (net->by_name == NULL || net->by_sid == NULL || net->peers == NULL ||
	    net->users == NULL || net->addrs == NULL ||
	    hmap_put(net->by_name, net->me.name, &net->me) == -1 ||
	    (sid != NULL && network_set_sid(net, sid) == -1)) {
		network_free(net);
		return NULL;
	}
	return net;
}

/* Free a map whose values are plain allocations, and the values. */
static void
free_values(struct hmap *m)
{
	size_t it = 0;
	void *p;

	if (m == NULL)
		return;
	while ((p = hmap_next(m, &it, NULL)) != NULL)
		free(p);
	hmap_free(m);
}

void
network_free(struct network *net)
{
	if (net == NULL)
		return;
	while (net->me.child != NULL)
		network_remove(net, net->me.child, NULL, NULL);
	hmap_free(net->by_name);
	hmap_free(net->by_sid);
	hmap_free(net->users);
	free_values(net->peers);
	free_values(net->addrs);
	free(net);
}

int
network_set_sid(struct network *net, const char *sid)
{
	if (net->me.sid[0] != '\0')
		hmap_del(net->by_sid, net->me.sid);
	copy_text(net->me.sid, sizeof(net->me.sid), sid);
	return hmap_put(net->by_sid, net->me.sid, &net->me);
}

bool
network_is_sid(const char *s)
{
	return config_sid_is_valid(s);
}

struct netserver *
network_find(const struct network *net, const char *name_or_sid)
{
	if (strlen(name_or_sid) == NETWORK_SID_LEN && strchr(name_or_sid, '.') == NULL)
		return hmap_get(net->by_sid, name_or_sid);
	return hmap_get(net->by_name, name_or_sid);
}

struct netserver *
network_add(struct network *net, struct netserver *uplink, const char *name,
    const char *sid, const char *desc, struct client *via)
{
	struct netserver *s;

	if (net->count >= NETWORK_SERVERS_MAX || (s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	copy_text(s->name, sizeof(s->name), name);
	copy_text(s->sid, sizeof(s->sid), sid);
	copy_text(s->desc, sizeof(s->desc), desc);
	s->hops = uplink->hops + 1;
	s->uplink = uplink;
	s->via = via;
	if (hmap_put(net->by_name, s->name, s) == -1) {
		free(s);
		return NULL;
	}
	if (hmap_put(net->by_sid, s->sid, s) == -1) {
		hmap_del(net->by_name, s->name);
		free(s);
		return NULL;
	}
	s->next = uplink->child;
	if (s->next != NULL)
		s->next->prev = s;
	uplink->child = s;
	net->count++;
	return s;
}

/* Unlink a server without children from the tree and the maps; free it. */
static void
drop_leaf(struct network *net, struct netserver *s)
{
	if (s->prev != NULL)
		s->prev->next = s->next;
	else
		s->uplink->child = s->next;
	if (s->next != NULL)
		s->next->prev = s->prev;
	hmap_del(net->by_name, s->name);
	hmap_del(net->by_sid, s->sid);
	net->count--;
	free(s);
}

void
network_remove(struct network *net, struct netserver *s,
    network_gone_fn *gone, void *ud)
{
	struct netserver *cur = s, *up;

	if (s == &net->me)
		return;
	/* Post-order: go down to a leaf, remove it, climb back when emptied. */
	for (;;) {
		while (cur->child != NULL)
			cur = cur->child;
		up = cur->uplink;
		if (gone != NULL)
			gone(ud, cur);
		if (cur == s) {
			drop_leaf(net, cur);
			return;
		}
		drop_leaf(net, cur);
		cur = up;
	}
}

struct netserver *
network_walk(const struct network *net, const struct netserver *s)
{
	(void)net;
	if (s->child != NULL)
		return s->child;
	while (s != NULL && s->next == NULL)
		s = s->uplink;
	return s != NULL ? s->next : NULL;
}
