/* How the controller library reaches a named segment: open, lock, read,
 * edit, destroy, and the names there are. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctllib/ctllib.h"

int cs_ctl_fail(struct chaos_shim_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	err->code = code;
	err->sys_errno = 0;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return -1;
}

int cs_ctl_target(struct chaos_shim_segment *seg, uid_t owner,
		  const char *name, struct chaos_shim_error *err)
{
	char reason[256];

	if (!name || cs_segment_name_check(name, reason, sizeof(reason)) < 0)
		return cs_ctl_fail(err, CHAOS_SHIM_E_USAGE, "%s",
				   name ? reason : "no segment named");
	seg->owner = owner;
	snprintf(seg->name, sizeof(seg->name), "%s", name);
	return 0;
}

/* Why the segment layer refused, from the errno it leaves. */
static int open_code(int e)
{
	switch (e) {
	case ENOENT:
		return CHAOS_SHIM_E_NO_SEGMENT;
	case EEXIST:
		return CHAOS_SHIM_E_EXISTS;
	case EINVAL:
		return CHAOS_SHIM_E_USAGE;
	case ENOMEM:
	case EMFILE:
	case ENFILE:
	case ENOSPC:
		return CHAOS_SHIM_E_SYSTEM;
	default:
		return CHAOS_SHIM_E_SEGMENT;
	}
}

/* A destroyer may take the segment away while we wait for the lock; the
 * name then holds a new segment, or none. */
#define LOCK_ROUNDS 8

int cs_ctl_with_segment(const struct chaos_shim_segment *seg,
			enum cs_seg_mode mode, cs_ctl_locked_fn fn, void *arg,
			struct chaos_shim_error *err)
{
	struct chaos_shim_error scratch;
	struct cs_seg_handle handle;
	int rc;

	if (!err)
		err = &scratch;
	for (int round = 0;; round++) {
		if (cs_segment_open_as(seg->owner, seg->name, mode, &handle, NULL,
				       err->message, sizeof(err->message)) < 0) {
			err->code = open_code(errno);
			err->sys_errno = err->code == CHAOS_SHIM_E_SYSTEM ? errno : 0;
			return -1;
		}
		if (cs_segment_lock(&handle) == 0)
			break;
		int e = errno;
		cs_segment_close(&handle);
		if (e != ENOENT || round == LOCK_ROUNDS) {
			cs_ctl_fail(err, CHAOS_SHIM_E_SYSTEM,
				    "cannot lock segment '%s': %s", seg->name,
				    strerror(e));
			err->sys_errno = e;
			return -1;
		}
	}
	rc = fn(&handle, arg, err);
	cs_segment_unlock(&handle);
	cs_segment_close(&handle);
	return rc;
}

int cs_ctl_read_table(const struct cs_seg_handle *handle,
		      struct cs_table *table, struct chaos_shim_error *err)
{
	char reason[256];

	cs_segment_current(handle->seg, table);
	if (cs_table_validate(table, reason, sizeof(reason)) < 0)
		return cs_ctl_fail(err, CHAOS_SHIM_E_SEGMENT,
				   "segment '%s' holds a bad table: %s",
				   handle->name, reason);
	return 0;
}

struct edit_job {
	cs_ctl_edit_fn fn;
	void *arg;
};

/* The current table and what the edit makes of it: on the heap, since
 * the callers' threads may have small stacks. */
struct edit_tables {
	struct cs_table before, after;
};

static int edit_tables(struct cs_seg_handle *handle, struct edit_job *job,
		       struct edit_tables *t, struct chaos_shim_error *err)
{
	char reason[CHAOS_SHIM_MESSAGE_MAX];
	int origin[CS_MAX_RULES];

