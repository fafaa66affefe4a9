/* Interposers of the clock family: clock_gettime, gettimeofday, time and
 * timespec_get. The true clock is always read first (through the vDSO, no
 * system call); a clock_skew rule then shifts and scales the realtime
 * clocks, and the monotonic ones only when the rule asks, never backwards. */
#include <sys/time.h>

#include "shim/shim.h"

#define NS 1000000000ll

enum clock_class { UNTOUCHED = -1, REALTIME, MONOTONIC };

#define CLOCK_SET(id) (1u << (id))
static const uint32_t realtime_clocks =
	CLOCK_SET(CLOCK_REALTIME) | CLOCK_SET(CLOCK_REALTIME_COARSE) |
	CLOCK_SET(CLOCK_REALTIME_ALARM) | CLOCK_SET(CLOCK_TAI);
static const uint32_t monotonic_clocks =
	CLOCK_SET(CLOCK_MONOTONIC) | CLOCK_SET(CLOCK_MONOTONIC_RAW) |
	CLOCK_SET(CLOCK_MONOTONIC_COARSE) | CLOCK_SET(CLOCK_BOOTTIME) |
	CLOCK_SET(CLOCK_BOOTTIME_ALARM);

static inline enum clock_class class_of(clockid_t id)
{
	if ((unsigned)id >= 32)
		return UNTOUCHED; /* process and thread clocks, fds' clocks */
	if (realtime_clocks & CLOCK_SET(id))
		return REALTIME;
	return monotonic_clocks & CLOCK_SET(id) ? MONOTONIC : UNTOUCHED;
}

/* Monotonic clocks never go backwards, whichever path serves a read. A
 * skew can only take them ahead of the truth (which the program may have
 * read already): the highest value each one returned above its truth is
 * its floor, and every read returns at least that, standing still after a
 * step back until the truth catches up; the floor goes back to 0 once the
 * truth has passed it. Once a floor was raised, clock_gettime takes the
 * slow path even with the clock family idle (a rule disabled, paused, or
 * the segment gone): cs_clock_reads_hold. */
static int64_t monotonic_floor[CLOCK_TAI + 1];

