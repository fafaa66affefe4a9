/* When a rule may inject, beyond what a call looks like: at which match
 * numbers (`at`), in which program (`process`), and in which time window
 * (`start_after_ms`, `duration_ms`, `period_ms` + `active_ms`). Pure
 * functions, async-signal-safe: the shim calls them on its decision path. */
#ifndef CS_SCHEDULE_H
#define CS_SCHEDULE_H

#include <stdbool.h>
#include <stdint.h>

#include "cs_decide.h"
#include "cs_table.h"

/* Whether the 1-based match number is one of the rule's `at` (true for a
 * rule without `at`). Inline: the shim asks for every match. */
static inline bool cs_at_includes(const struct cs_rule *rule, uint64_t match)
{
	if (!rule->at[0])
		return true;
	for (int i = 0; i < CS_AT_MAX && rule->at[i]; i++)
		if (rule->at[i] == match)
			return true;
	return false;
}

/* Whether the rule injects at its n-th match (counting from 0), before
 * its `count` budget: past `after`, one of `at`, and chosen by the seed.
 * The shim decides with it, and `bisect` works out what a seed did. */
static inline bool cs_rule_selects(const struct cs_rule *rule, uint64_t seed,
				   uint64_t rule_key, uint64_t n)
{
	return n >= rule->after && cs_at_includes(rule, n + 1) &&
	       cs_decide(seed, rule_key, n, rule->probability);
}

/* Whether a glob (`*`, `?`, classes `[a-z]` and `[!...]`) matches text;
 * `*` also spans '/'. */
bool cs_glob_matches(const char *pattern, const char *text);

/* Whether the rule's `process` patterns take this program (true without
 * patterns). A pattern with a '/' is matched against the paths, one
 * without against their last components. execfn is the path the program
 * was started as (AT_EXECFN: a script's own path), exe the executable it
 * resolved to (/proc/self/exe); either may be NULL. */
bool cs_process_matches(const struct cs_rule *rule, const char *execfn,
			const char *exe);

/* Whether the rule has a time window at all. */
static inline bool cs_has_window(const struct cs_rule *rule)
{
	return rule->start_after_ms || rule->duration_ms || rule->period_ms;
}

/* Whether any scheduling key is set: such a rule's answer depends on the
 * match number, the program or the time, not on the call alone. */
static inline bool cs_has_schedule(const struct cs_rule *rule)
{
	return rule->at[0] || rule->process[0] || cs_has_window(rule);
}

/* Whether now (CLOCK_MONOTONIC, ns) is inside the rule's window; when
 * next_change is not NULL, it gets the ns until the answer changes (0:
 * never). */
bool cs_window_open(const struct cs_rule *rule, int64_t now_ns,
		    uint64_t *next_change);

/* CLOCK_MONOTONIC in ns, read by a system call: the writers, status and
 * the shim agree on it whatever clock rules are loaded. */
int64_t cs_window_now_ns(void);

/* Anchors the windows of next at a publish: a rule that is new, was
 * disabled, or every rule when restart (a load) starts now; the others
 * keep their anchor from prev. */
void cs_window_rebase(const struct cs_table *prev, struct cs_table *next,
		      bool restart, int64_t now_ns);

#endif
