/* `load PROFILE`: compile a profile and publish it, with its seed. */
#include <limits.h>

#include "ctl/ctl.h"

static int load_main(const struct cs_ctl_command *cmd, struct cs_ctl *ctl,
		     int argc, char **argv)
{
	struct chaos_shim_segment seg;
	struct chaos_shim_error err;
	char found[PATH_MAX];
	int first, rc = cs_ctl_parse(cmd, ctl, argc, argv, NULL, false, &first);

	if (rc != CS_CTL_CONTINUE)
		return rc;
	if (argc - first != 1)
		return cs_ctl_usage_error(cmd, "expected one PROFILE");
	seg = cs_ctl_named(ctl->segment);
	return cs_ctl_report(cs_ctl_load(&seg, CS_SEG_OPEN_OR_CREATE,
					 cs_ctl_profile_path(argv[first], found,
							     sizeof(found)),
					 NULL, NULL, &err),
			     &err);
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