	if (cs_ctl_read_table(handle, &t->before, err) < 0)
		return -1;
	t->after = t->before;
	if (job->fn(&t->after, handle->name, job->arg, err) < 0)
		return -1;
	/* One key at a time can be right while the whole rule is not (a new
	 * fault whose required parameter is missing): publish nothing the
	 * shim would refuse. */
	if (cs_table_validate(&t->after, reason, sizeof(reason)) < 0)
		return cs_ctl_fail(err, CHAOS_SHIM_E_PROFILE, "%s", reason);
	/* Counters follow their rule's name when add or remove moves it. */
	for (uint32_t i = 0; i < t->after.nrules; i++)
		origin[i] = cs_table_find(&t->before, t->after.rules[i].name);
	cs_segment_carry_counters(handle->seg, origin, t->after.nrules);
	cs_segment_publish(handle->seg, &t->after, false);
	return 0;
}

static int edit_locked(struct cs_seg_handle *handle, void *arg,
		       struct chaos_shim_error *err)
{
	struct edit_tables *t = malloc(sizeof(*t));
	int rc;

	if (!t)
		return cs_ctl_fail(err, CHAOS_SHIM_E_SYSTEM, "out of memory");
	rc = edit_tables(handle, arg, t, err);
	free(t);
	return rc;
}

int cs_ctl_edit(const struct chaos_shim_segment *seg, cs_ctl_edit_fn fn,
		void *arg, struct chaos_shim_error *err)
{
	struct edit_job job = {fn, arg};

	return cs_ctl_with_segment(seg, CS_SEG_EXISTING, edit_locked, &job, err);
}

struct collect_job {
	struct cs_ctl_view *view;
	bool reset;
};

static int collect_locked(struct cs_seg_handle *handle, void *arg,
			  struct chaos_shim_error *err)
{
	struct collect_job *job = arg;
	struct cs_ctl_view *view = job->view;
	struct cs_segment *seg = handle->seg;
	struct cs_seg_state state;

	if (cs_ctl_read_table(handle, &view->table, err) < 0)
		return -1;
	cs_segment_state(seg, &state);
	view->generation = state.publishes;
	view->paused = state.paused;
	view->armed = state.armed;
	for (size_t i = 0; i < CS_MAX_RULES; i++) {
		struct cs_seg_counter *c = &seg->counters[i];
		view->matched[i] = job->reset ? atomic_exchange(&c->matched, 0)
					      : atomic_load(&c->matched);
		view->injected[i] = job->reset ? atomic_exchange(&c->injected, 0)
					       : atomic_load(&c->injected);
		view->http2_passed[i] = job->reset
						? atomic_exchange(&c->http2_passed, 0)
						: atomic_load(&c->http2_passed);
	}
	view->log_lost = job->reset ? atomic_exchange(&seg->hdr.log_lost, 0)
				    : atomic_load(&seg->hdr.log_lost);
	view->npids = cs_segment_live_pids(seg, view->pids);
	view->creator = cs_segment_creator(seg);
	view->stale = cs_segment_is_stale(seg);
	return 0;
}

int cs_ctl_collect(const struct chaos_shim_segment *seg, bool reset,
		   struct cs_ctl_view *view, struct chaos_shim_error *err)
{
	struct collect_job job = {view, reset};

	return cs_ctl_with_segment(seg, CS_SEG_EXISTING, collect_locked, &job,
				   err);
}

static int pause_locked(struct cs_seg_handle *handle, void *arg,
			struct chaos_shim_error *err)
{
	(void)err;
	cs_segment_set_paused(handle->seg, *(bool *)arg);
	return 0;
}

int cs_ctl_set_paused(const struct chaos_shim_segment *seg, bool paused,
		      struct chaos_shim_error *err)
{
	return cs_ctl_with_segment(seg, CS_SEG_EXISTING, pause_locked, &paused,
				   err);
}

static int id_locked(struct cs_seg_handle *handle, void *arg,
		     struct chaos_shim_error *err)
{
	if (cs_segment_id(handle, arg, CS_CTL_ID_MAX) < 0)
		return cs_ctl_fail(err, CHAOS_SHIM_E_USAGE,
				   "segment '%s': identity too long", handle->name);
	return 0;
}

