/* The event log: one JSON object a line for every injected fault, written
 * with a single write on an O_APPEND descriptor so lines from many threads
 * and processes never interleave. Formatted by cs_event_line: no malloc,
 * no stdio, no locale, safe inside a signal handler.
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

#include "cs_event_line.h"
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

void cs_eventlog_write(const struct cs_call *call, const struct cs_rule *rule,
		       uint64_t delay_ns)
{
	if (!__atomic_load_n(&log_on, __ATOMIC_ACQUIRE))
		return;
	int saved = errno;
	struct cs_event ev = {
		.pid = getpid(),
		.tid = (pid_t)syscall(SYS_gettid),
		.rule = rule,
		.call = call->name,
		.fd = call->fd,
		.peer = call->peer ? call->peer
				   : call->sock ? &call->sock->peer : NULL,
		.local = call->sock ? &call->sock->local : NULL,
		.host = call->host,
		.family = call->family,
		.delay_ns = delay_ns,
		.http = call->http,
		.http2 = call->http2,
	};
	cs_real_clock_gettime(CLOCK_REALTIME, &ev.ts);
	char buf[CS_EVENT_LINE_MAX];
	size_t len = cs_event_line(&ev, buf, sizeof buf);
	if (!len || !emit(buf, len))
		count_lost();
	errno = saved;
}
