/* The control segment: one shared-memory file per user and name, private to
 * its user. Writers (chaos-shim-ctl) fill the idle table slot and publish it
 * with one store of the state word; readers (the shim) copy the current
 * slot, re-check the word and validate their private copy. The segment is
 * untrusted input to the shim: every field is checked before use. */
#ifndef CS_SEGMENT_H
#define CS_SEGMENT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cs_table.h"

#define CS_SEG_MAGIC 0x314745534f414843ull /* "CHAOSEG1" */
#define CS_SEG_VERSION 5u
#define CS_SEG_NAME_MAX 64 /* segment name, NUL included */
#define CS_SEG_DIR "/dev/shm"
#define CS_MAX_PIDS 256
#define CS_CACHELINE 64

/* Set by the first process of a tree that attaches, and by `run`: which
 * segment the tree belongs to, "NAME:UID:INSTANCE". Descendants attach to
 * that segment only, so one that was removed never comes back. */
#define CS_SEG_ID_ENV "CHAOS_SHIM_SEGMENT_ID"

/* Bits of the armed word beside the families and CS_ARM_CERT_CHECK. Both
 * come with no family armed. */
#define CS_SEG_PAUSED (1u << 30)
#define CS_SEG_DESTROYED (1u << 29) /* for good: no writer changes it again */
_Static_assert(((CS_ALL_FAMILIES | CS_ARM_CERT_CHECK) &
		(CS_SEG_PAUSED | CS_SEG_DESTROYED)) == 0,
	       "state flags overlap the armed families");

struct cs_seg_header {
	uint64_t magic;
	uint32_t version;
	uint32_t owner_uid;
	uint64_t size;     /* sizeof(struct cs_segment) */
	uint64_t instance; /* random at creation: not a later one of the name */
	int32_t creator_pid; /* `run`, `load` or the shim that created it */
	uint32_t reserved;
	/* Event-log lines the shims could not write whole (full disk, no free
	 * fd, a file they may not write): in the header's padding, so the
	 * layout is unchanged and older segments read 0. */
	_Atomic uint64_t log_lost;
	/* Everything a publish, pause, resume or destroy changes for the
	 * shim, in one word, so that a writer killed at any instant leaves it
	 * whole: the number of publishes in the high half (its low bit picks
	 * the slot), the armed families with CS_SEG_PAUSED and
	 * CS_SEG_DESTROYED in the low half. The shim tests the low half alone
	 * as its armed mask, and refreshes when the whole word changes. */
	union {
		_Alignas(CS_CACHELINE) _Atomic uint64_t generation;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		_Atomic uint32_t armed; /* the low half */
#else
		struct {
			uint32_t high_half;
			_Atomic uint32_t armed;
		};
#endif
	};
};

/* The state word, taken apart. */
struct cs_seg_state {
	uint32_t publishes;
	uint32_t armed; /* families and CS_ARM_CERT_CHECK */
	bool paused;
	bool destroyed;
};

struct cs_seg_counter {
	_Alignas(CS_CACHELINE) _Atomic uint64_t matched;
	_Atomic uint64_t injected;
	/* HTTP faults: HTTP/2 connections the rule let through untouched. */
	_Atomic uint64_t http2_passed;
};

struct cs_segment {
	struct cs_seg_header hdr;
	_Alignas(CS_CACHELINE) struct cs_table slots[2];
	struct cs_seg_counter counters[CS_MAX_RULES];
	_Alignas(CS_CACHELINE) _Atomic int32_t pids[CS_MAX_PIDS];
};

_Static_assert(sizeof(struct cs_seg_header) == 2 * CS_CACHELINE,
	       "the header's fields fit its two cache lines");

/* A mapped segment, as a writer holds it. */
struct cs_seg_handle {
	struct cs_segment *seg;
	int fd; /* -1 for an anonymous segment, or once closed */
	uid_t owner;
	char name[CS_SEG_NAME_MAX];
};

enum cs_seg_mode {
	CS_SEG_EXISTING,       /* fail if missing */
	CS_SEG_OPEN_OR_CREATE, /* create empty if missing */
	CS_SEG_CREATE_NEW      /* fail if it exists */
};

/* Names are 1..63 characters of [A-Za-z0-9._-], not starting with '.'.
 * Returns 0, or -1 with a reason in err. */
int cs_segment_name_check(const char *name, char *err, size_t errlen);

/* The file behind a name: CS_SEG_DIR "/chaos-shim.<owner>.<name>". */
int cs_segment_path(uid_t owner, const char *name, char *buf, size_t size);

/* Opens (or creates, with O_EXCL and mode 0600) and maps a segment of this
 * user. The file must belong to the user, have no group or other
 * permission bits, the exact size, magic and version, and not be
 * destroyed; otherwise -1 with a reason in err and errno ENOENT (no such
 * segment), EEXIST (CS_SEG_CREATE_NEW), EINVAL (bad name), or another
 * value (unusable, or a system call failed). *created (may be NULL) tells
 * whether this call created it. */
