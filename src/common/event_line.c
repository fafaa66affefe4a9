/* One line of the event log, formatted by hand: no malloc, no stdio, no
 * locale, so that the shim can write it inside a signal handler, and the
 * seccomp supervisor writes the same lines. */
#include <string.h>

#include "cs_event_line.h"
#include "cs_names.h"
#include "cs_utf8.h"

struct line {
	char *buf;
	size_t cap; /* at least 2 */
	size_t len;
};

static void put(struct line *l, const char *s, size_t n)
{
	if (n > l->cap - 2 - l->len)
		n = l->cap - 2 - l->len; /* room for "}\n" */
	memcpy(l->buf + l->len, s, n);
	l->len += n;
}

static void puts_raw(struct line *l, const char *s)
{
	put(l, s, strlen(s));
}

static void put_uint(struct line *l, uint64_t v, int width)
{
	char digits[24];
	int n = 0;
	do {
		digits[sizeof digits - 1 - n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v || n < width);
	put(l, digits + sizeof digits - n, (size_t)n);
}

static void put_int(struct line *l, int64_t v)
{
	if (v < 0) {
		put(l, "-", 1);
		put_uint(l, (uint64_t)0 - (uint64_t)v, 1);
	} else {
		put_uint(l, (uint64_t)v, 1);
	}
}

/* A JSON string: quotes, backslashes and control bytes escaped, and a
 * byte that is not valid UTF-8 replaced by U+FFFD, as JSON text must be
 * UTF-8 (a rule name or a DNS host may hold any byte). */
static void put_string(struct line *l, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	put(l, "\"", 1);
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		size_t len = cs_utf8_length(p);
		if (len == 0) {
			put(l, "\\ufffd", 6);
			p++;
		} else if (*p == '"' || *p == '\\') {
			char esc[2] = {'\\', (char)*p++};
			put(l, esc, 2);
		} else if (*p < 0x20 || *p == 0x7f) {
			char esc[6] = {'\\', 'u', '0', '0', hex[*p >> 4],
				       hex[*p & 15]};
			put(l, esc, 6);
			p++;
		} else {
			put(l, (const char *)p, len);
			p += len;
		}
	}
	put(l, "\"", 1);
}

static void put_key(struct line *l, const char *key)
{
	put(l, ",", 1);
	put_string(l, key);
	put(l, ":", 1);
}

/* RFC 3339 UTC with microseconds, from days since the epoch (the civil
 * calendar algorithm: eras of 400 years, March-based years). */
static void put_timestamp(struct line *l, const struct timespec *ts)
{
	int64_t secs = ts->tv_sec;
	int64_t days = secs / 86400, rem = secs % 86400;
	if (rem < 0) {
		rem += 86400;
		days--;
	}
	days += 719468;
	int64_t era = (days >= 0 ? days : days - 146096) / 146097;
	int64_t doe = days - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t day = doy - (153 * mp + 2) / 5 + 1;
	int64_t month = mp < 10 ? mp + 3 : mp - 9;
	int64_t year = yoe + era * 400 + (month <= 2);
	put(l, "\"", 1);
	put_uint(l, (uint64_t)year, 4);
	put(l, "-", 1);
	put_uint(l, (uint64_t)month, 2);
	put(l, "-", 1);
	put_uint(l, (uint64_t)day, 2);
	put(l, "T", 1);
	put_uint(l, (uint64_t)(rem / 3600), 2);
	put(l, ":", 1);
	put_uint(l, (uint64_t)(rem / 60 % 60), 2);
	put(l, ":", 1);
	put_uint(l, (uint64_t)(rem % 60), 2);
	put(l, ".", 1);
	put_uint(l, (uint64_t)ts->tv_nsec / 1000, 6);
	put(l, "Z\"", 2);
}

static void put_sockaddr(struct line *l, const char *key,
			 const struct cs_sockaddr *addr)
{
	char text[64];
	if (!addr || !addr->family || !addr->port)
		return; /* unknown, or not bound yet (a local end before connect) */
	cs_sockaddr_format(addr, text, sizeof text);
	put_key(l, key);
	put_string(l, text);
}

/* An HTTP fault: the request it took and what it did; or the HTTP/2
 * connection it let through. */
