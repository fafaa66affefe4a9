/* The event log: one JSON object a line for every injected fault, written
 * with a single write on an O_APPEND descriptor so lines from many threads
 * and processes never interleave. Formatted by hand: no malloc, no stdio,
 * no locale, safe inside a signal handler. */
#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cs_addr.h"
#include "cs_names.h"
#include "shim/shim.h"

static char override_path[CS_PATH_MAX];
static char open_path[CS_PATH_MAX];
static int log_fd = -1;
static int log_on;

void cs_eventlog_set_override(const char *path)
{
	size_t n = strnlen(path, sizeof override_path - 1);
	memcpy(override_path, path, n);
	override_path[n] = 0;
}

void cs_eventlog_update(const struct cs_table *table)
{
	const char *path = override_path[0] ? override_path : table->log_path;
	if (!path[0]) {
		__atomic_store_n(&log_on, 0, __ATOMIC_RELEASE);
		return;
	}
	if (log_fd >= 0 && strcmp(path, open_path) == 0) {
		__atomic_store_n(&log_on, 1, __ATOMIC_RELEASE);
		return;
	}
	int saved = errno;
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		char msg[CS_PATH_MAX + 64] = "cannot open event log '";
		strncat(msg, path, sizeof msg - 40);
		strcat(msg, "'");
		cs_say(msg);
		errno = saved;
		return;
	}
	if (log_fd < 0) {
		log_fd = fd;
	} else {
		/* Writers may hold the old number: point it at the new file. */
		cs_real_dup3(fd, log_fd, O_CLOEXEC);
		cs_real_close(fd);
	}
	memcpy(open_path, path, sizeof open_path);
	__atomic_store_n(&log_on, 1, __ATOMIC_RELEASE);
	errno = saved;
}

struct line {
	char buf[4096]; /* fits the longest name and host, escaped */
	size_t len;
};

static void put(struct line *l, const char *s, size_t n)
{
	if (n > sizeof l->buf - 2 - l->len)
		n = sizeof l->buf - 2 - l->len; /* room for "}\n" */
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

/* A JSON string: quotes, backslashes and control bytes escaped. */
static void put_string(struct line *l, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	put(l, "\"", 1);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\') {
			char esc[2] = {'\\', (char)*p};
			put(l, esc, 2);
		} else if (*p < 0x20 || *p == 0x7f) {
			char esc[6] = {'\\', 'u', '0', '0', hex[*p >> 4],
				       hex[*p & 15]};
			put(l, esc, 6);
		} else {
			put(l, (const char *)p, 1);
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
static void put_timestamp(struct line *l)
{
	struct timespec ts;
	cs_real_clock_gettime(CLOCK_REALTIME, &ts);
	int64_t secs = ts.tv_sec;
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
	put_uint(l, (uint64_t)ts.tv_nsec / 1000, 6);
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

/* The fault's own parameters, flat beside the common keys. */
static void put_details(struct line *l, const struct cs_call *call,
			const struct cs_rule *rule, uint64_t delay_ns)
{
	const char *name;
	switch ((enum cs_fault)rule->fault) {
	case CS_FAULT_LATENCY:
		put_key(l, "delay_ms");
		put_uint(l, delay_ns / 1000000ull, 1);
		break;
	case CS_FAULT_ERROR:
		name = call->family == CS_FAM_DNS ? cs_eai_name(rule->error)
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
	case CS_FAULT_LOSS:
		put_key(l, "rto_ms");
		put_uint(l, rule->rto_ms, 1);
		if (delay_ns) { /* TCP: this retransmission's wait */
			put_key(l, "delay_ms");
			put_uint(l, delay_ns / 1000000ull, 1);
		}
		break;
	case CS_FAULT_RESET:
	case CS_FAULT_DROP:
	case CS_FAULT_COUNT:
		break;
	}
}

void cs_eventlog_write(const struct cs_call *call, const struct cs_rule *rule,
		       uint64_t delay_ns)
{
	if (!__atomic_load_n(&log_on, __ATOMIC_ACQUIRE))
		return;
	int saved = errno;
	struct line l = {.len = 0};
	puts_raw(&l, "{\"ts\":");
	put_timestamp(&l);
	put_key(&l, "pid");
	put_uint(&l, (uint64_t)getpid(), 1);
	put_key(&l, "tid");
	put_uint(&l, (uint64_t)syscall(SYS_gettid), 1);
	put_key(&l, "rule");
	put_string(&l, rule->name);
	put_key(&l, "call");
	put_string(&l, call->name);
	if (call->fd >= 0) {
		put_key(&l, "fd");
		put_uint(&l, (uint64_t)call->fd, 1);
	}
	put_sockaddr(&l, "peer",
		     call->peer ? call->peer : call->sock ? &call->sock->peer : NULL);
	put_sockaddr(&l, "local", call->sock ? &call->sock->local : NULL);
	if (call->host) {
		put_key(&l, "host");
		put_string(&l, call->host);
	}
	put_key(&l, "fault");
	put_string(&l, cs_fault_name(rule->fault));
	put_details(&l, call, rule, delay_ns);
	memcpy(l.buf + l.len, "}\n", 2);
	(void)!cs_real_write(log_fd, l.buf, l.len + 2);
	errno = saved;
}
