/* Clock-skew arithmetic: what a skewed clock reads, and how a rule keeps
 * its clock continuous when it is republished (a rate change never makes
 * time jump; an offset change is a deliberate step, as NTP would make). */
#ifndef CS_SKEW_H
#define CS_SKEW_H

#include <stdint.h>

#include "cs_table.h"

/* The parameters of one skewed clock, as a rule holds them. */
struct cs_skew {
	int64_t offset_ns;
	int64_t drift_ns;
	int64_t anchor_ns;
	double rate;
};

struct cs_skew cs_skew_of(const struct cs_rule *rule);

/* skewed = now + offset + drift + (now - anchor) * (rate - 1), in ns.
 * Returns 0, or -1 when the result would overflow or be negative: the
 * caller then keeps the true time. */
int cs_skew_time(const struct cs_skew *skew, int64_t now_ns, int64_t *out_ns);

/* Before publishing next in place of prev: a clock_skew rule that was
 * already running (same name, enabled in prev) carries its drift and is
 * re-anchored at now_ns; a new or newly enabled one starts at now_ns with
 * no drift. prev may be NULL (first load). */
void cs_skew_rebase(const struct cs_table *prev, struct cs_table *next,
		    int64_t now_ns);

#endif
