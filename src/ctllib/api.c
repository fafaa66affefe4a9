/* The public functions of libchaos-shim-ctl (include/chaos-shim/ctl.h):
 * argument checks, then the same code chaos-shim-ctl runs, and results
 * copied into the caller's plain structs. */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cs_names.h"
#include "cs_schedule.h"
#include "ctllib/ctllib.h"

static const enum cs_seg_mode open_modes[] = {
	[CHAOS_SHIM_OPEN_EXISTING] = CS_SEG_EXISTING,
	[CHAOS_SHIM_OPEN_OR_CREATE] = CS_SEG_OPEN_OR_CREATE,
	[CHAOS_SHIM_CREATE_NEW] = CS_SEG_CREATE_NEW,
};

static int no_fn(struct cs_seg_handle *handle, void *arg,
		 struct chaos_shim_error *err)
{
	(void)handle;
	(void)arg;
	(void)err;
	return 0;
}

chaos_shim_segment *chaos_shim_open(const char *name, int mode,
				    struct chaos_shim_error *err)
{
	struct chaos_shim_segment *seg;

	if (mode < CHAOS_SHIM_OPEN_EXISTING || mode > CHAOS_SHIM_CREATE_NEW)
		return cs_ctl_fail(err, CHAOS_SHIM_E_USAGE, "bad open mode %d", mode),
		       NULL;
	seg = malloc(sizeof(*seg));
	if (!seg)
		return cs_ctl_fail(err, CHAOS_SHIM_E_SYSTEM, "out of memory"), NULL;
	if (cs_ctl_target(seg, getuid(), name, err) < 0 ||
	    cs_ctl_with_segment(seg, open_modes[mode], no_fn, NULL, err) < 0) {
		free(seg);
		return NULL;
	}
	return seg;
}

void chaos_shim_close(chaos_shim_segment *seg)
{
	free(seg);
}

const char *chaos_shim_name(const chaos_shim_segment *seg)
{
	return seg ? seg->name : NULL;
}

/* Every call below needs a handle and its other pointers. */
#define NEED(cond)                                                             \
	do {                                                                   \
		if (!(cond))                                                   \
			return cs_ctl_fail(err, CHAOS_SHIM_E_USAGE,            \
					   "%s: missing argument", __func__);  \
	} while (0)

int chaos_shim_load_file(chaos_shim_segment *seg, const char *path,
			 const char *seed, struct chaos_shim_error *err)
{
	NEED(seg && path);
	return cs_ctl_load_profile(seg, CS_SEG_OPEN_OR_CREATE, path, NULL, seed,
				   err);
}

int chaos_shim_load_text(chaos_shim_segment *seg, const char *text,
			 const char *seed, struct chaos_shim_error *err)
{
	NEED(seg && text);
	return cs_ctl_load_profile(seg, CS_SEG_OPEN_OR_CREATE, NULL, text, seed,
				   err);
}

int chaos_shim_add(chaos_shim_segment *seg, const char *rule,
		   struct chaos_shim_error *err)
{
	NEED(seg && rule);
	return cs_ctl_add(seg, rule, err);
}

/* A list of names: present when it has entries, and none of them NULL. */
static bool names_given(const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!names || !names[i])
			return false;
	return true;
}

int chaos_shim_remove(chaos_shim_segment *seg, const char *const *rules,
		      size_t nrules, struct chaos_shim_error *err)
{
	NEED(seg && names_given(rules, nrules));
	return cs_ctl_remove(seg, rules, nrules, err);
}

int chaos_shim_enable(chaos_shim_segment *seg, const char *const *rules,
		      size_t nrules, struct chaos_shim_error *err)
{
	NEED(seg && names_given(rules, nrules));
	return cs_ctl_toggle(seg, true, rules, nrules, err);
}

int chaos_shim_disable(chaos_shim_segment *seg, const char *const *rules,
		       size_t nrules, struct chaos_shim_error *err)
{
	NEED(seg && names_given(rules, nrules));
	return cs_ctl_toggle(seg, false, rules, nrules, err);
}

int chaos_shim_set(chaos_shim_segment *seg, const char *rule,
		   const char *const *pairs, size_t npairs,
		   struct chaos_shim_error *err)
{
	NEED(seg && rule && names_given(pairs, npairs));
	return cs_ctl_set(seg, rule, pairs, npairs, err);
}

int chaos_shim_pause(chaos_shim_segment *seg, struct chaos_shim_error *err)
{
	NEED(seg);
	return cs_ctl_set_paused(seg, true, err);
}

int chaos_shim_resume(chaos_shim_segment *seg, struct chaos_shim_error *err)
{
	NEED(seg);
	return cs_ctl_set_paused(seg, false, err);
}

