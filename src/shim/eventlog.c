/* The event log: one JSON object a line for every injected fault, written
 * with a single write on an O_APPEND descriptor so lines from many threads
 * and processes never interleave. Formatted by hand: no malloc, no stdio,
 * no locale, safe inside a signal handler.
 *
 * The descriptor lives in someone else's program, which may close it, or
 * close every fd, and hand the number to a file of its own: before each
 * line the shim checks that the number still names the file it opened
 * (device and inode) and opens the log again when it does not. It writes
 * only to a regular file of its own user, never follows a symbolic link
 * at the last component, writes a line whole or not at all, and counts the
 * lines it could not write in the segment (`stats`). */
#include <fcntl.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cs_addr.h"
#include "cs_names.h"
#include "cs_utf8.h"
#include "shim/shim.h"

static char override_path[CS_PATH_MAX];

/* The path lines go to: written by the refresher only, under a sequence
 * counter (odd while it writes) that also tells which path the open file
 * was opened for. */
static struct {
	uint32_t seq;
	char text[CS_PATH_MAX];
} wanted;
static int log_on;

/* The open file, as the shim opened it; changed by whoever holds `busy`,
 * under its own sequence counter. */
static struct {
	uint32_t seq;
	int fd;         /* -1: none */
	uint32_t path;  /* wanted.seq it was opened for */
	uint64_t dev, ino;
	uint64_t fsize; /* RLIMIT_FSIZE when opened: 0 for none */
} file = {.fd = -1};
static int busy;
static uint32_t said_for; /* wanted.seq whose open failure was reported */

struct file_view {
	int fd;
	uint32_t path;
	uint64_t dev, ino, fsize;
};

static bool read_file_state(struct file_view *v)
{
	uint32_t seq = __atomic_load_n(&file.seq, __ATOMIC_ACQUIRE);
	v->fd = __atomic_load_n(&file.fd, __ATOMIC_ACQUIRE);
	v->path = __atomic_load_n(&file.path, __ATOMIC_ACQUIRE);
	v->dev = __atomic_load_n(&file.dev, __ATOMIC_ACQUIRE);
	v->ino = __atomic_load_n(&file.ino, __ATOMIC_ACQUIRE);
	v->fsize = __atomic_load_n(&file.fsize, __ATOMIC_ACQUIRE);
	return !(seq & 1) && __atomic_load_n(&file.seq, __ATOMIC_RELAXED) == seq;
}

static void write_file_state(const struct file_view *v)
{
	uint32_t seq = __atomic_load_n(&file.seq, __ATOMIC_RELAXED);
	__atomic_store_n(&file.seq, seq + 1, __ATOMIC_RELEASE);
	__atomic_store_n(&file.fd, v->fd, __ATOMIC_RELEASE);
	__atomic_store_n(&file.path, v->path, __ATOMIC_RELEASE);
	__atomic_store_n(&file.dev, v->dev, __ATOMIC_RELEASE);
	__atomic_store_n(&file.ino, v->ino, __ATOMIC_RELEASE);
	__atomic_store_n(&file.fsize, v->fsize, __ATOMIC_RELEASE);
	__atomic_store_n(&file.seq, seq + 2, __ATOMIC_RELEASE);
}

/* Copies the wanted path; false while the refresher rewrites it. */
static bool read_wanted(char *path, uint32_t *seq)
{
	*seq = __atomic_load_n(&wanted.seq, __ATOMIC_ACQUIRE);
	for (size_t i = 0; i < CS_PATH_MAX; i++) {
		path[i] = __atomic_load_n(&wanted.text[i], __ATOMIC_ACQUIRE);
		if (!path[i])
			break;
	}
	path[CS_PATH_MAX - 1] = 0;
	return !(*seq & 1) &&
	       __atomic_load_n(&wanted.seq, __ATOMIC_RELAXED) == *seq;
}

