/* When a rule may inject: match numbers, the program, time windows (see
 * cs_schedule.h). No allocation, no locale, no stdio. */
#include "cs_schedule.h"

#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define NS_PER_MS 1000000ull

/* Whether c is in the class at p ("[...]", "[!...]", ranges a-z); *end
 * gets the pattern past the class. False with *end = NULL when p holds no
 * whole class (the '[' is then an ordinary character). */
static bool class_takes(const char *p, char c, const char **end)
{
	bool negated = p[1] == '!' || p[1] == '^', found = false;
	const char *q = p + 1 + negated;
	*end = NULL;
	do {
		if (!*q)
			return false;
		char lo = *q, hi = lo;
		if (q[1] == '-' && q[2] && q[2] != ']') {
			hi = q[2];
			q += 2;
		}
		found |= lo <= c && c <= hi;
		q++;
	} while (*q != ']');
	*end = q + 1;
	return found != negated;
}

bool cs_glob_matches(const char *p, const char *t)
{
	const char *star = NULL, *resume = NULL, *past;
	bool taken;

	while (*t) {
		if (*p == '*') {
			star = p++;
			resume = t;
		} else if (*p == '[' && (taken = class_takes(p, *t, &past), past)) {
			if (!taken)
				goto mismatch;
			p = past;
			t++;
		} else if (*p == '?' || *p == *t) {
			p++;
			t++;
		} else {
		mismatch:
			if (!star)
				return false;
			p = star + 1;
			t = ++resume;
		}
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}

static const char *last_component(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

static bool pattern_takes(const char *pattern, const char *path)
{
	if (!path || !*path)
		return false;
	return cs_glob_matches(pattern, strchr(pattern, '/') ? path
							   : last_component(path));
}

bool cs_process_matches(const struct cs_rule *rule, const char *execfn,
			const char *exe)
{
	const char *end = rule->process + sizeof(rule->process);

	if (!rule->process[0])
		return true;
	for (const char *p = rule->process; p < end && *p; p += strlen(p) + 1)
		if (pattern_takes(p, execfn) || pattern_takes(p, exe))
			return true;
	return false;
}

bool cs_window_open(const struct cs_rule *rule, int64_t now_ns,
		    uint64_t *next_change)
{
	uint64_t t = now_ns > rule->window_anchor_ns
			     ? (uint64_t)(now_ns - rule->window_anchor_ns)
			     : 0;
	uint64_t start = rule->start_after_ms * NS_PER_MS;
	uint64_t duration = rule->duration_ms * NS_PER_MS;
	uint64_t period = rule->period_ms * NS_PER_MS;
	uint64_t active = rule->active_ms * NS_PER_MS;
	uint64_t change = 0, phase;
	bool open;

	if (t < start) {
		open = false;
		change = start - t;
	} else if (duration && t - start >= duration) {
		open = false;
	} else if (period) {
		phase = (t - start) % period;
		open = phase < active;
		change = open ? active - phase : period - phase;
		/* The window's end comes first: closed for good then. */
		if (duration && change >= start + duration - t)
			change = open ? start + duration - t : 0;
	} else {
		open = true;
		if (duration)
			change = start + duration - t;
	}
	if (next_change)
		*next_change = change;
	return open;
}

int64_t cs_window_now_ns(void)
{
	struct timespec ts = { 0 };
	syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static const struct cs_rule *enabled_before(const struct cs_table *prev,
					    const char *name)
{
	for (uint32_t i = 0; i < prev->nrules && i < CS_MAX_RULES; i++)
		if (prev->rules[i].enabled &&
		    strncmp(prev->rules[i].name, name, CS_NAME_MAX) == 0)
			return &prev->rules[i];
	return NULL;
}

void cs_window_rebase(const struct cs_table *prev, struct cs_table *next,
		      bool restart, int64_t now_ns)
{
	for (uint32_t i = 0; i < next->nrules && i < CS_MAX_RULES; i++) {
		struct cs_rule *r = &next->rules[i];
		const struct cs_rule *old =
			restart || !r->enabled ? NULL : enabled_before(prev, r->name);
		r->window_anchor_ns = old ? old->window_anchor_ns : now_ns;
	}
}
