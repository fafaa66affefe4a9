/* How the subcommands reach a named segment: open, lock, read, edit. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "ctl/ctl.h"

int cs_ctl_with_segment(const char *name, enum cs_seg_mode mode,
			cs_ctl_locked_fn fn, void *arg, char *err,
			size_t errlen)
{
	struct cs_seg_handle handle;
	int rc;

	if (cs_segment_open(name, mode, &handle, NULL, err, errlen) < 0)
		return -1;
	if (cs_segment_lock(&handle) < 0) {
		snprintf(err, errlen, "cannot lock segment '%s': %s", name,
			 strerror(errno));
		cs_segment_close(&handle);
		return -1;
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

static int edit_locked(struct cs_seg_handle *handle, void *arg, char *err,
		       size_t errlen)
{
	struct edit_job *job = arg;
	struct cs_table table;

	if (cs_ctl_read_table(handle, &table, err, errlen) < 0 ||
	    job->fn(&table, handle->name, job->arg, err, errlen) < 0)
		return -1;
	/* One key at a time can be right while the whole rule is not (a new
	 * fault whose required parameter is missing): publish nothing the
	 * shim would refuse. */
	if (cs_table_validate(&table, err, errlen) < 0)
		return -1;
	cs_segment_publish(handle->seg, &table, false);
	return 0;
}

int cs_ctl_edit(const char *segment, cs_ctl_edit_fn fn, void *arg)
{
	struct edit_job job = {fn, arg};
	char err[512];

	if (cs_ctl_with_segment(segment, CS_SEG_EXISTING, edit_locked, &job, err,
				sizeof(err)) < 0) {
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

	if (cs_ctl_read_table(handle, &view->table, err, errlen) < 0)
		return -1;
	view->generation = atomic_load(&seg->hdr.generation);
	view->paused = atomic_load(&seg->hdr.paused) != 0;
	view->armed = atomic_load(&seg->hdr.armed);
	for (size_t i = 0; i < CS_MAX_RULES; i++) {
		struct cs_seg_counter *c = &seg->counters[i];
		view->matched[i] = job->reset ? atomic_exchange(&c->matched, 0)
					      : atomic_load(&c->matched);
		view->injected[i] = job->reset ? atomic_exchange(&c->injected, 0)
					       : atomic_load(&c->injected);
	}
	view->log_lost = job->reset ? atomic_exchange(&seg->hdr.log_lost, 0)
				    : atomic_load(&seg->hdr.log_lost);
	/* A process killed before it could leave stays in the table. */
	view->npids = 0;
	for (size_t i = 0; i < CS_MAX_PIDS; i++) {
		pid_t pid = atomic_load(&seg->pids[i]);
		if (pid > 0 && !(kill(pid, 0) < 0 && errno == ESRCH))
			view->pids[view->npids++] = pid;
	}
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