static void write_wanted(const char *path)
{
	uint32_t seq = __atomic_load_n(&wanted.seq, __ATOMIC_RELAXED);
	__atomic_store_n(&wanted.seq, seq + 1, __ATOMIC_RELEASE);
	size_t i = 0;
	do
		__atomic_store_n(&wanted.text[i], path[i], __ATOMIC_RELEASE);
	while (path[i++] && i < CS_PATH_MAX);
	__atomic_store_n(&wanted.seq, seq + 2, __ATOMIC_RELEASE);
}

static void count_lost(void)
{
	if (cs_seg)
		__atomic_fetch_add(&cs_seg->hdr.log_lost, 1, __ATOMIC_RELAXED);
}

/* Whether fd names the file that was opened as (dev, ino). */
static bool same_file(int fd, uint64_t dev, uint64_t ino, struct stat *st)
{
	return fd >= 0 && fstat(fd, st) == 0 && (uint64_t)st->st_dev == dev &&
	       (uint64_t)st->st_ino == ino;
}

/* Opens path for appending, or says why not in why (no stdio). Only a
 * regular file of this user with one link; a FIFO, a device or a symbolic
 * link at the last component is refused without blocking. */
static int open_checked(const char *path, struct file_view *v,
			const char **why)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
				    O_NOFOLLOW | O_NONBLOCK | O_NOCTTY,
		      0600);
	struct stat st;
	if (fd < 0) {
		/* ENXIO: a FIFO without a reader, or a device. */
		*why = errno == ELOOP	 ? "is a symbolic link"
		       : errno == ENXIO ? "is not a regular file"
		       : errno == EACCES ? "may not be written"
		       : errno == EMFILE || errno == ENFILE
			       ? "cannot be opened now (no free descriptor)"
			       : "cannot be opened";
		return -1;
	}
	*why = NULL;
	if (fstat(fd, &st) < 0)
		*why = "cannot be examined";
	else if (!S_ISREG(st.st_mode))
		*why = "is not a regular file";
	else if (st.st_uid != geteuid())
		*why = "belongs to another user";
	else if (st.st_nlink != 1)
		*why = "has more than one link";
	int fl = *why ? -1 : fcntl(fd, F_GETFL);
	if (!*why && (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0))
		*why = "cannot be set to blocking writes";
	if (*why) {
		cs_real_close(fd);
		return -1;
	}
	struct rlimit lim;
	v->dev = (uint64_t)st.st_dev;
	v->ino = (uint64_t)st.st_ino;
	v->fsize = getrlimit(RLIMIT_FSIZE, &lim) == 0 &&
				   lim.rlim_cur != RLIM_INFINITY
			   ? (uint64_t)lim.rlim_cur
			   : 0;
	return fd;
}

static void say_refused(const char *path, const char *why)
{
	char msg[CS_PATH_MAX + 96] = "event log '";
	strncat(msg, path, CS_PATH_MAX);
	strcat(msg, "' ");
	strcat(msg, why);
	strcat(msg, ": lines that cannot be written are counted as lost");
	cs_say(msg);
}

static bool same_state(const struct file_view *a, const struct file_view *b)
{
	return a->fd == b->fd && a->path == b->path && a->dev == b->dev &&
	       a->ino == b->ino;
}

/* Opens the wanted log in place of the file state `stale` (which another
 * thread may have replaced already). An old descriptor that is still the
 * shim's keeps its number and gets the new file, so that a thread about to
 * write on it writes there; one that is not is left alone, since its number
 * belongs to the program now. Returns false when no log is open. */
