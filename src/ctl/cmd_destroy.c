/* `destroy`: stop the attached programs' faults and remove the segment, or
 * every stale segment with --stale. */
#include <stdio.h>
#include <stdlib.h>

#include "ctl/ctl.h"

static int destroy_stale(void)
{
	struct chaos_shim_error err;
	char **names = cs_ctl_segment_names(cs_ctl_owner(), &err);
	int rc = CS_EXIT_OK;

	if (!names)
		return cs_ctl_report(-1, &err);
	for (char **name = names; *name; name++) {
		struct chaos_shim_segment seg = cs_ctl_named(*name);
		bool destroyed;
		int failed = cs_ctl_destroy_if_stale(&seg, &destroyed, &err);
		/* A segment that cannot be read is left to `destroy -s`. */
		if (failed && destroyed) {
			cs_ctl_error("%s", err.message);
			rc = CS_EXIT_FAILED;
		} else if (destroyed) {
			printf("destroyed %s\n", *name);
		}
	}
	cs_ctl_free_names(names);
	return rc;
}

static int destroy_main(const struct cs_ctl_command *cmd,
			struct cs_ctl *ctl, int argc, char **argv)
{
	const char *named = NULL;
	bool stale = false;
	const struct cs_ctl_opt opts[] = {
		{"stale", 0, &stale, NULL},
		{"segment", 's', NULL, &named},
		{0},
	};
	struct chaos_shim_segment seg;
	struct chaos_shim_error err;
	int rc = cs_ctl_parse_options(cmd, ctl, argc, argv, opts);

	if (rc != CS_CTL_CONTINUE)
		return rc;
	if (stale) {
		if (named || ctl->segment_given)
			return cs_ctl_usage_error(
				cmd, "--stale looks at every segment: give no -s NAME");
		return destroy_stale();
	}
	if (named)
		ctl->segment = named;
	if (cs_ctl_check_segment(cmd, ctl->segment) != CS_CTL_CONTINUE)
		return CS_EXIT_USAGE;
	seg = cs_ctl_named(ctl->segment);
	return cs_ctl_report(cs_ctl_destroy(&seg, &err), &err);
}

const struct cs_ctl_command cs_cmd_destroy = {
	.name = "destroy",
	.synopsis = "[-s NAME] destroy\n[-u USER] destroy --stale",
	.help = "Removes the segment. Attached programs pass through from that moment\n"
		"on, whatever `resume` or `load` races it; programs they start later\n"
		"do not bring it back. A later `load` under the same name creates a\n"
		"new segment that neither sees. Fails when there is no such segment;\n"
		"removes one too broken to read.\n"
		"\n"
		"options:\n"
		"      --stale  remove every segment of the user that no attached\n"
		"               process uses and whose creator has ended (`list`\n"
		"               marks them stale), one line each on stdout\n",
	.run = destroy_main,
};
