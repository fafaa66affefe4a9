/* `check PROFILE...`: compile profiles without touching any segment. */
#include <limits.h>
#include <stdio.h>

#include "cs_profile.h"
#include "ctl/ctl.h"
#include "ctl/trap.h"

/* Says which rule `run --trap` could not apply; true when none. */
static bool trap_reaches(const char *path, const struct cs_table *table)
{
	char what[64];

	for (uint32_t i = 0; i < table->nrules; i++) {
		const struct cs_rule *rule = &table->rules[i];
		const char *why = cs_trap_unreachable(rule, what, sizeof(what));
		if (why) {
			cs_ctl_error("%s in rule '%s' (%s:%u) cannot be applied under run --trap: %s",
				     what, rule->name, path, rule->line, why);
			return false;
		}
	}
	return true;
}

static int check_main(const struct cs_ctl_command *cmd,
		      struct cs_ctl *ctl, int argc, char **argv)
{
	struct cs_table table;
	char err[512], found[PATH_MAX];
	bool trap = false;
	const struct cs_ctl_opt opts[] = {
		{"trap", 0, &trap, NULL},
		{0},
	};
	int first, rc = cs_ctl_parse(cmd, ctl, argc, argv, opts, false, &first);

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
		if (trap && !trap_reaches(path, &table)) {
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
	.synopsis = "check [--trap] PROFILE...",
	.help = "Compiles each PROFILE as `load` would, and prints 'PATH: ok (N rules)'\n"
		"or the first problem, with its file, line and rule. Exits with 1 when\n"
		"any profile fails.\n"
		"\n"
		"options:\n"
		"      --trap   also refuse what run --trap cannot apply to a static or\n"
		"               Go program (TLS, clock and DNS rules, bandwidth, loss,\n"
		"               clock_skew, eof, limit_data, slow_close, duplicate,\n"
		"               corrupt, reorder and HTTP faults), with the reason\n",
	.run = check_main,
};