static bool reopen(const struct file_view *stale, bool report)
{
	if (__atomic_exchange_n(&busy, 1, __ATOMIC_ACQUIRE))
		return false; /* another thread is at it: this line is lost */
	struct file_view now, v;
	struct stat st;
	char path[CS_PATH_MAX];
	const char *why;
	bool ok = false;
	if (!read_file_state(&now) || !read_wanted(path, &v.path) || !path[0])
		goto out;
	if (!same_state(&now, stale)) {
		ok = true; /* replaced meanwhile: try that one */
		goto out;
	}
	v.fd = open_checked(path, &v, &why);
	if (v.fd < 0) {
		if (report && __atomic_load_n(&said_for, __ATOMIC_RELAXED) != v.path) {
			__atomic_store_n(&said_for, v.path, __ATOMIC_RELAXED);
			say_refused(path, why);
		}
		goto out;
	}
	if (same_file(now.fd, now.dev, now.ino, &st) && now.fd != v.fd &&
	    cs_real_dup3(v.fd, now.fd, O_CLOEXEC) == now.fd) {
		cs_real_close(v.fd);
		v.fd = now.fd;
	}
	write_file_state(&v);
	ok = true;
out:
	__atomic_store_n(&busy, 0, __ATOMIC_RELEASE);
	return ok;
}

/* Appends a whole line or nothing: a line that would cross the program's
 * file-size limit is not started (the kernel would stop the program with
 * SIGXFSZ), and the part of a line a full disk cut short is taken back
 * when nothing was appended after it. */
static bool append(const struct file_view *v, const struct stat *st,
		   const char *buf, size_t len)
{
	if (v->fsize && (uint64_t)st->st_size + len > v->fsize)
		return false;
	ssize_t n = cs_real_write(v->fd, buf, len);
	if (n == (ssize_t)len)
		return true;
	if (n > 0) {
		struct stat now;
		off_t end = lseek(v->fd, 0, SEEK_CUR);
		if (end >= n && fstat(v->fd, &now) == 0 && now.st_size == end)
			(void)!ftruncate(v->fd, end - n);
	}
	return false;
}

static bool emit(const char *buf, size_t len)
{
	for (int attempt = 0; attempt < 3; attempt++) {
		struct file_view v;
		struct stat st;
		uint32_t want = __atomic_load_n(&wanted.seq, __ATOMIC_ACQUIRE);
		if (!read_file_state(&v))
			return false; /* being replaced this very moment */
		if (v.path == want && same_file(v.fd, v.dev, v.ino, &st))
			return append(&v, &st, buf, len);
		if (!reopen(&v, false))
			return false;
	}
	return false;
}

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
	int saved = errno;
	char current[CS_PATH_MAX];
	uint32_t seq;
	if (!read_wanted(current, &seq) || strcmp(current, path) != 0)
		write_wanted(path);
	__atomic_store_n(&log_on, 1, __ATOMIC_RELEASE);
	/* Open it now, so that a path that cannot be used is said at once. */
	struct file_view v;
	struct stat st;
	if (read_file_state(&v) &&
	    !(v.path == __atomic_load_n(&wanted.seq, __ATOMIC_ACQUIRE) &&
	      same_file(v.fd, v.dev, v.ino, &st)))
		reopen(&v, true);
	errno = saved;
}

void cs_eventlog_after_fork_child(void)
{
	/* A thread of the parent may have been changing the state: in the
	 * child it is gone. A half-written file state fails the next check
	 * and is opened again; a half-written path is dropped until the next
	 * table change names one. */
	__atomic_store_n(&busy, 0, __ATOMIC_RELAXED);
	uint32_t seq = __atomic_load_n(&file.seq, __ATOMIC_RELAXED);
	if (seq & 1) {
		__atomic_store_n(&file.fd, -1, __ATOMIC_RELAXED);
		__atomic_store_n(&file.seq, seq + 1, __ATOMIC_RELAXED);
	}
	seq = __atomic_load_n(&wanted.seq, __ATOMIC_RELAXED);
	if (seq & 1) {
		__atomic_store_n(&wanted.text[0], 0, __ATOMIC_RELAXED);
		__atomic_store_n(&wanted.seq, seq + 1, __ATOMIC_RELAXED);
		__atomic_store_n(&log_on, 0, __ATOMIC_RELAXED);
	}
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
	if (!emit(l.buf, l.len + 2))
		count_lost();
	errno = saved;
}
