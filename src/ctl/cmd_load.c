/* `load PROFILE`: compile a profile and publish it, with its seed; and the
 * same steps for run, sweep and bisect, printing what goes wrong. */
#include <limits.h>
#include <stdlib.h>

#include "ctl/ctl.h"

int cs_ctl_compile(const char *profile, const char *seed_text,
		   struct cs_table *table)
{
	struct chaos_shim_error err;
	char found[PATH_MAX];
	const char *path =
		profile ? cs_ctl_profile_path(profile, found, sizeof(found)) : NULL;

	if (cs_ctl_compile_profile(path, NULL, seed_text, table, &err) < 0) {
		cs_ctl_error("%s", err.message);
		return -1;
	}
	return 0;
}

int cs_ctl_publish(const char *segment, enum cs_seg_mode mode,
		   const struct cs_table *table)
{
	struct chaos_shim_segment seg = cs_ctl_named(segment);
	struct chaos_shim_error err;

	if (cs_ctl_publish_table(&seg, mode, table, &err) < 0) {
		cs_ctl_error("%s", err.message);
		return -1;
	}
	return 0;
}

int cs_ctl_load(const char *segment, enum cs_seg_mode mode,
		const char *profile, const char *seed_text)
{
	struct cs_table *table = malloc(sizeof(*table));
	int rc = CS_EXIT_FAILED;

	if (!table)
		cs_ctl_error("out of memory");
	else if (cs_ctl_compile(profile, seed_text, table) == 0 &&
		 cs_ctl_publish(segment, mode, table) == 0)
		rc = CS_EXIT_OK;
	free(table);
	return rc;
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
