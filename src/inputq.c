/*
 * The input-pending list and the work budget of a round (inputq.h).
 */
#include "inputq.h"

#include <stdbool.h>
#include <stddef.h>

#include "client.h"
#include "server.h"

void
inputq_defer(struct server *srv, struct client *cli, bool served)
{
	if (served)
		srv->input_cut = cli;
	if (cli->local->input_pending)
		return;
	cli->local->input_pending = true;
	cli->local->input_next = NULL;
	cli->local->input_prev = srv->input_tail;
	if (srv->input_tail)
		srv->input_tail->local->input_next = cli;
	else
		srv->input_head = cli;
	srv->input_tail = cli;
}

void
inputq_unlink(struct server *srv, struct client *cli)
{
	if (srv->input_cut == cli)
		srv->input_cut = NULL;
	if (!cli->local->input_pending)
		return;
	if (cli->local->input_prev)
		cli->local->input_prev->local->input_next = cli->local->input_next;
	else
		srv->input_head = cli->local->input_next;
	if (cli->local->input_next)
		cli->local->input_next->local->input_prev = cli->local->input_prev;
	else
		srv->input_tail = cli->local->input_prev;
	cli->local->input_prev = cli->local->input_next = NULL;
	cli->local->input_pending = false;
}

bool
inputq_round_spent(struct server *srv)
{
	int64_t now, cpu;

	if (srv->clock_ns == NULL || srv->round_lines == 0 ||
	    (now = srv->clock_ns()) - srv->round_start_ns < SERVER_ROUND_BUDGET_NS)
		return false;
	if (srv->cpu_clock_ns == NULL)
		return true;
	if ((cpu = srv->cpu_clock_ns() - srv->round_cpu_ns) >= SERVER_ROUND_BUDGET_NS)
		return true;
	/* The rest of the budget, on the monotonic clock again. */
	srv->round_start_ns = now - cpu;
	return false;
}

void
inputq_begin_round(struct server *srv)
{
	struct client *cli;

	srv->round_lines = 0;
	srv->round_start_ns = srv->clock_ns != NULL ? srv->clock_ns() : 0;
	srv->round_cpu_ns = srv->cpu_clock_ns != NULL ? srv->cpu_clock_ns() : 0;
	if ((cli = srv->input_cut) != NULL) {
		inputq_unlink(srv, cli);
		inputq_defer(srv, cli, false);
	}
	/*
	 * Each client waiting now is taken at most once: one cut off again
	 * goes back to the tail, behind those this round did not reach.
	 */
	for (struct client *last = srv->input_tail; (cli = srv->input_head) != NULL;) {
		if (inputq_round_spent(srv))
			break;
		inputq_unlink(srv, cli);
		if (!client_is_closing(cli)) {
			server_on_input(srv, cli);
			/* Read to the end, an idle client keeps no input storage. */
			buf_shrink(&cli->local->recvq);
		}
		if (cli == last)
			break;
	}
}

bool
inputq_pending(const struct server *srv)
{
	return srv->input_head != NULL;
}