int cs_ctl_segment_id(const struct chaos_shim_segment *seg, char *id,
		      struct chaos_shim_error *err)
{
	return cs_ctl_with_segment(seg, CS_SEG_EXISTING, id_locked, id, err);
}

struct destroy_job {
	bool only_stale;
	bool destroyed; /* disarmed for good */
};

static int destroy_locked(struct cs_seg_handle *handle, void *arg,
			  struct chaos_shim_error *err)
{
	struct destroy_job *job = arg;

	/* Checked under the lock, so that a program attaching meanwhile
	 * either keeps the segment or finds it gone. */
	if (job->only_stale && !cs_segment_is_stale(handle->seg))
		return 0;
	job->destroyed = true; /* disarmed, even if the file stays */
	if (cs_segment_destroy(handle, err->message, sizeof(err->message)) < 0) {
		err->code = CHAOS_SHIM_E_SYSTEM;
		err->sys_errno = errno;
		return -1;
	}
	return 0;
}

int cs_ctl_destroy(const struct chaos_shim_segment *seg,
		   struct chaos_shim_error *err)
{
	struct destroy_job job = {.only_stale = false};
	struct chaos_shim_error scratch;

	if (!err)
		err = &scratch;
	if (cs_ctl_with_segment(seg, CS_SEG_EXISTING, destroy_locked, &job,
				err) == 0)
		return 0;
	if (job.destroyed)
		return -1; /* destroyed, but its file could not be removed */
	/* Too broken to open (an older layout, say): removed all the same;
	 * when there is nothing to remove, unlink says so. */
	if (cs_segment_unlink(seg->owner, seg->name, err->message,
			      sizeof(err->message)) < 0) {
		err->code = open_code(errno);
		return -1;
	}
	return 0;
}

int cs_ctl_destroy_if_stale(const struct chaos_shim_segment *seg,
			    bool *destroyed, struct chaos_shim_error *err)
{
	struct destroy_job job = {.only_stale = true};
	struct chaos_shim_error scratch;
	int rc = cs_ctl_with_segment(seg, CS_SEG_EXISTING, destroy_locked, &job,
				     err ? err : &scratch);

	*destroyed = job.destroyed;
	return rc;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Temporaries start with a dot, so they never match the prefix. */
char **cs_ctl_segment_names(uid_t owner, struct chaos_shim_error *err)
{
	char prefix[64], reason[256];
	size_t n = 0, room = 16;
	char **names = calloc(room + 1, sizeof(*names));
	struct dirent *entry;
	DIR *dir;

	if (!names)
		return cs_ctl_fail(err, CHAOS_SHIM_E_SYSTEM, "out of memory"), NULL;
	dir = opendir(CS_SEG_DIR);
	if (!dir) {
		cs_ctl_fail(err, CHAOS_SHIM_E_SYSTEM, "cannot read " CS_SEG_DIR ": %s",
			    strerror(errno));
		free(names);
		return NULL;
	}
	snprintf(prefix, sizeof(prefix), "chaos-shim.%u.", (unsigned)owner);
	while ((entry = readdir(dir))) {
		const char *name = entry->d_name + strlen(prefix);
		char **grown;
		if (strncmp(entry->d_name, prefix, strlen(prefix)) != 0 ||
		    cs_segment_name_check(name, reason, sizeof(reason)) < 0)
			continue;
		if (n == room) {
			grown = realloc(names, (2 * room + 1) * sizeof(*names));
			if (!grown)
				break;
			names = grown;
			room *= 2;
		}
		if (!(names[n] = strdup(name)))
			break;
		names[++n] = NULL;
	}
	closedir(dir);
	if (entry) { /* stopped early: out of memory */
		cs_ctl_free_names(names);
		return cs_ctl_fail(err, CHAOS_SHIM_E_SYSTEM, "out of memory"), NULL;
	}
	qsort(names, n, sizeof(*names), by_name);
	return names;
}

void cs_ctl_free_names(char **names)
{
	for (char **p = names; p && *p; p++)
		free(*p);
	free(names);
}
