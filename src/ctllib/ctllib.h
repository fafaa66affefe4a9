/* Inside the controller library (libchaos-shim-ctl), which chaos-shim-ctl
 * is built on too: a user's segment by name, work done under its writer
 * lock, the table edits, loading, and what `status`, `stats` and `list`
 * read. Every function that can fail returns 0, or -1 with err filled
 * (err may be NULL). */
#ifndef CS_CTLLIB_H
#define CS_CTLLIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "chaos-shim/ctl.h"
#include "cs_segment.h"
#include "cs_table.h"

#ifndef CS_VERSION
#define CS_VERSION "0.1.0"
#endif

/* What a handle names: a segment of owner. */
struct chaos_shim_segment {
	uid_t owner;
	char name[CS_SEG_NAME_MAX];
};

/* Fills err with code and the message; returns -1. */
int cs_ctl_fail(struct chaos_shim_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Names the segment of owner in *seg, after checking the name (E_USAGE). */
int cs_ctl_target(struct chaos_shim_segment *seg, uid_t owner,
		  const char *name, struct chaos_shim_error *err);

/* segment_access.c: opening, locking, reading, editing, destroying. */

typedef int (*cs_ctl_locked_fn)(struct cs_seg_handle *handle, void *arg,
				struct chaos_shim_error *err);

/* Opens the segment in mode, locks it, runs fn, unlocks and closes. */
int cs_ctl_with_segment(const struct chaos_shim_segment *seg,
			enum cs_seg_mode mode, cs_ctl_locked_fn fn, void *arg,
			struct chaos_shim_error *err);

/* The current table, copied and validated (call under the lock). */
int cs_ctl_read_table(const struct cs_seg_handle *handle,
		      struct cs_table *table, struct chaos_shim_error *err);

/* Changes a copy of the current table of an existing segment; nothing is
 * published when it fails. */
typedef int (*cs_ctl_edit_fn)(struct cs_table *table, const char *segment,
			      void *arg, struct chaos_shim_error *err);

/* Publishes what fn made of the current table; a rule keeps its counters
 * (found by name) when others join or leave. */
int cs_ctl_edit(const struct chaos_shim_segment *seg, cs_ctl_edit_fn fn,
		void *arg, struct chaos_shim_error *err);

int cs_ctl_set_paused(const struct chaos_shim_segment *seg, bool paused,
		      struct chaos_shim_error *err);

/* The value of CS_SEG_ID_ENV for an existing segment, for `run`. */
#define CS_CTL_ID_MAX (CS_SEG_NAME_MAX + 40)
int cs_ctl_segment_id(const struct chaos_shim_segment *seg, char *id,
		      struct chaos_shim_error *err);

/* Disarms the segment for good and removes it (a segment too broken to
 * open is removed all the same). */
int cs_ctl_destroy(const struct chaos_shim_segment *seg,
		   struct chaos_shim_error *err);

/* The same, only when the segment is stale (checked under the lock);
 * *destroyed says whether it was disarmed (then a failure means its file
 * stayed). */
int cs_ctl_destroy_if_stale(const struct chaos_shim_segment *seg,
			    bool *destroyed, struct chaos_shim_error *err);

/* The names of owner's segments, sorted, in a NULL-terminated array, or
 * NULL with err filled. */
char **cs_ctl_segment_names(uid_t owner, struct chaos_shim_error *err);
void cs_ctl_free_names(char **names);

/* Everything `status`, `stats` and `list` show, read under the lock. */
struct cs_ctl_view {
	struct cs_table table;
	uint64_t generation;
	bool paused;
	uint32_t armed;
	uint64_t matched[CS_MAX_RULES];
	uint64_t injected[CS_MAX_RULES];
	uint64_t http2_passed[CS_MAX_RULES]; /* HTTP faults: HTTP/2 let through */
	uint64_t log_lost; /* event-log lines the shims could not write */
	pid_t pids[CS_MAX_PIDS]; /* the attached ones that still run, once */
	size_t npids;
	pid_t creator;	/* the process that created it, while it runs; or 0 */
	bool stale;	/* no attached process runs, nor the creator */
};

/* Fills view from an existing segment, then zeroes the counters when
 * reset. */
int cs_ctl_collect(const struct chaos_shim_segment *seg, bool reset,
		   struct cs_ctl_view *view, struct chaos_shim_error *err);

/* load.c: compiles the profile at path, or in text, or an empty table
 * when both are NULL, and gives it its seed: seed_text when not NULL,
 * else $CHAOS_SHIM_SEED, else the profile's, else a random one. */
int cs_ctl_compile_profile(const char *path, const char *text,
			   const char *seed_text, struct cs_table *table,
			   struct chaos_shim_error *err);

/* Makes table the segment's rule table, counters from zero. */
int cs_ctl_publish_table(const struct chaos_shim_segment *seg,
			 enum cs_seg_mode mode, const struct cs_table *table,
			 struct chaos_shim_error *err);

/* Both: what `load` does. */
int cs_ctl_load_profile(const struct chaos_shim_segment *seg,
			enum cs_seg_mode mode, const char *path,
			const char *text, const char *seed_text,
			struct chaos_shim_error *err);

/* rule_edits.c: the edits of add, remove, enable, disable and set. */

/* One rule in profile syntax (braces optional), compiled as a one-rule
 * profile; messages name its place "add:LINE". */
int cs_ctl_compile_rule(const char *text, struct cs_rule *rule,
			struct chaos_shim_error *err);

/* Adds a rule given in profile syntax; fails when its name exists. */
int cs_ctl_add(const struct chaos_shim_segment *seg, const char *text,
	       struct chaos_shim_error *err);

/* Removes the named rules, all or none. */
int cs_ctl_remove(const struct chaos_shim_segment *seg,
		  const char *const *rules, size_t nrules,
		  struct chaos_shim_error *err);

/* Enables or disables the named rules, or every one when nrules is 0;
 * all or none. */
int cs_ctl_toggle(const struct chaos_shim_segment *seg, bool enable,
		  const char *const *rules, size_t nrules,
		  struct chaos_shim_error *err);

/* Sets KEY=VALUE pairs of a rule, all or none. */
int cs_ctl_set(const struct chaos_shim_segment *seg, const char *rule,
	       const char *const *pairs, size_t npairs,
	       struct chaos_shim_error *err);

/* rule_text.c: a rule as `status` writes it. */
void cs_ctl_calls_text(uint32_t calls, char *buf, size_t size);
void cs_ctl_params_text(const struct cs_rule *rule, char *buf, size_t size);

#endif
