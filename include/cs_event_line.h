/* One line of the JSON-lines event log, the same whoever injected the
 * fault (the shim in the program, or the seccomp supervisor of `run`). */
#ifndef CS_EVENT_LINE_H
#define CS_EVENT_LINE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "cs_addr.h"
#include "cs_http.h"
#include "cs_table.h"

#define CS_EVENT_LINE_MAX 4096 /* fits the longest name and host, escaped */

/* An injected fault. */
struct cs_event {
	struct timespec ts; /* CLOCK_REALTIME */
	pid_t pid, tid;
	const struct cs_rule *rule;
	const char *call; /* "connect", "recv", ... */
	int fd;           /* -1: not about an fd */
	const struct cs_sockaddr *peer, *local; /* NULL: unknown */
	const char *host; /* dns, or NULL */
	enum cs_family family;
	uint64_t delay_ns; /* this rule's own delay */
	const struct cs_http_request *http; /* HTTP faults: the request */
	bool http2; /* an HTTP fault let an HTTP/2 connection through */
};

/* Writes ev's line, "}\n" included, into buf (a string too long for size
 * is cut, the line stays whole); returns its length, 0 when size < 2.
 * Async-signal-safe. */
size_t cs_event_line(const struct cs_event *ev, char *buf, size_t size);

#endif
