/* Readiness filtering: what a socket's held-back state hides from poll,
 * select and epoll at a given moment, and how a wait's interest is
 * narrowed so the kernel does not report it. Pure functions. */
#ifndef CS_READY_H
#define CS_READY_H

#include <stdbool.h>
#include <stdint.h>

#include "cs_delayq.h"

#define CS_HIDE_IN 1u  /* not readable yet */
#define CS_HIDE_OUT 2u /* not writable yet */
#define CS_HIDE_ALL 4u /* not shown at all: a connect under way */
#define CS_SHOW_IN 8u  /* readable though the kernel may not say so: a
			* connection kept aside is due, a made-up HTTP reply
			* waits */
#define CS_READY_ABSENT 0xffffffffu /* not registered with the kernel */

/* What a socket holds back, as readiness sees it. */
struct cs_ready_hold {
	uint64_t in_until;  /* nothing readable until then */
	uint64_t out_until; /* nothing writable until then */
	bool out_all;       /* nothing at all until out_until */
	const struct cs_delayq *q; /* bytes not visible yet */
	uint64_t aside_due; /* the first connection kept aside (0: none) */
	bool show_in; /* bytes the shim hands over wait: readable now */
};

/* What r hides at now (CS_HIDE_* and CS_SHOW_IN), lowering *wake (0: none)
 * to the next moment that changes. */
uint32_t cs_ready_hidden(const struct cs_ready_hold *r, uint64_t now,
			 uint64_t *wake);
/* The events an epoll registration asking for events should have in the
 * kernel while hidden, or CS_READY_ABSENT. */
uint32_t cs_ready_epoll_events(uint32_t events, uint32_t hidden);
/* The same for a pollfd's events; *skip when the fd must not be asked at
 * all (its revents stay 0). */
short cs_ready_poll_events(short events, uint32_t hidden, bool *skip);

#endif
