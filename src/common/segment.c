/* The control segment: creating, opening, checking, publishing, reading and
 * destroying the shared-memory file that chaos-shim-ctl writes and every
 * shim reads. */
#include "cs_segment.h"
#include "cs_schedule.h"
#include "cs_skew.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* "/dev/shm/.chaos-shim.<uid>.<pid>.<seq>" and the final path both fit. */
#define SEG_PATH_MAX 160
#define LOW_HALF 0xffffffffull
#define STATE_FLAGS (CS_SEG_PAUSED | CS_SEG_DESTROYED)

/* Subject of messages: "segment 'x'", "segment 'x' of uid 1000" when it
 * belongs to another user, or "segment" for an unnamed one. */
struct subject {
	char text[CS_SEG_NAME_MAX + 40];
};

static const char *subject_of(struct subject *s, const char *name,
			      uid_t owner)
{
	if (!name || !name[0])
		snprintf(s->text, sizeof(s->text), "segment");
	else if (owner != getuid())
		snprintf(s->text, sizeof(s->text), "segment '%s' of uid %u",
			 name, (unsigned)owner);
	else
		snprintf(s->text, sizeof(s->text), "segment '%s'", name);
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

int cs_segment_path(uid_t owner, const char *name, char *buf, size_t size)
{
	int n = snprintf(buf, size, CS_SEG_DIR "/chaos-shim.%u.%s",
			 (unsigned)owner, name);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* Checks the name and finds its file; -1 with err filled. */
static int path_of(uid_t owner, const char *name, char *path, char *err,
		   size_t errlen)
{
	struct subject s;

	if (cs_segment_name_check(name, err, errlen) < 0)
		return -1;
	if (cs_segment_path(owner, name, path, SEG_PATH_MAX) < 0) {
		snprintf(err, errlen, "path of %s is too long",
			 subject_of(&s, name, owner));
		return -1;
	}
	return 0;
}

static uint64_t new_instance(void)
{
	uint64_t id = 0;
	struct timespec now;

	if (getrandom(&id, sizeof(id), GRND_NONBLOCK) != (ssize_t)sizeof(id)) {
		syscall(SYS_clock_gettime, CLOCK_REALTIME, &now);
		id = ((uint64_t)getpid() << 32) ^ (uint64_t)now.tv_sec ^
		     ((uint64_t)now.tv_nsec << 20);
	}
	return id ? id : 1;
}

static void init_header(struct cs_segment *seg, uid_t owner)
{
	seg->hdr.magic = CS_SEG_MAGIC;
	seg->hdr.version = CS_SEG_VERSION;
	seg->hdr.owner_uid = (uint32_t)owner;
	seg->hdr.size = sizeof(struct cs_segment);
	seg->hdr.instance = new_instance();
	seg->hdr.creator_pid = (int32_t)getpid();
	atomic_store_explicit(&seg->hdr.generation, 0, memory_order_relaxed);
}

static struct cs_segment *map_segment(int fd)
{
	void *p = mmap(NULL, sizeof(struct cs_segment), PROT_READ | PROT_WRITE,
		       fd < 0 ? MAP_SHARED | MAP_ANONYMOUS : MAP_SHARED, fd, 0);
	return p == MAP_FAILED ? NULL : p;
}

/* One checker for both the named and the unnamed message forms. */
static int check_header_named(const struct cs_segment *seg, const char *name,
			      uid_t owner, char *err, size_t errlen)
{
	struct subject s;

	if (seg->hdr.magic != CS_SEG_MAGIC) {
		snprintf(err, errlen, "%s is not a chaos-shim segment (bad magic)",
			 subject_of(&s, name, owner));
		return -1;
	}
	if (seg->hdr.version != CS_SEG_VERSION) {
		snprintf(err, errlen, "%s has layout version %u, expected %u",
			 subject_of(&s, name, owner), seg->hdr.version,
			 CS_SEG_VERSION);
		return -1;
	}
	if (seg->hdr.size != sizeof(struct cs_segment)) {
		snprintf(err, errlen, "%s header gives size %llu, expected %zu",
			 subject_of(&s, name, owner),
			 (unsigned long long)seg->hdr.size,
			 sizeof(struct cs_segment));
		return -1;
	}
	return 0;
}

int cs_segment_check_header(const struct cs_segment *seg, char *err,
			    size_t errlen)
{
	return check_header_named(seg, NULL, getuid(), err, errlen);
}

static void fill_handle(struct cs_seg_handle *handle, struct cs_segment *seg,
			int fd, uid_t owner, const char *name)
{
	handle->seg = seg;
	handle->fd = fd;
	handle->owner = owner;
	snprintf(handle->name, sizeof(handle->name), "%s", name);
}

static bool is_destroyed(const struct cs_segment *seg)
{
	return atomic_load_explicit(&seg->hdr.armed, memory_order_acquire) &
	       CS_SEG_DESTROYED;
}

/* Removes path if it is still the file open as fd (a destroyer may have
 * removed it, and someone else made a new one there). */
static int unlink_if_same(const char *path, int fd)
{
	struct stat mine, there;

	if (fstat(fd, &mine) < 0)
		return -1;
	if (lstat(path, &there) < 0)
		return errno == ENOENT ? 0 : -1;
	if (mine.st_dev != there.st_dev || mine.st_ino != there.st_ino)
		return 0;
	return unlink(path) < 0 && errno != ENOENT ? -1 : 0;
}

/* Takes ownership of fd: on failure it is closed. Returns 0, -1 with err
 * filled, or 1 when the segment was destroyed (its file is removed, if a
 * destroyer was killed before it could). */
static int attach_existing(int fd, uid_t owner, const char *name,
			   const char *path, struct cs_seg_handle *handle,
			   char *err, size_t errlen)
{
	struct subject s;
	struct stat st;
	struct cs_segment *seg;

	subject_of(&s, name, owner);
	if (fstat(fd, &st) < 0) {
		snprintf(err, errlen, "cannot stat %s: %s", s.text,
			 errno_text(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s is not a regular file", s.text);
		goto fail;
	}
	if (st.st_uid != owner) {
		snprintf(err, errlen, "%s belongs to uid %u", s.text,
			 (unsigned)st.st_uid);
		goto fail;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		snprintf(err, errlen, "%s is open to other users (mode %04o)",
			 s.text, (unsigned)(st.st_mode & 07777));
		goto fail;
	}
	if (st.st_size != (off_t)sizeof(struct cs_segment)) {
		snprintf(err, errlen, "%s is %lld bytes, expected %zu", s.text,
			 (long long)st.st_size, sizeof(struct cs_segment));
		goto fail;
	}
	seg = map_segment(fd);
	if (!seg) {
		snprintf(err, errlen, "cannot map %s: %s", s.text,
			 errno_text(errno));
		goto fail;
	}
	if (check_header_named(seg, name, owner, err, errlen) < 0)
		goto unmap;
	if (seg->hdr.owner_uid != (uint32_t)owner) {
		snprintf(err, errlen, "%s belongs to uid %u", s.text,
			 seg->hdr.owner_uid);
		goto unmap;
	}
	if (is_destroyed(seg)) {
		unlink_if_same(path, fd);
		munmap(seg, sizeof(*seg));
		close(fd);
		return 1;
	}
	fill_handle(handle, seg, fd, owner, name);
	return 0;
unmap:
	munmap(seg, sizeof(*seg));
fail:
	close(fd);
	return -1;
}

/* Builds the segment under a temporary name and links it into place, so no
 * reader ever sees a file without its header. Returns 0 when created, 1
 * when the name was taken meanwhile, -1 on error. */
static int create_new(uid_t owner, const char *name, const char *path,
		      struct cs_seg_handle *handle, char *err, size_t errlen)
{
	static _Atomic unsigned sequence;
	char tmp[SEG_PATH_MAX];
	struct subject s;
	struct cs_segment *seg = NULL;
	int fd = -1, e;

	subject_of(&s, name, owner);
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
			 s.text, errno_text(errno));
		return -1;
	}
	/* A umask never adds bits, but fchmod makes the mode independent of it;
	 * fallocate makes a full tmpfs fail here instead of with SIGBUS later.
	 * Root may make a segment for another user, who then owns it. */
	if (fchmod(fd, 0600) < 0 ||
	    (owner != getuid() && fchown(fd, owner, (gid_t)-1) < 0) ||
	    ftruncate(fd, sizeof(struct cs_segment)) < 0 ||
	    (fallocate(fd, 0, 0, sizeof(struct cs_segment)) < 0 &&
	     errno != EOPNOTSUPP) ||
	    !(seg = map_segment(fd))) {
		e = errno;
		snprintf(err, errlen, "cannot create %s in " CS_SEG_DIR ": %s",
			 s.text, errno_text(e));
		goto fail;
	}
	init_header(seg, owner);
	if (link(tmp, path) < 0) {
		e = errno;
		if (e == EEXIST) {
			unlink(tmp);
			munmap(seg, sizeof(*seg));
			close(fd);
			return 1;
		}
		snprintf(err, errlen, "cannot create %s: %s", s.text,
			 errno_text(e));
		goto fail;
	}
	unlink(tmp);
	fill_handle(handle, seg, fd, owner, name);
	return 0;
fail:
	if (seg)
		munmap(seg, sizeof(*seg));
	unlink(tmp);
	close(fd);
	return -1;
}

static void open_error(const char *name, uid_t owner, int e, char *err,
		       size_t errlen)
{
	struct subject s;

	subject_of(&s, name, owner);
	if (e == ENOENT)
		snprintf(err, errlen, "%s does not exist", s.text);
	else if (e == ELOOP)
		snprintf(err, errlen, "%s is a symbolic link", s.text);
	else
		snprintf(err, errlen, "cannot open %s: %s", s.text,
			 errno_text(e));
}

int cs_segment_open_as(uid_t owner, const char *name, enum cs_seg_mode mode,
		       struct cs_seg_handle *handle, bool *created, char *err,
		       size_t errlen)
{
	char path[SEG_PATH_MAX];
	struct subject s;

	if (created)
		*created = false;
	handle->seg = NULL;
	handle->fd = -1;
	handle->owner = owner;
	handle->name[0] = '\0';
	if (path_of(owner, name, path, err, errlen) < 0) {
		errno = EINVAL;
		return -1;
	}
	/* Creators and destroyers may race us: retry a few rounds. */
	for (int round = 0; round < 8; round++) {
		if (mode != CS_SEG_CREATE_NEW) {
			int fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
			if (fd >= 0) {
				int r = attach_existing(fd, owner, name, path,
							handle, err, errlen);
				if (r == 0)
					return 0;
				if (r < 0) {
					/* errno says why to the controller
					 * library: here, an unusable segment. */
					if (errno == ENOENT || errno == EEXIST ||
					    errno == EINVAL)
						errno = EPROTO;
					return -1;
				}
				continue; /* destroyed: gone, or going */
			}
			if (errno != ENOENT || mode == CS_SEG_EXISTING) {
				int e = errno;
				open_error(name, owner, e, err, errlen);
				errno = e;
				return -1;
			}
		}
		int r = create_new(owner, name, path, handle, err, errlen);
		if (r <= 0) {
			if (r == 0 && created)
				*created = true;
			return r;
		}
		if (mode == CS_SEG_CREATE_NEW) {
			snprintf(err, errlen, "%s already exists",
				 subject_of(&s, name, owner));
			errno = EEXIST;
			return -1;
		}
	}
	snprintf(err, errlen, "%s keeps disappearing while being opened",
		 subject_of(&s, name, owner));
	return -1;
}

int cs_segment_open(const char *name, enum cs_seg_mode mode,
		    struct cs_seg_handle *handle, bool *created, char *err,
		    size_t errlen)
{
	return cs_segment_open_as(getuid(), name, mode, handle, created, err,
				  errlen);
}

int cs_segment_id(const struct cs_seg_handle *handle, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s:%u:%016" PRIx64, handle->name,
			 (unsigned)handle->owner, handle->seg->hdr.instance);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* "NAME:UID:INSTANCE" of CS_SEG_ID_ENV; -1 when it is not that. */
static int parse_id(const char *text, const char *name, uid_t *owner,
		    uint64_t *instance)
{
	size_t len = strlen(name);
	char *end;
	unsigned long uid;

	if (strncmp(text, name, len) != 0 || text[len] != ':' ||
	    !(text[len + 1] >= '0' && text[len + 1] <= '9'))
		return -1;
	errno = 0;
	uid = strtoul(text + len + 1, &end, 10);
	if (errno || *end != ':' || uid > UINT32_MAX || !end[1])
		return -1;
	*owner = (uid_t)uid;
	*instance = strtoull(end + 1, &end, 16);
	return errno || *end ? -1 : 0;
}

int cs_segment_attach(const char *name, struct cs_seg_handle *handle,
		      char *err, size_t errlen)
{
	const char *inherited = getenv(CS_SEG_ID_ENV);
	char id[CS_SEG_NAME_MAX + 40];
	struct subject s;
	uint64_t instance;
	uid_t owner;
	int saved = errno;

	if (!inherited || parse_id(inherited, name, &owner, &instance) < 0) {
		/* The first process of its tree. */
		if (cs_segment_open(name, CS_SEG_OPEN_OR_CREATE, handle, NULL,
				    err, errlen) < 0 ||
		    cs_segment_id(handle, id, sizeof(id)) < 0 ||
		    setenv(CS_SEG_ID_ENV, id, 1) < 0)
			goto fail;
		errno = saved;
		return 0;
	}
	/* Only a process that changed its uid after its ancestor attached
	 * (a server dropping root, then exec'ing) gets here with another
	 * owner: never attach across users. */
	if (owner != getuid()) {
		snprintf(err, errlen,
			 "%s belongs to another user than this program (uid %u), which changed its uid after its parent attached",
			 subject_of(&s, name, owner), (unsigned)getuid());
		goto fail;
	}
	if (cs_segment_open_as(owner, name, CS_SEG_EXISTING, handle, NULL, err,
			       errlen) < 0) {
		if (errno == ENOENT)
			snprintf(err, errlen,
				 "%s is gone: it was destroyed after this program's parent attached",
				 subject_of(&s, name, owner));
		goto fail;
	}
	if (handle->seg->hdr.instance != instance) {
		snprintf(err, errlen,
			 "%s was destroyed and made again since this program's parent attached",
			 subject_of(&s, name, owner));
		cs_segment_close(handle);
		goto fail;
	}
	errno = saved;
	return 0;
fail:
	errno = saved;
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
	init_header(seg, getuid());
	fill_handle(handle, seg, fd, getuid(), "");
	return 0;
}

int cs_segment_attach_fd(int fd, struct cs_seg_handle *handle, char *err,
			 size_t errlen)
{
	/* No path: nothing to remove. A private segment is never destroyed,
	 * but one that says so is refused all the same. */
	int rc = attach_existing(fd, getuid(), "", "", handle, err, errlen);
	if (rc > 0)
		snprintf(err, errlen, "segment was destroyed");
	return rc ? -1 : 0;
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

/* The state word is written by writers under the lock only, each time in
 * one store, so that no instant shows a half-made change. */
static void store_state(struct cs_segment *seg, uint32_t publishes,
			uint32_t low)
{
	atomic_store_explicit(&seg->hdr.generation,
			      (uint64_t)publishes << 32 | low,
			      memory_order_release);
}

int cs_segment_destroy(struct cs_seg_handle *handle, char *err,
		       size_t errlen)
{
	struct cs_seg_state state;
	char path[SEG_PATH_MAX];
	struct subject s;

	cs_segment_state(handle->seg, &state);
	store_state(handle->seg, state.publishes, CS_SEG_DESTROYED);
	if (handle->fd < 0)
		return 0;
	if (path_of(handle->owner, handle->name, path, err, errlen) < 0)
		return -1;
	if (unlink_if_same(path, handle->fd) < 0) {
		snprintf(err, errlen, "cannot remove %s: %s",
			 subject_of(&s, handle->name, handle->owner),
			 errno_text(errno));
		return -1;
	}
	return 0;
}

int cs_segment_unlink(uid_t owner, const char *name, char *err,
		      size_t errlen)
{
	char path[SEG_PATH_MAX];
	struct subject s;

	if (path_of(owner, name, path, err, errlen) < 0)
		return -1;
	if (unlink(path) < 0) {
		int e = errno;
		if (e == ENOENT)
			open_error(name, owner, e, err, errlen);
		else
			snprintf(err, errlen, "cannot remove %s: %s",
				 subject_of(&s, name, owner), errno_text(e));
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
	if (is_destroyed(handle->seg)) {
		flock(handle->fd, LOCK_UN);
		errno = ENOENT;
		return -1;
	}
	return 0;
}

void cs_segment_unlock(struct cs_seg_handle *handle)
{
	if (handle->fd >= 0)
		flock(handle->fd, LOCK_UN);
}

void cs_segment_state(const struct cs_segment *seg, struct cs_seg_state *out)
{
	uint64_t word = atomic_load_explicit(&seg->hdr.generation,
					     memory_order_acquire);
	uint32_t low = (uint32_t)(word & LOW_HALF);

	out->publishes = (uint32_t)(word >> 32);
	out->armed = low & ~STATE_FLAGS;
	out->paused = low & CS_SEG_PAUSED;
	out->destroyed = low & CS_SEG_DESTROYED;
}

/* The slot the state word points at. */
static const struct cs_table *current_slot(const struct cs_segment *seg,
					   uint64_t word)
{
	return &seg->slots[(word >> 32) & 1];
}

void cs_segment_current(const struct cs_segment *seg, struct cs_table *out)
{
	uint64_t word = atomic_load_explicit(&seg->hdr.generation,
					     memory_order_acquire);
	memcpy(out, current_slot(seg, word), sizeof(*out));
}

/* What the armed word says about table: its families, or only the flags
 * when paused or destroyed. */
static uint32_t armed_word(uint32_t flags, const struct cs_table *table)
{
	return flags ? flags : cs_table_armed_mask(table);
}

void cs_segment_publish(struct cs_segment *seg, const struct cs_table *table,
			bool reset_counters)
{
	uint64_t word = atomic_load_explicit(&seg->hdr.generation,
					     memory_order_relaxed);
	uint32_t publishes = (uint32_t)(word >> 32) + 1;
	struct cs_table prev, next = *table;
	struct timespec now;

	/* Skewed clocks carry on from where they are: a republish re-anchors
	 * them at the present instead of letting time jump. */
	cs_segment_current(seg, &prev);
	/* The true time, even when the writer itself runs under a skew. */
	syscall(SYS_clock_gettime, CLOCK_REALTIME, &now);
	cs_skew_rebase(&prev, &next,
		       (int64_t)now.tv_sec * 1000000000 + now.tv_nsec);
	/* Time windows run from the load, or from when a rule was enabled. */
	cs_window_rebase(&prev, &next, reset_counters, cs_window_now_ns());

	/* The idle slot may still be under copy by a reader of the previous
	 * word: order the last store of the word before these writes, so that
	 * a reader who sees any of them also sees the word move. */
	atomic_thread_fence(memory_order_seq_cst);
	memcpy(&seg->slots[publishes & 1], &next, sizeof(next));
	if (reset_counters) {
		for (size_t i = 0; i < CS_MAX_RULES; i++) {
			atomic_store_explicit(&seg->counters[i].matched, 0,
					      memory_order_relaxed);
			atomic_store_explicit(&seg->counters[i].injected, 0,
					      memory_order_relaxed);
		}
	}
	store_state(seg, publishes,
		    armed_word((uint32_t)word & STATE_FLAGS, &next));
}

void cs_segment_carry_counters(struct cs_segment *seg, const int *origin,
			       uint32_t nrules)
{
	struct cs_seg_counter *c = seg->counters;
	uint64_t matched[CS_MAX_RULES], injected[CS_MAX_RULES];

	for (size_t i = 0; i < CS_MAX_RULES; i++) {
		matched[i] = atomic_load_explicit(&c[i].matched, memory_order_relaxed);
		injected[i] = atomic_load_explicit(&c[i].injected, memory_order_relaxed);
	}
	/* A rule that stays where it was is not touched: its attached
	 * processes go on counting into it meanwhile. */
	for (size_t i = 0; i < CS_MAX_RULES; i++) {
		int from = i < nrules ? origin[i] : -1;
		if (from == (int)i)
			continue;
		atomic_store_explicit(&c[i].matched, from < 0 ? 0 : matched[from],
				      memory_order_relaxed);
		atomic_store_explicit(&c[i].injected, from < 0 ? 0 : injected[from],
				      memory_order_relaxed);
	}
}

void cs_segment_set_paused(struct cs_segment *seg, bool paused)
{
	struct cs_seg_state state;
	struct cs_table table;
	char err[8];

	cs_segment_state(seg, &state);
	if (state.destroyed)
		return;
	/* The shared slot may have been scribbled on: arm nothing from a table
	 * that does not validate. */
	cs_segment_current(seg, &table);
	if (cs_table_validate(&table, err, sizeof(err)) < 0)
		table.nrules = 0;
	store_state(seg, state.publishes,
		    armed_word(paused ? CS_SEG_PAUSED : 0, &table));
}

int cs_segment_snapshot(const struct cs_segment *seg, struct cs_table *out,
			uint64_t *generation)
{
	uint64_t word = atomic_load_explicit(&seg->hdr.generation,
					     memory_order_acquire);

	memcpy(out, current_slot(seg, word), sizeof(*out));
	atomic_thread_fence(memory_order_acquire);
	if (atomic_load_explicit(&seg->hdr.generation, memory_order_relaxed) !=
	    word)
		return -1;
	*generation = word;
	return 0;
}

/* kill may set errno, which belongs to the program. EPERM: it runs. */
static bool runs(pid_t pid)
{
	int saved = errno;
	bool alive = pid > 0 && !(kill(pid, 0) < 0 && errno == ESRCH);

	errno = saved;
	return alive;
}

void cs_segment_register_pid(struct cs_segment *seg, pid_t pid)
{
	/* An exec'd program takes over the entry of the image before it. */
	for (size_t i = 0; i < CS_MAX_PIDS; i++)
		if (atomic_load_explicit(&seg->pids[i], memory_order_relaxed) ==
		    pid)
			return;
	for (size_t i = 0; i < CS_MAX_PIDS; i++) {
		int32_t expected = 0;
		if (atomic_compare_exchange_strong(&seg->pids[i], &expected, pid))
			return;
	}
	/* Full: take over the entry of a process that died without leaving. */
	for (size_t i = 0; i < CS_MAX_PIDS; i++) {
		int32_t old = atomic_load_explicit(&seg->pids[i],
						   memory_order_relaxed);
		if (old > 0 && !runs(old) &&
		    atomic_compare_exchange_strong(&seg->pids[i], &old, pid))
			break;
	}
}

void cs_segment_unregister_pid(struct cs_segment *seg, pid_t pid)
{
	for (size_t i = 0; i < CS_MAX_PIDS; i++) {
		int32_t expected = pid;
		if (atomic_compare_exchange_strong(&seg->pids[i], &expected, 0))
			return;
	}
}

size_t cs_segment_live_pids(const struct cs_segment *seg, pid_t *pids)
{
	size_t n = 0;

	for (size_t i = 0; i < CS_MAX_PIDS; i++) {
		pid_t pid = atomic_load_explicit(&seg->pids[i],
						 memory_order_relaxed);
		bool seen = false;
		for (size_t j = 0; j < n && !seen; j++)
			seen = pids[j] == pid;
		/* A process killed before it could leave stays in the table. */
		if (!seen && runs(pid))
			pids[n++] = pid;
	}
	return n;
}

pid_t cs_segment_creator(const struct cs_segment *seg)
{
	pid_t pid = seg->hdr.creator_pid;

	return runs(pid) ? pid : 0;
}

bool cs_segment_is_stale(const struct cs_segment *seg)
{
	pid_t pids[CS_MAX_PIDS];

	return cs_segment_live_pids(seg, pids) == 0 && !cs_segment_creator(seg);
}
