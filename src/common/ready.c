/* Readiness filtering (cs_ready.h). */
#include <poll.h>
#include <sys/epoll.h>

#include "cs_deadline.h"
#include "cs_ready.h"

uint32_t cs_ready_hidden(const struct cs_ready_hold *r, uint64_t now,
			 uint64_t *wake)
{
	uint32_t hidden = 0;
	uint64_t next = 0;
	if (r->in_until > now) {
		hidden |= CS_HIDE_IN;
		next = r->in_until;
	} else if (r->q && r->q->count && r->q->released <= r->q->read) {
		uint64_t due = cs_delayq_next_due(r->q);
		if (due > now) {
			hidden |= CS_HIDE_IN;
			next = due;
		}
	}
	if ((r->aside_due && r->aside_due <= now) || r->show_in)
		hidden |= CS_SHOW_IN;
	if (r->out_until > now) {
		hidden |= r->out_all ? CS_HIDE_ALL : CS_HIDE_OUT;
		next = cs_deadline_min(next, r->out_until);
	}
	if (wake && next && next != CS_NEVER)
		*wake = cs_deadline_min(*wake, next);
	return hidden;
}

uint32_t cs_ready_epoll_events(uint32_t events, uint32_t hidden)
{
	if (hidden & CS_HIDE_ALL)
		return CS_READY_ABSENT;
	if (hidden & CS_HIDE_IN)
		events &= ~(uint32_t)(EPOLLIN | EPOLLRDNORM | EPOLLRDHUP);
	if (hidden & CS_HIDE_OUT)
		events &= ~(uint32_t)(EPOLLOUT | EPOLLWRNORM);
	return events;
}

short cs_ready_poll_events(short events, uint32_t hidden, bool *skip)
{
	*skip = hidden & CS_HIDE_ALL;
	if (hidden & CS_HIDE_IN)
		events &= (short)~(POLLIN | POLLRDNORM | POLLRDHUP);
	if (hidden & CS_HIDE_OUT)
		events &= (short)~(POLLOUT | POLLWRNORM);
	return events;
}
