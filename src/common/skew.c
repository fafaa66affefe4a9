/* Clock-skew arithmetic shared by the writers (re-anchoring at publish) and
 * the shim (reading a skewed clock). Pure functions, async-signal-safe. */
#include <string.h>

#include "cs_skew.h"

struct cs_skew cs_skew_of(const struct cs_rule *rule)
{
	struct cs_skew skew = {.offset_ns = rule->offset_ns,
			       .drift_ns = rule->drift_ns,
			       .anchor_ns = rule->anchor_ns,
			       .rate = rule->rate};
	return skew;
}

/* What the rate has added since the anchor; -1 when it does not fit. */
static int rate_extra(const struct cs_skew *rule, int64_t now_ns,
		      int64_t *extra_ns)
{
	if (rule->rate == 1.0) {
		*extra_ns = 0;
		return 0;
	}
	double extra = ((double)now_ns - (double)rule->anchor_ns) *
		       (rule->rate - 1.0);
	if (!(extra > -9.0e18 && extra < 9.0e18))
		return -1;
	*extra_ns = (int64_t)extra;
	return 0;
}

int cs_skew_time(const struct cs_skew *rule, int64_t now_ns, int64_t *out_ns)
{
	int64_t extra, shift, skewed;
	if (rate_extra(rule, now_ns, &extra) < 0 ||
	    __builtin_add_overflow(rule->offset_ns, rule->drift_ns, &shift) ||
	    __builtin_add_overflow(shift, extra, &shift) ||
	    __builtin_add_overflow(now_ns, shift, &skewed) || skewed < 0)
		return -1;
	*out_ns = skewed;
	return 0;
}

static const struct cs_rule *running_rule(const struct cs_table *prev,
					  const char *name)
{
	if (!prev)
		return NULL;
	for (uint32_t i = 0; i < prev->nrules && i < CS_MAX_RULES; i++) {
		const struct cs_rule *r = &prev->rules[i];
		if (r->fault == CS_FAULT_CLOCK_SKEW && r->enabled &&
		    strncmp(r->name, name, CS_NAME_MAX) == 0)
			return r;
	}
	return NULL;
}

void cs_skew_rebase(const struct cs_table *prev, struct cs_table *next,
		    int64_t now_ns)
{
	for (uint32_t i = 0; i < next->nrules && i < CS_MAX_RULES; i++) {
		struct cs_rule *r = &next->rules[i];
		if (r->fault != CS_FAULT_CLOCK_SKEW)
			continue;
		const struct cs_rule *old = running_rule(prev, r->name);
		int64_t drift = 0, extra;
		struct cs_skew was = old ? cs_skew_of(old) : (struct cs_skew){0};
		if (old && (rate_extra(&was, now_ns, &extra) < 0 ||
			    __builtin_add_overflow(old->drift_ns, extra, &drift)))
			drift = old->drift_ns; /* saturated: keep what it was */
		r->drift_ns = drift;
		r->anchor_ns = now_ns;
	}
}