int cs_segment_open(const char *name, enum cs_seg_mode mode,
		    struct cs_seg_handle *handle, bool *created, char *err,
		    size_t errlen);

/* The same for the segments of owner, which only root may open or create
 * when owner is another user (a new file is then given to owner). */
int cs_segment_open_as(uid_t owner, const char *name, enum cs_seg_mode mode,
		       struct cs_seg_handle *handle, bool *created, char *err,
		       size_t errlen);

/* How the shim attaches to NAME from $CHAOS_SHIM_SEGMENT. When
 * CS_SEG_ID_ENV names this segment, an ancestor attached first: only that
 * very segment is opened (a removed one is not made again). Otherwise the
 * segment is opened or created, and CS_SEG_ID_ENV is set for children.
 * The owner is checked here, once: a process that changes its uid later
 * stays attached, but a program it execs afterwards (under another uid
 * than the tree's segment) is refused. */
int cs_segment_attach(const char *name, struct cs_seg_handle *handle,
		      char *err, size_t errlen);

/* Writes "NAME:UID:INSTANCE", the value of CS_SEG_ID_ENV, for handle. */
int cs_segment_id(const struct cs_seg_handle *handle, char *buf, size_t size);

/* A private, empty segment with no name: shared memory that children share
 * after fork. handle->fd is a close-on-exec memfd (or -1 where the kernel
 * has none), which a process may hand to the programs it execs. */
int cs_segment_anonymous(struct cs_seg_handle *handle, char *err,
			 size_t errlen);

/* Maps the private segment behind a descriptor handed down (a memfd of
 * cs_segment_anonymous), with every check of cs_segment_open. Takes fd:
 * on failure it is closed. */
int cs_segment_attach_fd(int fd, struct cs_seg_handle *handle, char *err,
			 size_t errlen);

/* Closes the descriptor but keeps the mapping (what the shim wants). */
void cs_segment_drop_fd(struct cs_seg_handle *handle);
void cs_segment_close(struct cs_seg_handle *handle);

/* Under the lock: disarms the segment for good (attached processes pass
 * through from this store on) and removes its file. Returns 0, or -1 with
 * err filled when the file could not be removed. */
int cs_segment_destroy(struct cs_seg_handle *handle, char *err,
		       size_t errlen);

/* Removes the file of a segment too broken to open (another layout
 * version, say). Returns 0, or -1 with err filled. */
int cs_segment_unlink(uid_t owner, const char *name, char *err,
		      size_t errlen);

/* Checks magic, version and size of a mapped header (the owner is checked
 * when the segment is opened). */
int cs_segment_check_header(const struct cs_segment *seg, char *err,
			    size_t errlen);

/* Writers serialise with an exclusive flock on the file (no-op when
 * anonymous). Returns 0, or -1 with errno set: ENOENT when the segment was
 * destroyed while the caller waited (it should open the name again). */
int cs_segment_lock(struct cs_seg_handle *handle);
void cs_segment_unlock(struct cs_seg_handle *handle);

void cs_segment_state(const struct cs_segment *seg, struct cs_seg_state *out);

/* The table writers start from: a copy of the current slot. */
void cs_segment_current(const struct cs_segment *seg, struct cs_table *out);

/* Writes table to the idle slot, then publishes it and its armed mask with
 * one release store. reset_counters zeroes matched/injected (load). */
void cs_segment_publish(struct cs_segment *seg, const struct cs_table *table,
			bool reset_counters);

/* Before a publish that adds or removes rules: rule i of the next table
 * takes the counters of rule origin[i] of the current one, or zeroes when
 * origin[i] is -1 (a new rule); the counters past nrules are zeroed. */
void cs_segment_carry_counters(struct cs_segment *seg, const int *origin,
			       uint32_t nrules);

/* One store too: paused arms nothing, resumed arms the current table. */
void cs_segment_set_paused(struct cs_segment *seg, bool paused);

/* Reader side: copies the current slot into out and sets *generation.
 * Returns 0, or -1 when a writer changed the state word during the copy
 * (the copy may be torn: try again later). The caller still validates the
 * copy. */
int cs_segment_snapshot(const struct cs_segment *seg, struct cs_table *out,
			uint64_t *generation);

/* Attached pids: a shim registers itself (once, also after exec); status
 * lists the live ones. */
void cs_segment_register_pid(struct cs_segment *seg, pid_t pid);
void cs_segment_unregister_pid(struct cs_segment *seg, pid_t pid);

/* The registered processes that still run, each once. Returns how many
 * were written to pids (at most CS_MAX_PIDS). */
size_t cs_segment_live_pids(const struct cs_segment *seg, pid_t *pids);

/* The process that created the segment, while it runs; else 0. */
pid_t cs_segment_creator(const struct cs_segment *seg);

/* Nobody uses it: no registered process runs and its creator is gone. */
bool cs_segment_is_stale(const struct cs_segment *seg);

#endif
