/* `load PROFILE`: compile a profile and publish it, with its seed. */
#include <limits.h>
#include <string.h>

#include "cs_profile.h"
#include "cs_seed.h"
#include "ctl/ctl.h"

static int publish_locked(struct cs_seg_handle *handle, void *arg, char *err,
			  size_t errlen)
{
	(void)err;
	(void)errlen;
	cs_segment_publish(handle->seg, arg, true);
	return 0;
}

int cs_ctl_compile(const char *profile, const char *seed_text,
		   struct cs_table *table)
{
	char err[512], found[PATH_MAX];

	memset(table, 0, sizeof(*table));
	if (profile &&
	    cs_profile_compile_file(cs_ctl_profile_path(profile, found, sizeof(found)),
				    table, err, sizeof(err)) < 0) {
		cs_ctl_error("%s", err);
		return -1;
	}
	if (cs_seed_choose(table, seed_text, "--seed", err, sizeof(err)) < 0) {
		cs_ctl_error("%s", err);
		return -1;
	}
	return 0;
}

int cs_ctl_publish(const char *segment, enum cs_seg_mode mode,
		   const struct cs_table *table)
{
	char err[512];

	if (cs_ctl_with_segment(segment, mode, publish_locked, (void *)table,
				err, sizeof(err)) < 0) {
		cs_ctl_error("%s", err);
		return -1;
	}
	return 0;
}

int cs_ctl_load(const char *segment, enum cs_seg_mode mode,
		const char *profile, const char *seed_text)
{
	struct cs_table table;

	if (cs_ctl_compile(profile, seed_text, &table) < 0 ||
	    cs_ctl_publish(segment, mode, &table) < 0)
		return CS_EXIT_FAILED;
	return CS_EXIT_OK;
}

static int load_main(const struct cs_ctl_command *cmd, struct cs_ctl *ctl,
		     int argc, char **argv)
{
	int first, rc = cs_ctl_parse(cmd, ctl, argc, argv, NULL, false, &first);

	if (rc != CS_CTL_CONTINUE)
		return rc;
	if (argc - first != 1)
		return cs_ctl_usage_error(cmd, "expected one PROFILE");
	return cs_ctl_load(ctl->segment, CS_SEG_OPEN_OR_CREATE, argv[first],
			   NULL);
}

const struct cs_ctl_command cs_cmd_load = {
	.name = "load",
	.synopsis = "[-s NAME] load PROFILE",
	.help = "Compiles PROFILE and makes it the rule table of the segment, which is\n"
		"created (mode 0600) if it does not exist yet. Counters start from zero.\n"
		"Attached programs follow at their next intercepted call.\n"
		"\n"
		"The seed is $CHAOS_SHIM_SEED if set, else the profile's `seed`, else a\n"
		"random one (shown by `status`).\n",
	.needs_segment = true,
	.run = load_main,
};
