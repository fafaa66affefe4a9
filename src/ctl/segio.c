/* How the subcommands reach a named segment: whose it is, open, lock,
 * read, edit, destroy, and the names there are. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl/ctl.h"

/* -u USER, else (uid_t)-1: the caller's own segments. */
static uid_t chosen_owner = (uid_t)-1;

void cs_ctl_set_owner(uid_t owner)
{
	chosen_owner = owner;
}

uid_t cs_ctl_owner(void)
{
	return chosen_owner == (uid_t)-1 ? getuid() : chosen_owner;
}

/* A destroyer may take the segment away while we wait for the lock; the
 * name then holds a new segment, or none. */
#define LOCK_ROUNDS 8

int cs_ctl_with_segment(const char *name, enum cs_seg_mode mode,
			cs_ctl_locked_fn fn, void *arg, char *err,
			size_t errlen)
{
	struct cs_seg_handle handle;
	int rc;

	for (int round = 0;; round++) {
		if (cs_segment_open_as(cs_ctl_owner(), name, mode, &handle, NULL,
				       err, errlen) < 0)
			return -1;
		if (cs_segment_lock(&handle) == 0)
			break;
		int e = errno;
		cs_segment_close(&handle);
		if (e != ENOENT || round == LOCK_ROUNDS) {
			snprintf(err, errlen, "cannot lock segment '%s': %s", name,
				 strerror(e));
			return -1;
		}
	}
	rc = fn(&handle, arg, err, errlen);
	cs_segment_unlock(&handle);
	cs_segment_close(&handle);
	return rc;
}

int cs_ctl_read_table(const struct cs_seg_handle *handle,
		      struct cs_table *table, char *err, size_t errlen)
{
	char reason[256];

	cs_segment_current(handle->seg, table);
	if (cs_table_validate(table, reason, sizeof(reason)) < 0) {
		snprintf(err, errlen, "segment '%s' holds a bad table: %s",
			 handle->name, reason);
		return -1;
	}
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
		       struct edit_tables *t, char *err, size_t errlen)
{
	int origin[CS_MAX_RULES];

	if (cs_ctl_read_table(handle, &t->before, err, errlen) < 0)
		return -1;
	t->after = t->before;
	if (job->fn(&t->after, handle->name, job->arg, err, errlen) < 0)
		return -1;
	/* One key at a time can be right while the whole rule is not (a new
	 * fault whose required parameter is missing): publish nothing the
	 * shim would refuse. */
	if (cs_table_validate(&t->after, err, errlen) < 0)
		return -1;
	/* Counters follow their rule's name when add or remove moves it. */
	for (uint32_t i = 0; i < t->after.nrules; i++)
		origin[i] = cs_table_find(&t->before, t->after.rules[i].name);
	cs_segment_carry_counters(handle->seg, origin, t->after.nrules);
	cs_segment_publish(handle->seg, &t->after, false);
	return 0;
}

static int edit_locked(struct cs_seg_handle *handle, void *arg, char *err,
		       size_t errlen)
{
	struct edit_tables *t = malloc(sizeof(*t));
	int rc;

	if (!t) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rc = edit_tables(handle, arg, t, err, errlen);
	free(t);
	return rc;
}

int cs_ctl_edit_table(const char *segment, cs_ctl_edit_fn fn, void *arg,
		      char *err, size_t errlen)
{
	struct edit_job job = {fn, arg};

	return cs_ctl_with_segment(segment, CS_SEG_EXISTING, edit_locked, &job,
				   err, errlen);
}

int cs_ctl_edit(const char *segment, cs_ctl_edit_fn fn, void *arg)
{
	char err[512];

	if (cs_ctl_edit_table(segment, fn, arg, err, sizeof(err)) < 0) {
		cs_ctl_error("%s", err);
		return CS_EXIT_FAILED;
	}
	return CS_EXIT_OK;
}

struct collect_job {
	struct cs_ctl_view *view;
	bool reset;
};

static int collect_locked(struct cs_seg_handle *handle, void *arg, char *err,
			  size_t errlen)
{
	struct collect_job *job = arg;
	struct cs_ctl_view *view = job->view;
	struct cs_segment *seg = handle->seg;
	struct cs_seg_state state;

	if (cs_ctl_read_table(handle, &view->table, err, errlen) < 0)
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
	}
	view->npids = cs_segment_live_pids(seg, view->pids);
	view->creator = cs_segment_creator(seg);
	view->stale = cs_segment_is_stale(seg);
	return 0;
}

