/* `list`: the segments of this user, with their rule and process counts. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl/ctl.h"

static char prefix[64];

/* Temporaries start with a dot, so they never match the prefix. */
static int is_segment_file(const struct dirent *entry)
{
	char err[256];
	const char *name = entry->d_name;

	return strncmp(name, prefix, strlen(prefix)) == 0 &&
	       cs_segment_name_check(name + strlen(prefix), err, sizeof(err)) == 0;
}

static int list_main(const struct cs_ctl_command *cmd,
		     struct cs_ctl *ctl, int argc, char **argv)
{
	struct dirent **entries;
	struct cs_ctl_view *view;
	char err[512];
	int n, width = 0, rc = cs_ctl_parse_options(cmd, ctl, argc, argv, NULL);

	if (rc != CS_CTL_CONTINUE)
		return rc;
	snprintf(prefix, sizeof(prefix), "chaos-shim.%u.", (unsigned)getuid());
	n = scandir(CS_SEG_DIR, &entries, is_segment_file, alphasort);
	if (n < 0) {
		cs_ctl_error("cannot read " CS_SEG_DIR ": %m");
		return CS_EXIT_FAILED;
	}
	view = malloc(sizeof(*view));
	if (!view) {
		cs_ctl_error("out of memory");
		return CS_EXIT_FAILED;
	}
	for (int i = 0; i < n; i++) {
		int len = (int)(strlen(entries[i]->d_name) - strlen(prefix));
		width = len > width ? len : width;
	}
	for (int i = 0; i < n; i++) {
		const char *name = entries[i]->d_name + strlen(prefix);
		/* A broken segment is listed too (destroy removes it), and
		 * must not hide the others. */
		if (cs_ctl_collect(name, false, view, err, sizeof(err)) < 0) {
			printf("%-*s  unreadable: %s\n", width, name, err);
		} else {
			printf("%-*s  %u rule%s, %zu process%s%s\n", width, name,
			       view->table.nrules,
			       view->table.nrules == 1 ? "" : "s", view->npids,
			       view->npids == 1 ? "" : "es",
			       view->paused ? ", paused" : "");
		}
		free(entries[i]);
	}
	free(entries);
	free(view);
	return CS_EXIT_OK;
}

const struct cs_ctl_command cs_cmd_list = {
	.name = "list",
	.synopsis = "list",
	.help = "Lists this user's segments, one a line: the name, how many rules it\n"
		"holds and how many attached processes still run. A segment that cannot\n"
		"be read is listed as unreadable, with the reason; `destroy` removes it.\n",
	.run = list_main,
};