int chaos_shim_destroy(chaos_shim_segment *seg, struct chaos_shim_error *err)
{
	NEED(seg);
	return cs_ctl_destroy(seg, err);
}

static struct cs_ctl_view *collect(chaos_shim_segment *seg, bool reset,
				   struct chaos_shim_error *err)
{
	struct cs_ctl_view *view = malloc(sizeof(*view));

	if (!view)
		return cs_ctl_fail(err, CHAOS_SHIM_E_SYSTEM, "out of memory"), NULL;
	if (cs_ctl_collect(seg, reset, view, err) < 0) {
		free(view);
		return NULL;
	}
	return view;
}

int chaos_shim_stats(chaos_shim_segment *seg, bool reset,
		     struct chaos_shim_stats *out, struct chaos_shim_error *err)
{
	struct cs_ctl_view *view;

	NEED(seg && out);
	if (!(view = collect(seg, reset, err)))
		return -1;
	memset(out, 0, sizeof(*out));
	out->paused = view->paused;
	out->nrules = view->table.nrules;
	for (uint32_t i = 0; i < view->table.nrules; i++) {
		struct chaos_shim_rule_stats *r = &out->rules[i];
		memcpy(r->name, view->table.rules[i].name, sizeof(r->name));
		r->enabled = view->table.rules[i].enabled;
		r->matched = view->matched[i];
		r->injected = view->injected[i];
	}
	free(view);
	return 0;
}

static void rule_status(const struct cs_ctl_view *view, uint32_t i,
			int64_t now_ns, struct chaos_shim_rule_status *out)
{
	const struct cs_rule *r = &view->table.rules[i];
	uint64_t change;

	memcpy(out->name, r->name, sizeof(out->name));
	out->enabled = r->enabled;
	out->in_window = r->enabled &&
			 (!cs_has_window(r) || cs_window_open(r, now_ns, &change));
	cs_ctl_calls_text(r->calls, out->calls, sizeof(out->calls));
	snprintf(out->fault, sizeof(out->fault), "%s", cs_fault_name(r->fault));
	cs_ctl_params_text(r, out->parameters, sizeof(out->parameters));
	out->matched = view->matched[i];
	out->injected = view->injected[i];
}

int chaos_shim_status(chaos_shim_segment *seg, struct chaos_shim_status *out,
		      struct chaos_shim_error *err)
{
	struct cs_ctl_view *view;
	int64_t now_ns = cs_window_now_ns();

	NEED(seg && out);
	if (!(view = collect(seg, false, err)))
		return -1;
	memset(out, 0, sizeof(*out));
	out->paused = view->paused;
	out->generation = view->generation;
	out->seed = view->table.seed;
	out->seed_random = !view->table.has_seed;
	memcpy(out->log, view->table.log_path, sizeof(out->log));
	out->npids = (uint32_t)view->npids;
	for (size_t i = 0; i < view->npids; i++)
		out->pids[i] = (int32_t)view->pids[i];
	out->nrules = view->table.nrules;
	for (uint32_t i = 0; i < view->table.nrules; i++)
		rule_status(view, i, now_ns, &out->rules[i]);
	free(view);
	return 0;
}

int chaos_shim_preload_library(char *buf, size_t size,
			       struct chaos_shim_error *err)
{
	const char *env = getenv("CHAOS_SHIM_LIB"), *slash;
	char *self_path = NULL;
	Dl_info self;
	int n;

	NEED(buf);
	if (env && *env) {
		n = snprintf(buf, size, "%s", env);
	} else {
		/* Absolute, whatever path the library was opened by. */
		if (!dladdr((void *)chaos_shim_preload_library, &self) ||
		    !self.dli_fname ||
		    !(self_path = realpath(self.dli_fname, NULL)) ||
		    !(slash = strrchr(self_path, '/'))) {
			free(self_path);
			return cs_ctl_fail(err, CHAOS_SHIM_E_SYSTEM,
					   "cannot tell where libchaos-shim-ctl was loaded from; set CHAOS_SHIM_LIB");
		}
		n = snprintf(buf, size, "%.*s/libchaos-shim.so",
			     (int)(slash - self_path), self_path);
		free(self_path);
	}
	if (n < 0 || (size_t)n >= size)
		return cs_ctl_fail(err, CHAOS_SHIM_E_USAGE,
				   "the preload library's path is longer than %zu bytes",
				   size - 1);
	if (access(buf, R_OK) < 0) {
		int e = errno;
		cs_ctl_fail(err, CHAOS_SHIM_E_SYSTEM, "cannot use the preload library '%s': %s",
			    buf, strerror(e));
		if (err)
			err->sys_errno = e;
		return -1;
	}
	return 0;
}

const char *chaos_shim_version(void)
{
	return CS_VERSION;
}