int cs_ctl_collect(const char *segment, bool reset, struct cs_ctl_view *view,
		   char *err, size_t errlen)
{
	struct collect_job job = {view, reset};

	return cs_ctl_with_segment(segment, CS_SEG_EXISTING, collect_locked,
				   &job, err, errlen);
}

static int pause_locked(struct cs_seg_handle *handle, void *arg, char *err,
			size_t errlen)
{
	(void)err;
	(void)errlen;
	cs_segment_set_paused(handle->seg, *(bool *)arg);
	return 0;
}

int cs_ctl_set_paused(const char *segment, bool paused, char *err,
		      size_t errlen)
{
	return cs_ctl_with_segment(segment, CS_SEG_EXISTING, pause_locked,
				   &paused, err, errlen);
}

static int id_locked(struct cs_seg_handle *handle, void *arg, char *err,
		     size_t errlen)
{
	if (cs_segment_id(handle, arg, CS_CTL_ID_MAX) < 0) {
		snprintf(err, errlen, "segment '%s': identity too long",
			 handle->name);
		return -1;
	}
	return 0;
}

int cs_ctl_segment_id(const char *segment, char *id, char *err, size_t errlen)
{
	return cs_ctl_with_segment(segment, CS_SEG_EXISTING, id_locked, id, err,
				   errlen);
}

struct destroy_job {
	bool only_stale;
	bool destroyed; /* disarmed for good */
};

static int destroy_locked(struct cs_seg_handle *handle, void *arg, char *err,
			  size_t errlen)
{
	struct destroy_job *job = arg;

	/* Checked under the lock, so that a program attaching meanwhile
	 * either keeps the segment or finds it gone. */
	if (job->only_stale && !cs_segment_is_stale(handle->seg))
		return 0;
	job->destroyed = true; /* disarmed, even if the file stays */
	return cs_segment_destroy(handle, err, errlen);
}

int cs_ctl_destroy(const char *segment, char *err, size_t errlen)
{
	struct destroy_job job = {.only_stale = false};

	if (cs_ctl_with_segment(segment, CS_SEG_EXISTING, destroy_locked, &job,
				err, errlen) == 0)
		return 0;
	if (job.destroyed)
		return -1; /* destroyed, but its file could not be removed */
	/* Too broken to open (an older layout, say): removed all the same;
	 * when there is nothing to remove, unlink says so. */
	return cs_segment_unlink(cs_ctl_owner(), segment, err, errlen);
}

int cs_ctl_destroy_if_stale(const char *segment, bool *destroyed, char *err,
			    size_t errlen)
{
	struct destroy_job job = {.only_stale = true};
	int rc = cs_ctl_with_segment(segment, CS_SEG_EXISTING, destroy_locked,
				     &job, err, errlen);

	*destroyed = job.destroyed;
	return rc;
}

static char prefix[64];

/* Temporaries start with a dot, so they never match the prefix. */
static int is_segment_file(const struct dirent *entry)
{
	char err[256];
	const char *name = entry->d_name;

	return strncmp(name, prefix, strlen(prefix)) == 0 &&
	       cs_segment_name_check(name + strlen(prefix), err, sizeof(err)) == 0;
}

char **cs_ctl_segment_names(char *err, size_t errlen)
{
	struct dirent **entries;
	char **names;
	int n;

	snprintf(prefix, sizeof(prefix), "chaos-shim.%u.",
		 (unsigned)cs_ctl_owner());
	n = scandir(CS_SEG_DIR, &entries, is_segment_file, alphasort);
	if (n < 0) {
		snprintf(err, errlen, "cannot read " CS_SEG_DIR ": %s",
			 strerror(errno));
		return NULL;
	}
	names = calloc((size_t)n + 1, sizeof(*names));
	for (int i = 0; i < n; i++) {
		if (names && !(names[i] = strdup(entries[i]->d_name +
						 strlen(prefix)))) {
			cs_ctl_free_names(names);
			names = NULL;
		}
		free(entries[i]);
	}
	free(entries);
	if (!names)
		snprintf(err, errlen, "out of memory");
	return names;
}

void cs_ctl_free_names(char **names)
{
	for (char **p = names; p && *p; p++)
		free(*p);
	free(names);
}
