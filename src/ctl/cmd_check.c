/* `check PROFILE...`: compile profiles without touching any segment. */
#include <limits.h>
#include <stdio.h>

#include "cs_profile.h"
#include "ctl/ctl.h"

static int check_main(const struct cs_ctl_command *cmd,
		      struct cs_ctl *ctl, int argc, char **argv)
{
	struct cs_table table;
	char err[512], found[PATH_MAX];
	int first, rc = cs_ctl_parse(cmd, ctl, argc, argv, NULL, false, &first);

	if (rc != CS_CTL_CONTINUE)
		return rc;
	if (first == argc)
		return cs_ctl_usage_error(cmd, "expected PROFILE...");
	rc = CS_EXIT_OK;
	for (int i = first; i < argc; i++) {
		const char *path = cs_ctl_profile_path(argv[i], found, sizeof(found));
		if (cs_profile_compile_file(path, &table, err, sizeof(err)) < 0) {
			cs_ctl_error("%s", err);
			rc = CS_EXIT_FAILED;
			continue;
		}
		printf("%s: ok (%u rule%s)\n", path, table.nrules,
		       table.nrules == 1 ? "" : "s");
	}
	return rc;
}

const struct cs_ctl_command cs_cmd_check = {
	.name = "check",
	.synopsis = "check PROFILE...",
	.help = "Compiles each PROFILE as `load` would, and prints 'PATH: ok (N rules)'\n"
		"or the first problem, with its file, line and rule. Exits with 1 when\n"
		"any profile fails.\n",
	.run = check_main,
};
