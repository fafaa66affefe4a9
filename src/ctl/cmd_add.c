/* `add RULE` and `remove RULE...`: one rule in profile syntax joins the
 * live table, or named rules leave it; the others keep their counters. */
#include "ctl/ctl.h"

static int add_remove_main(const struct cs_ctl_command *cmd,
			   struct cs_ctl *ctl, int argc, char **argv)
{
	bool add = cmd == &cs_cmd_add;
	struct chaos_shim_segment seg;
	struct chaos_shim_error err;
	int first, rc = cs_ctl_parse(cmd, ctl, argc, argv, NULL, false, &first);

	if (rc != CS_CTL_CONTINUE)
		return rc;
	if (add ? argc - first != 1 : argc == first)
		return cs_ctl_usage_error(cmd, add ? "expected one RULE (quote it)"
						   : "expected RULE...");
	seg = cs_ctl_named(ctl->segment);
	rc = add ? cs_ctl_add(&seg, argv[first], &err)
		 : cs_ctl_remove(&seg, (const char *const *)argv + first,
				 (size_t)(argc - first), &err);
	return cs_ctl_report(rc, &err);
}

const struct cs_ctl_command cs_cmd_add = {
	.name = "add",
	.synopsis = "[-s NAME] add RULE",
	.help = "Adds one rule, written as in a profile, to the live table, for example\n"
		"  add '{ name = \"db-down\"; calls = [\"connect\"]; peer = \"*:5432\"; fault = \"reset\"; }'\n"
		"(the braces may be left out). It is checked as `load` checks a profile;\n"
		"a rule of the same name fails. Its counters start from zero, its time\n"
		"window from now; the other rules keep theirs.\n",
	.needs_segment = true,
	.run = add_remove_main,
};

const struct cs_ctl_command cs_cmd_remove = {
	.name = "remove",
	.synopsis = "[-s NAME] remove RULE...",
	.help = "Takes the named rules out of the live table; the others keep their\n"
		"counters. An unknown rule changes nothing and fails.\n",
	.needs_segment = true,
	.run = add_remove_main,
};
