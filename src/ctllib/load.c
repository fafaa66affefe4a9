/* Loading a profile (a file or text) into a segment, with its seed. */
#include <stdlib.h>
#include <string.h>

#include "cs_profile.h"
#include "cs_seed.h"
#include "ctllib/ctllib.h"

/* Where messages about a profile given as text point: "(profile:LINE)". */
#define TEXT_ORIGIN "profile"

int cs_ctl_compile_profile(const char *path, const char *text,
			   const char *seed_text, struct cs_table *table,
			   struct chaos_shim_error *err)
{
	char reason[CHAOS_SHIM_MESSAGE_MAX];

	memset(table, 0, sizeof(*table));
	if (path && cs_profile_compile_file(path, table, reason,
					    sizeof(reason)) < 0)
		return cs_ctl_fail(err, CHAOS_SHIM_E_PROFILE, "%s", reason);
	if (!path && text &&
	    cs_profile_compile_string(text, TEXT_ORIGIN, table, reason,
				      sizeof(reason)) < 0)
		return cs_ctl_fail(err, CHAOS_SHIM_E_PROFILE, "%s", reason);
	if (cs_seed_choose(table, seed_text, "--seed", reason, sizeof(reason)) < 0)
		return cs_ctl_fail(err, CHAOS_SHIM_E_USAGE, "%s", reason);
	return 0;
}

static int publish_locked(struct cs_seg_handle *handle, void *arg,
			  struct chaos_shim_error *err)
{
	(void)err;
	cs_segment_publish(handle->seg, arg, true);
	return 0;
}

int cs_ctl_publish_table(const struct chaos_shim_segment *seg,
			 enum cs_seg_mode mode, const struct cs_table *table,
			 struct chaos_shim_error *err)
{
	return cs_ctl_with_segment(seg, mode, publish_locked, (void *)table, err);
}

int cs_ctl_load_profile(const struct chaos_shim_segment *seg,
			enum cs_seg_mode mode, const char *path,
			const char *text, const char *seed_text,
			struct chaos_shim_error *err)
{
	struct cs_table *table = malloc(sizeof(*table));
	int rc = -1;

	if (!table)
		return cs_ctl_fail(err, CHAOS_SHIM_E_SYSTEM, "out of memory");
	if (cs_ctl_compile_profile(path, text, seed_text, table, err) == 0)
		rc = cs_ctl_publish_table(seg, mode, table, err);
	free(table);
	return rc;
}
