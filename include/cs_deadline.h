/* Deadline arithmetic for waits the shim shortens or ends early: a
 * program's own timeout (poll milliseconds, a timespec, a socket timeout)
 * against the earliest moment something held back becomes due. Times are
 * CLOCK_MONOTONIC nanoseconds; CS_NEVER is a deadline that never comes. */
#ifndef CS_DEADLINE_H
#define CS_DEADLINE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#define CS_NS_PER_MS 1000000ull
#define CS_NS_PER_S 1000000000ull
#define CS_NEVER UINT64_MAX

/* a + b, CS_NEVER when it would overflow. */
uint64_t cs_deadline_add(uint64_t a, uint64_t b);
/* The earlier of two deadlines, 0 meaning none. */
uint64_t cs_deadline_min(uint64_t a, uint64_t b);
/* The deadline of a poll-style timeout in ms started at now (negative:
 * CS_NEVER). */
uint64_t cs_deadline_of_ms(int timeout_ms, uint64_t now);
/* The deadline of a timespec timeout started at now (NULL: CS_NEVER). */
uint64_t cs_deadline_of_ts(const struct timespec *timeout, uint64_t now);
/* A poll-style timeout in ms that wakes at deadline: -1 for CS_NEVER,
 * rounded up so the wait never ends before it. */
int cs_deadline_to_ms(uint64_t deadline, uint64_t now);
/* The same as a relative timespec; false for CS_NEVER (wait forever). */
bool cs_deadline_to_ts(uint64_t deadline, uint64_t now, struct timespec *out);

/* How late the kernel may end a timeout of a thread: its timer slack,
 * or for a poll, select or epoll timeout 1/divisor of it when that is
 * more (divisor 1000, 200 for a thread with a positive nice value; 0 for
 * a sleep, which has no such share), at most CS_WAIT_SLACK_MAX; nothing
 * when the timer slack is 0 (real-time policies). */
struct cs_wait_slack {
	uint64_t timer_slack_ns;
	uint32_t divisor;
};

#define CS_WAIT_SLACK_MAX (100 * CS_NS_PER_MS)

/* When to ask the kernel to end a wait that should end at wake, so that
 * its slack ends it there rather than up to the slack later: wake itself
 * when what is left is within the slack (a wait that ended early then
 * waits the rest as is, never spinning). */
uint64_t cs_deadline_aim(uint64_t wake, uint64_t now,
			 const struct cs_wait_slack *slack);

#endif
