/* The control segment: creating, opening, checking, publishing and reading
 * the shared-memory file that chaos-shim-ctl writes and every shim reads. */
#include "cs_segment.h"
#include "cs_skew.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* "/dev/shm/.chaos-shim.<uid>.<pid>.<seq>" and the final path both fit. */
#define SEG_PATH_MAX 160

/* Subject of messages: "segment 'x'", or "segment" for an unnamed one. */
struct subject {
	char text[CS_SEG_NAME_MAX + 16];
};

static const char *subject_of(struct subject *s, const char *name)
{
	if (name && name[0])
		snprintf(s->text, sizeof(s->text), "segment '%s'", name);
	else
		snprintf(s->text, sizeof(s->text), "segment");
	return s->text;
}

/* strerror may translate, and so allocate; the shim must not. */
static const char *errno_text(int e)
{
	const char *text = strerrordesc_np(e);
	return text ? text : "unknown error";
}

int cs_segment_name_check(const char *name, char *err, size_t errlen)
{
	size_t len = 0;

	for (const unsigned char *p = (const unsigned char *)name; *p; p++, len++) {
		unsigned char c = *p;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-')
			continue;
		if (c > ' ' && c < 0x7f)
			snprintf(err, errlen,
				 "bad character '%c' in segment name (use letters, digits, '.', '_' and '-')",
				 c);
		else
			snprintf(err, errlen,
				 "bad byte 0x%02x in segment name (use letters, digits, '.', '_' and '-')",
				 c);
		return -1;
	}
	if (len == 0) {
		snprintf(err, errlen, "segment name is empty");
		return -1;
	}
	if (len >= CS_SEG_NAME_MAX) {
		snprintf(err, errlen,
			 "segment name '%.20s...' is too long (%zu characters, at most %d)",
			 name, len, CS_SEG_NAME_MAX - 1);
		return -1;
	}
	if (name[0] == '.') {
		snprintf(err, errlen, "segment name '%s' starts with '.'", name);
		return -1;
	}
	return 0;
}

