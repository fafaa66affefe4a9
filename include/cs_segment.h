/* The control segment: one shared-memory file per name, private to its user.
 * Writers (chaos-shim-ctl) fill the idle table slot and publish it by bumping
 * the generation; readers (the shim) copy the current slot, re-check the
 * generation and validate their private copy. The segment is untrusted input
 * to the shim: every field is checked before use. */
#ifndef CS_SEGMENT_H
#define CS_SEGMENT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cs_table.h"

#define CS_SEG_MAGIC 0x314745534f414843ull /* "CHAOSEG1" */
#define CS_SEG_VERSION 2u
#define CS_SEG_NAME_MAX 64 /* segment name, NUL included */
#define CS_SEG_DIR "/dev/shm"
#define CS_MAX_PIDS 256
#define CS_CACHELINE 64

struct cs_seg_header {
	uint64_t magic;
	uint32_t version;
	uint32_t owner_uid;
	uint64_t size; /* sizeof(struct cs_segment) */
	_Alignas(CS_CACHELINE) _Atomic uint64_t generation; /* slot = gen & 1 */
	_Atomic uint32_t armed;  /* families with an enabled rule; 0 if paused */
	_Atomic uint32_t paused;
	/* Event-log lines the shims could not write whole (full disk, no free
	 * fd, a file they may not write): kept in the header's padding, so the
	 * layout is unchanged and older segments read 0. */
	_Atomic uint64_t log_lost;
};

struct cs_seg_counter {
	_Alignas(CS_CACHELINE) _Atomic uint64_t matched;
	_Atomic uint64_t injected;
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

/* The file behind a name: CS_SEG_DIR "/chaos-shim.<uid>.<name>". */
int cs_segment_path(const char *name, char *buf, size_t size);

/* Opens (or creates, with O_EXCL and mode 0600) and maps a segment. The
 * file must belong to this user, have no group or other permission bits,
 * the exact size, magic and version; otherwise -1 with a reason in err.
 * *created (may be NULL) tells whether this call created it. */
int cs_segment_open(const char *name, enum cs_seg_mode mode,
		    struct cs_seg_handle *handle, bool *created, char *err,
		    size_t errlen);

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
int cs_segment_destroy(const char *name, char *err, size_t errlen);

/* Checks magic, version, size and owner of a mapped header. */
int cs_segment_check_header(const struct cs_segment *seg, char *err,
			    size_t errlen);

/* Writers serialise with an exclusive flock on the file (no-op when
 * anonymous). */
int cs_segment_lock(struct cs_seg_handle *handle);
void cs_segment_unlock(struct cs_seg_handle *handle);

/* The table writers start from: a copy of the current slot. */
void cs_segment_current(const struct cs_segment *seg, struct cs_table *out);

/* Writes table to the idle slot, publishes it with release ordering and
 * recomputes the armed mask. reset_counters zeroes matched/injected (load). */
void cs_segment_publish(struct cs_segment *seg, const struct cs_table *table,
			bool reset_counters);

void cs_segment_set_paused(struct cs_segment *seg, bool paused);

/* Reader side: copies the current slot into out and sets *generation.
 * Returns 0, or -1 when a writer published during the copy (the copy is
 * then torn: try again later). The caller still validates the copy. */
int cs_segment_snapshot(const struct cs_segment *seg, struct cs_table *out,
			uint64_t *generation);

/* Attached pids: a shim registers itself; status lists the live ones. */
void cs_segment_register_pid(struct cs_segment *seg, pid_t pid);
void cs_segment_unregister_pid(struct cs_segment *seg, pid_t pid);

#endif
