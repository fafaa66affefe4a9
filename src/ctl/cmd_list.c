/* `list`: the segments of a user, with their rule and process counts, and
 * which ones nobody uses any more. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl.h"

static const char *state_of(const struct cs_ctl_view *view)
{
	if (view->stale)
		return view->paused ? "paused, stale" : "stale";
	return view->paused ? "paused" : "active";
}

static int list_main(const struct cs_ctl_command *cmd,
		     struct cs_ctl *ctl, int argc, char **argv)
{
	struct cs_ctl_view *view;
	struct chaos_shim_error err;
	char **names;
	int width = 4, rc = cs_ctl_parse_options(cmd, ctl, argc, argv, NULL);

	if (rc != CS_CTL_CONTINUE)
		return rc;
	names = cs_ctl_segment_names(cs_ctl_owner(), &err);
	view = malloc(sizeof(*view));
	if (!names || !view) {
		cs_ctl_error("%s", names ? "out of memory" : err.message);
		cs_ctl_free_names(names);
		free(view);
		return CS_EXIT_FAILED;
	}
	for (char **name = names; *name; name++)
		width = (int)strlen(*name) > width ? (int)strlen(*name) : width;
	if (*names)
		printf("%-*s  %5s  %9s  %7s  %s\n", width, "NAME", "RULES",
		       "PROCESSES", "CREATOR", "STATE");
	for (char **name = names; *name; name++) {
		/* A broken segment is listed too (destroy removes it), and
		 * must not hide the others. */
		struct chaos_shim_segment seg = cs_ctl_named(*name);
		if (cs_ctl_collect(&seg, false, view, &err) < 0) {
			printf("%-*s  %5s  %9s  %7s  unreadable: %s\n", width,
			       *name, "-", "-", "-", err.message);
			continue;
		}
		char creator[16] = "-";
		if (view->creator)
			snprintf(creator, sizeof(creator), "%d",
				 (int)view->creator);
		printf("%-*s  %5u  %9zu  %7s  %s\n", width, *name,
		       view->table.nrules, view->npids, creator, state_of(view));
	}
	cs_ctl_free_names(names);
	free(view);
	return CS_EXIT_OK;
}

const struct cs_ctl_command cs_cmd_list = {
	.name = "list",
	.synopsis = "[-u USER] list",
	.help = "Lists the segments of the caller (or of USER: root may list anyone's),\n"
		"one a line under a header: the name, how many rules it holds, how many\n"
		"attached processes still run, the process that created it while it\n"
		"runs (`run`, or a program that attached first; `-` once it has\n"
		"ended), and its state: active, paused, and stale when no attached\n"
		"process runs and its creator has ended. `destroy --stale` removes\n"
		"the stale ones. A segment that cannot be read is listed as\n"
		"unreadable, with the reason; `destroy -s NAME` removes it.\n",
	.run = list_main,
};