static void put_http(struct line *l, const struct cs_event *ev)
{
	if (ev->http2) {
		put_key(l, "http_version");
		put_string(l, "2");
		put_key(l, "action");
		put_string(l, "passed");
		return;
	}
	if (ev->http) {
		put_key(l, "method");
		put_string(l, ev->http->method);
		put_key(l, "path");
		put_string(l, ev->http->target);
	}
	if (ev->rule->fault == CS_FAULT_HTTP_RESPONSE) {
		put_key(l, "status");
		put_uint(l, ev->rule->http_status, 1);
	} else {
		put_key(l, "delay_ms");
		put_uint(l, ev->delay_ns / 1000000ull, 1);
	}
}

/* The fault's own parameters, flat beside the common keys. */
static void put_details(struct line *l, const struct cs_event *ev)
{
	const struct cs_rule *rule = ev->rule;
	uint64_t delay_ns = ev->delay_ns;
	const char *name;
	switch ((enum cs_fault)rule->fault) {
	case CS_FAULT_LATENCY:
	case CS_FAULT_SLOW_CLOSE:
		put_key(l, "delay_ms");
		put_uint(l, delay_ns / 1000000ull, 1);
		break;
	case CS_FAULT_ERROR:
		name = ev->family == CS_FAM_DNS ? cs_eai_name(rule->error)
						  : cs_errno_name(rule->error);
		put_key(l, "errno");
		put_string(l, name ? name : "?");
		break;
	case CS_FAULT_SLICE:
		put_key(l, "max_bytes");
		put_uint(l, rule->max_bytes, 1);
		break;
	case CS_FAULT_BANDWIDTH:
		put_key(l, "bytes_per_s");
		put_uint(l, rule->bytes_per_s, 1);
		break;
	case CS_FAULT_KILL:
		name = cs_signal_name(rule->signal);
		put_key(l, "signal");
		put_string(l, name ? name : "?");
		break;
	case CS_FAULT_CLOCK_SKEW:
		put_key(l, "offset_ns");
		put_int(l, rule->offset_ns);
		break;
	case CS_FAULT_CORRUPT:
		put_key(l, "bits");
		put_uint(l, rule->corrupt_bits, 1);
		break;
	case CS_FAULT_REORDER:
		put_key(l, "window");
		put_uint(l, rule->reorder_window, 1);
		break;
	case CS_FAULT_LIMIT_DATA:
		put_key(l, "bytes");
		put_uint(l, rule->limit_bytes, 1);
		put_key(l, "action");
		put_string(l, cs_limit_end_names[rule->limit_end]);
		break;
	case CS_FAULT_LOSS:
		put_key(l, "rto_ms");
		put_uint(l, rule->rto_ms, 1);
		if (delay_ns) { /* TCP: this retransmission's wait */
			put_key(l, "delay_ms");
			put_uint(l, delay_ns / 1000000ull, 1);
		}
		break;
	case CS_FAULT_HTTP_RESPONSE:
	case CS_FAULT_HTTP_DELAY:
		put_http(l, ev);
		break;
	case CS_FAULT_RESET:
	case CS_FAULT_DROP:
	case CS_FAULT_EOF:
	case CS_FAULT_DUPLICATE:
	case CS_FAULT_COUNT:
		break;
	}
}

size_t cs_event_line(const struct cs_event *ev, char *buf, size_t size)
{
	if (size < 2)
		return 0;
	struct line l = {.buf = buf, .cap = size, .len = 0};
	puts_raw(&l, "{\"ts\":");
	put_timestamp(&l, &ev->ts);
	put_key(&l, "pid");
	put_uint(&l, (uint64_t)ev->pid, 1);
	put_key(&l, "tid");
	put_uint(&l, (uint64_t)ev->tid, 1);
	put_key(&l, "rule");
	put_string(&l, ev->rule->name);
	put_key(&l, "call");
	put_string(&l, ev->call);
	if (ev->fd >= 0) {
		put_key(&l, "fd");
		put_uint(&l, (uint64_t)ev->fd, 1);
	}
	put_sockaddr(&l, "peer", ev->peer);
	put_sockaddr(&l, "local", ev->local);
	if (ev->host) {
		put_key(&l, "host");
		put_string(&l, ev->host);
	}
	put_key(&l, "fault");
	put_string(&l, cs_fault_name(ev->rule->fault));
	put_details(&l, ev);
	memcpy(l.buf + l.len, "}\n", 2);
	return l.len + 2;
}