int cs_segment_path(const char *name, char *buf, size_t size)
{
	int n = snprintf(buf, size, CS_SEG_DIR "/chaos-shim.%u.%s",
			 (unsigned)getuid(), name);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

static void init_header(struct cs_segment *seg)
{
	seg->hdr.magic = CS_SEG_MAGIC;
	seg->hdr.version = CS_SEG_VERSION;
	seg->hdr.owner_uid = (uint32_t)getuid();
	seg->hdr.size = sizeof(struct cs_segment);
	atomic_store_explicit(&seg->hdr.generation, 0, memory_order_relaxed);
	atomic_store_explicit(&seg->hdr.armed, 0, memory_order_relaxed);
	atomic_store_explicit(&seg->hdr.paused, 0, memory_order_relaxed);
}

static struct cs_segment *map_segment(int fd)
{
	void *p = mmap(NULL, sizeof(struct cs_segment), PROT_READ | PROT_WRITE,
		       fd < 0 ? MAP_SHARED | MAP_ANONYMOUS : MAP_SHARED, fd, 0);
	return p == MAP_FAILED ? NULL : p;
}

/* One checker for both the named and the unnamed message forms. */
static int check_header_named(const struct cs_segment *seg, const char *name,
			      char *err, size_t errlen)
{
	struct subject s;

	if (seg->hdr.magic != CS_SEG_MAGIC) {
		snprintf(err, errlen, "%s is not a chaos-shim segment (bad magic)",
			 subject_of(&s, name));
		return -1;
	}
	if (seg->hdr.version != CS_SEG_VERSION) {
		snprintf(err, errlen, "%s has layout version %u, expected %u",
			 subject_of(&s, name), seg->hdr.version, CS_SEG_VERSION);
		return -1;
	}
	if (seg->hdr.size != sizeof(struct cs_segment)) {
		snprintf(err, errlen, "%s header gives size %llu, expected %zu",
			 subject_of(&s, name), (unsigned long long)seg->hdr.size,
			 sizeof(struct cs_segment));
		return -1;
	}
	if (seg->hdr.owner_uid != (uint32_t)getuid()) {
		snprintf(err, errlen, "%s belongs to uid %u",
			 subject_of(&s, name), seg->hdr.owner_uid);
		return -1;
	}
	return 0;
}

int cs_segment_check_header(const struct cs_segment *seg, char *err,
			    size_t errlen)
{
	return check_header_named(seg, NULL, err, errlen);
}

static void fill_handle(struct cs_seg_handle *handle, struct cs_segment *seg,
			int fd, const char *name)
{
	handle->seg = seg;
	handle->fd = fd;
	snprintf(handle->name, sizeof(handle->name), "%s", name);
}

/* Takes ownership of fd: on failure it is closed. */
static int attach_existing(int fd, const char *name,
			   struct cs_seg_handle *handle, char *err,
			   size_t errlen)
{
	struct subject s;
	struct stat st;
	struct cs_segment *seg;

	if (fstat(fd, &st) < 0) {
		snprintf(err, errlen, "cannot stat %s: %s", subject_of(&s, name),
			 errno_text(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s is not a regular file",
			 subject_of(&s, name));
		goto fail;
	}
	if (st.st_uid != getuid()) {
		snprintf(err, errlen, "%s belongs to uid %u", subject_of(&s, name),
			 (unsigned)st.st_uid);
		goto fail;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		snprintf(err, errlen, "%s is open to other users (mode %04o)",
			 subject_of(&s, name), (unsigned)(st.st_mode & 07777));
		goto fail;
	}
	if (st.st_size != (off_t)sizeof(struct cs_segment)) {
		snprintf(err, errlen, "%s is %lld bytes, expected %zu",
			 subject_of(&s, name), (long long)st.st_size,
			 sizeof(struct cs_segment));
		goto fail;
	}
	seg = map_segment(fd);
	if (!seg) {
		snprintf(err, errlen, "cannot map %s: %s", subject_of(&s, name),
			 errno_text(errno));
		goto fail;
	}
	if (check_header_named(seg, name, err, errlen) < 0) {
		munmap(seg, sizeof(*seg));
		goto fail;
	}
	fill_handle(handle, seg, fd, name);
	return 0;
fail:
	close(fd);
	return -1;
}

/* Builds the segment under a temporary name and links it into place, so no
 * reader ever sees a file without its header. Returns 0 when created, 1
 * when the name was taken meanwhile, -1 on error. */
static int create_new(const char *name, const char *path,
		      struct cs_seg_handle *handle, char *err, size_t errlen)
{
	static _Atomic unsigned sequence;
	char tmp[SEG_PATH_MAX];
	struct subject s;
	struct cs_segment *seg = NULL;
	int fd = -1, e;

	for (int tries = 0; tries < 16 && fd < 0; tries++) {
		/* The leading dot keeps temporaries out of any segment name. */
		snprintf(tmp, sizeof(tmp), CS_SEG_DIR "/.chaos-shim.%u.%d.%u",
			 (unsigned)getuid(), (int)getpid(),
			 atomic_fetch_add(&sequence, 1));
		fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			  0600);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0) {
		snprintf(err, errlen, "cannot create %s in " CS_SEG_DIR ": %s",
			 subject_of(&s, name), errno_text(errno));
		return -1;
	}
	/* A umask never adds bits, but fchmod makes the mode independent of it;
	 * fallocate makes a full tmpfs fail here instead of with SIGBUS later. */
	if (fchmod(fd, 0600) < 0 ||
	    ftruncate(fd, sizeof(struct cs_segment)) < 0 ||
	    (fallocate(fd, 0, 0, sizeof(struct cs_segment)) < 0 &&
	     errno != EOPNOTSUPP) ||
	    !(seg = map_segment(fd))) {
		e = errno;
		snprintf(err, errlen, "cannot create %s in " CS_SEG_DIR ": %s",
			 subject_of(&s, name), errno_text(e));
		goto fail;
	}
	init_header(seg);
	if (link(tmp, path) < 0) {
		e = errno;
		if (e == EEXIST) {
			unlink(tmp);
			munmap(seg, sizeof(*seg));
			close(fd);
			return 1;
		}
		snprintf(err, errlen, "cannot create %s: %s", subject_of(&s, name),
			 errno_text(e));
		goto fail;
	}
	unlink(tmp);
	fill_handle(handle, seg, fd, name);
	return 0;
fail:
	if (seg)
		munmap(seg, sizeof(*seg));
	unlink(tmp);
	close(fd);
	return -1;
}

static void open_error(const char *name, int e, char *err, size_t errlen)
{
	struct subject s;

	if (e == ENOENT)
		snprintf(err, errlen, "%s does not exist", subject_of(&s, name));
	else if (e == ELOOP)
		snprintf(err, errlen, "%s is a symbolic link", subject_of(&s, name));
	else
		snprintf(err, errlen, "cannot open %s: %s", subject_of(&s, name),
			 errno_text(e));
}

int cs_segment_open(const char *name, enum cs_seg_mode mode,
		    struct cs_seg_handle *handle, bool *created, char *err,
		    size_t errlen)
{
	char path[SEG_PATH_MAX];
	struct subject s;

	if (created)
		*created = false;
	handle->seg = NULL;
	handle->fd = -1;
	handle->name[0] = '\0';
	if (cs_segment_name_check(name, err, errlen) < 0)
		return -1;
	if (cs_segment_path(name, path, sizeof(path)) < 0) {
		snprintf(err, errlen, "path of %s is too long", subject_of(&s, name));
		return -1;
	}
	/* Creators and destroyers may race us: retry a few rounds. */
	for (int round = 0; round < 8; round++) {
		if (mode != CS_SEG_CREATE_NEW) {
			int fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
			if (fd >= 0)
				return attach_existing(fd, name, handle, err, errlen);
			if (errno != ENOENT || mode == CS_SEG_EXISTING) {
				open_error(name, errno, err, errlen);
				return -1;
			}
		}
		int r = create_new(name, path, handle, err, errlen);
		if (r <= 0) {
			if (r == 0 && created)
				*created = true;
			return r;
		}
		if (mode == CS_SEG_CREATE_NEW) {
			snprintf(err, errlen, "%s already exists", subject_of(&s, name));
			return -1;
		}
	}
	snprintf(err, errlen, "%s keeps disappearing while being opened",
		 subject_of(&s, name));
	return -1;
}

int cs_segment_anonymous(struct cs_seg_handle *handle, char *err,
			 size_t errlen)
{
	/* A memfd where the kernel has them: a descriptor children can be
	 * handed across exec (cs_segment_attach_fd); else plain memory. */
	int fd = (int)syscall(SYS_memfd_create, "chaos-shim", MFD_CLOEXEC);
	struct cs_segment *seg;

	if (fd >= 0 && (fchmod(fd, 0600) < 0 ||
			ftruncate(fd, (off_t)sizeof(struct cs_segment)) < 0)) {
		close(fd);
		fd = -1;
	}
	seg = map_segment(fd);
	if (!seg) {
		snprintf(err, errlen, "cannot map a private segment: %s",
			 errno_text(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	init_header(seg);
	fill_handle(handle, seg, fd, "");
	return 0;
}

int cs_segment_attach_fd(int fd, struct cs_seg_handle *handle, char *err,
			 size_t errlen)
{
	return attach_existing(fd, "", handle, err, errlen);
}

void cs_segment_drop_fd(struct cs_seg_handle *handle)
{
	if (handle->fd >= 0)
		close(handle->fd);
	handle->fd = -1;
}

void cs_segment_close(struct cs_seg_handle *handle)
{
	cs_segment_drop_fd(handle);
	if (handle->seg)
		munmap(handle->seg, sizeof(*handle->seg));
	handle->seg = NULL;
}

int cs_segment_destroy(const char *name, char *err, size_t errlen)
{
	char path[SEG_PATH_MAX];
	struct subject s;

	if (cs_segment_name_check(name, err, errlen) < 0)
		return -1;
	if (cs_segment_path(name, path, sizeof(path)) < 0) {
		snprintf(err, errlen, "path of %s is too long", subject_of(&s, name));
		return -1;
	}
	if (unlink(path) < 0) {
		int e = errno;
		if (e == ENOENT)
			open_error(name, e, err, errlen);
		else
			snprintf(err, errlen, "cannot remove %s: %s",
				 subject_of(&s, name), errno_text(e));
		return -1;
	}
	return 0;
}

int cs_segment_lock(struct cs_seg_handle *handle)
{
	if (handle->fd < 0)
		return 0;
	while (flock(handle->fd, LOCK_EX) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

void cs_segment_unlock(struct cs_seg_handle *handle)
{
	if (handle->fd >= 0)
		flock(handle->fd, LOCK_UN);
}

void cs_segment_current(const struct cs_segment *seg, struct cs_table *out)
{
	uint64_t gen = atomic_load_explicit(&seg->hdr.generation,
					    memory_order_acquire);
	memcpy(out, &seg->slots[gen & 1], sizeof(*out));
}

static void rearm(struct cs_segment *seg, const struct cs_table *table)
{
	uint32_t armed = 0;

	if (!atomic_load_explicit(&seg->hdr.paused, memory_order_relaxed))
		armed = cs_table_armed_mask(table);
	atomic_store_explicit(&seg->hdr.armed, armed, memory_order_release);
}

void cs_segment_publish(struct cs_segment *seg, const struct cs_table *table,
			bool reset_counters)
{
	uint64_t gen = atomic_load_explicit(&seg->hdr.generation,
					    memory_order_relaxed);
	struct cs_table prev, next = *table;
	struct timespec now;

	/* Skewed clocks carry on from where they are: a republish re-anchors
	 * them at the present instead of letting time jump. */
	cs_segment_current(seg, &prev);
	/* The true time, even when the writer itself runs under a skew. */
	syscall(SYS_clock_gettime, CLOCK_REALTIME, &now);
	cs_skew_rebase(&prev, &next,
		       (int64_t)now.tv_sec * 1000000000 + now.tv_nsec);

	/* The idle slot may still be under copy by a reader of generation
	 * gen - 1: order the last bump before these writes, so that a reader
	 * who sees any of them also sees the generation move. */
	atomic_thread_fence(memory_order_seq_cst);
	memcpy(&seg->slots[(gen + 1) & 1], &next, sizeof(next));
	if (reset_counters) {
		for (size_t i = 0; i < CS_MAX_RULES; i++) {
			atomic_store_explicit(&seg->counters[i].matched, 0,
					      memory_order_relaxed);
			atomic_store_explicit(&seg->counters[i].injected, 0,
					      memory_order_relaxed);
		}
	}
	atomic_store_explicit(&seg->hdr.generation, gen + 1,
			      memory_order_release);
	rearm(seg, &next);
}

void cs_segment_set_paused(struct cs_segment *seg, bool paused)
{
	struct cs_table table;
	char err[8];

	atomic_store_explicit(&seg->hdr.paused, paused ? 1u : 0u,
			      memory_order_relaxed);
	/* The shared slot may have been scribbled on: arm nothing from a table
	 * that does not validate. */
	cs_segment_current(seg, &table);
	if (cs_table_validate(&table, err, sizeof(err)) < 0)
		table.nrules = 0;
	rearm(seg, &table);
}

int cs_segment_snapshot(const struct cs_segment *seg, struct cs_table *out,
			uint64_t *generation)
{
	uint64_t gen = atomic_load_explicit(&seg->hdr.generation,
					    memory_order_acquire);

	memcpy(out, &seg->slots[gen & 1], sizeof(*out));
	atomic_thread_fence(memory_order_acquire);
	if (atomic_load_explicit(&seg->hdr.generation, memory_order_relaxed) !=
	    gen)
		return -1;
	*generation = gen;
	return 0;
}

void cs_segment_register_pid(struct cs_segment *seg, pid_t pid)
{
	for (size_t i = 0; i < CS_MAX_PIDS; i++) {
		int32_t expected = 0;
		if (atomic_compare_exchange_strong(&seg->pids[i], &expected, pid))
			return;
	}
	/* Full: take over the entry of a process that died without leaving
	 * (kill may set errno, which belongs to the program). */
	int saved = errno;
	for (size_t i = 0; i < CS_MAX_PIDS; i++) {
		int32_t old = atomic_load_explicit(&seg->pids[i],
						   memory_order_relaxed);
		if (old > 0 && kill(old, 0) < 0 && errno == ESRCH &&
		    atomic_compare_exchange_strong(&seg->pids[i], &old, pid))
			break;
	}
	errno = saved;
}

void cs_segment_unregister_pid(struct cs_segment *seg, pid_t pid)
{
	for (size_t i = 0; i < CS_MAX_PIDS; i++) {
		int32_t expected = pid;
		if (atomic_compare_exchange_strong(&seg->pids[i], &expected, 0))
			return;
	}
}