static int64_t monotonic_settle(clockid_t id, int64_t truth, int64_t skewed)
{
	int64_t *floor = &monotonic_floor[id];
	int64_t out = skewed > truth ? skewed : truth;
	int64_t seen = __atomic_load_n(floor, __ATOMIC_ACQUIRE);
	for (;;) {
		if (seen >= out && seen)
			return seen;
		if (out == truth && !seen)
			return out;
		/* Raise the floor to a value above the truth, or clear it
		 * once the truth has passed it. */
		int64_t next = out == truth ? 0 : out;
		if (__atomic_compare_exchange_n(floor, &seen, next, true,
						__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			break;
	}
	if (out != truth)
		cs_clock_reads_hold();
	return out;
}

static int64_t realtime_ns(void)
{
	struct timespec ts;
	cs_real_clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * NS + ts.tv_nsec;
}

/* Whether a rule might touch this read: a monotonic read under skews of
 * the realtime clocks only is settled here, without the engine. */
static bool may_skew(clockid_t id)
{
	enum clock_class cls = class_of(id);
	return cls != UNTOUCHED &&
	       !cs_engine_skips(CS_FAM_CLOCK, NULL, cls == MONOTONIC);
}

/* Applies the matching rules to a clock value; true when it changed. */
static bool skew(clockid_t id, const char *name, int64_t *ns)
{
	enum clock_class cls = class_of(id);
	struct cs_call call = {.family = CS_FAM_CLOCK,
			       .name = name,
			       .fd = -1,
			       .monotonic = cls == MONOTONIC};
	struct cs_action action;
	if (!cs_engine_decide(&call, &action))
		return false;
	cs_apply_common(&action);
	if (!action.skewed)
		return false;
	if (cls == REALTIME) {
		cs_skewlane_logged();
		return cs_skew_time(&action.skew, *ns, ns) == 0;
	}
	/* The rate runs on real time: take the shift realtime has now. */
	int64_t truth = realtime_ns(), shifted, out;
	if (cs_skew_time(&action.skew, truth, &shifted) < 0 ||
	    __builtin_add_overflow(*ns, shifted - truth, &out) || out < 0)
		return false;
	*ns = out;
	return true;
}

static void put_ns(struct timespec *ts, int64_t ns)
{
	ts->tv_sec = ns / NS;
	ts->tv_nsec = ns % NS;
}

static void skew_timespec(clockid_t id, const char *name, struct timespec *ts)
{
	enum clock_class cls = class_of(id);
	if (cls == REALTIME && cs_skewlane_apply(ts))
		return;
	int64_t truth = (int64_t)ts->tv_sec * NS + ts->tv_nsec, ns = truth;
	bool skewed = may_skew(id) && skew(id, name, &ns);
	if (cls == MONOTONIC)
		ns = monotonic_settle(id, truth, ns);
	if (skewed || ns != truth)
		put_ns(ts, ns);
}

static CS_SLOW_PATH int clock_gettime_slow(clockid_t id, struct timespec *ts)
{
	int rc = cs_real_clock_gettime(id, ts);
	if (rc != 0)
		return rc;
	if (cs_armed(CS_FAM_CLOCK)) {
		skew_timespec(id, "clock_gettime", ts);
	} else if (class_of(id) == MONOTONIC) {
		int64_t truth = (int64_t)ts->tv_sec * NS + ts->tv_nsec;
		put_ns(ts, monotonic_settle(id, truth, truth));
	}
	return rc;
}

CS_EXPORT int clock_gettime(clockid_t id, struct timespec *ts)
{
	if (cs_likely(!cs_clock_reads_armed()))
		return cs_real_clock_gettime(id, ts);
	return clock_gettime_slow(id, ts);
}

/* glibc declares tv non-null, but old programs pass NULL and the kernel
 * accepts it: the check must stay. */
#pragma GCC diagnostic ignored "-Wnonnull-compare"
static CS_SLOW_PATH int gettimeofday_slow(struct timeval *tv, void *tz)
{
	int rc = cs_real_gettimeofday(tv, tz);
	if (rc != 0 || !tv)
		return rc;
	struct timespec ts = {.tv_sec = tv->tv_sec, .tv_nsec = tv->tv_usec * 1000};
	skew_timespec(CLOCK_REALTIME, "gettimeofday", &ts);
	tv->tv_sec = ts.tv_sec;
	tv->tv_usec = ts.tv_nsec / 1000;
	return rc;
}

CS_EXPORT int gettimeofday(struct timeval *tv, void *tz)
{
	if (cs_likely(!cs_armed(CS_FAM_CLOCK)))
		return cs_real_gettimeofday(tv, tz);
	return gettimeofday_slow(tv, tz);
}

static CS_SLOW_PATH time_t time_slow(time_t *tloc)
{
	time_t t = cs_real_time(NULL);
	if (t != (time_t)-1) {
		struct timespec ts = {.tv_sec = t};
		skew_timespec(CLOCK_REALTIME, "time", &ts);
		t = ts.tv_sec;
	}
	if (tloc)
		*tloc = t;
	return t;
}

CS_EXPORT time_t time(time_t *tloc)
{
	if (cs_likely(!cs_armed(CS_FAM_CLOCK)))
		return cs_real_time(tloc);
	return time_slow(tloc);
}

static CS_SLOW_PATH int timespec_get_slow(struct timespec *ts, int base)
{
	int rc = cs_real_timespec_get(ts, base);
	if (rc == TIME_UTC)
		skew_timespec(CLOCK_REALTIME, "timespec_get", ts);
	return rc;
}

CS_EXPORT int timespec_get(struct timespec *ts, int base)
{
	if (cs_likely(!cs_armed(CS_FAM_CLOCK)))
		return cs_real_timespec_get(ts, base);
	return timespec_get_slow(ts, base);
}
