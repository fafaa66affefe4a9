/* Live changes to a loaded table: enable, disable, set, pause, resume. */
#include "ctl/ctl.h"

static int toggle_main(const struct cs_ctl_command *cmd,
		       struct cs_ctl *ctl, int argc, char **argv)
{
	bool all = false;
	const struct cs_ctl_opt opts[] = {{"all", 'a', &all, NULL}, {0}};
	struct chaos_shim_segment seg;
	struct chaos_shim_error err;
	int first, rc = cs_ctl_parse(cmd, ctl, argc, argv, opts, false, &first);

	if (rc != CS_CTL_CONTINUE)
		return rc;
	if (all == (argc > first))
		return cs_ctl_usage_error(cmd, "expected RULE... or --all");
	seg = cs_ctl_named(ctl->segment);
	rc = cs_ctl_toggle(&seg, cmd == &cs_cmd_enable,
			   (const char *const *)argv + first,
			   (size_t)(argc - first), &err);
	return cs_ctl_report(rc, &err);
}

static int set_main(const struct cs_ctl_command *cmd, struct cs_ctl *ctl,
		    int argc, char **argv)
{
	struct chaos_shim_segment seg;
	struct chaos_shim_error err;
	int first, rc = cs_ctl_parse(cmd, ctl, argc, argv, NULL, false, &first);

	if (rc != CS_CTL_CONTINUE)
		return rc;
	if (argc - first < 2)
		return cs_ctl_usage_error(cmd, "expected RULE KEY=VALUE...");
	seg = cs_ctl_named(ctl->segment);
	rc = cs_ctl_set(&seg, argv[first], (const char *const *)argv + first + 1,
			(size_t)(argc - first - 1), &err);
	/* A pair without '=' is bad usage, as it was before the library. */
	if (rc < 0 && err.code == CHAOS_SHIM_E_USAGE)
		return cs_ctl_usage_error(cmd, "%s", err.message);
	return cs_ctl_report(rc, &err);
}

static int pause_main(const struct cs_ctl_command *cmd,
		      struct cs_ctl *ctl, int argc, char **argv)
{
	struct chaos_shim_segment seg;
	struct chaos_shim_error err;
	int rc = cs_ctl_parse_options(cmd, ctl, argc, argv, NULL);

	if (rc != CS_CTL_CONTINUE)
		return rc;
	seg = cs_ctl_named(ctl->segment);
	return cs_ctl_report(cs_ctl_set_paused(&seg, cmd == &cs_cmd_pause, &err),
			     &err);
}

const struct cs_ctl_command cs_cmd_enable = {
	.name = "enable",
	.synopsis = "[-s NAME] enable RULE...\n[-s NAME] enable --all",
	.help = "Enables the named rules, or every rule with --all. An unknown rule\n"
		"changes nothing and fails.\n",
	.needs_segment = true,
	.run = toggle_main,
};

const struct cs_ctl_command cs_cmd_disable = {
	.name = "disable",
	.synopsis = "[-s NAME] disable RULE...\n[-s NAME] disable --all",
	.help = "Disables the named rules, or every rule with --all. The rules stay in\n"
		"the table with their counters. An unknown rule changes nothing and\n"
		"fails.\n",
	.needs_segment = true,
	.run = toggle_main,
};

const struct cs_ctl_command cs_cmd_set = {
	.name = "set",
	.synopsis = "[-s NAME] set RULE KEY=VALUE...",
	.help = "Changes parameters of RULE, spelt as in a profile, for example\n"
		"`set slow-db delay_ms=500 probability=0.5`. Every pair is checked\n"
		"first: one bad pair changes nothing.\n",
	.needs_segment = true,
	.run = set_main,
};

const struct cs_ctl_command cs_cmd_pause = {
	.name = "pause",
	.synopsis = "[-s NAME] pause",
	.help = "Stops every injection at once, keeping the rules and their state;\n"
		"`resume` brings them back.\n",
	.needs_segment = true,
	.run = pause_main,
};

const struct cs_ctl_command cs_cmd_resume = {
	.name = "resume",
	.synopsis = "[-s NAME] resume",
	.help = "Undoes `pause`: the enabled rules inject again.\n",
	.needs_segment = true,
	.run = pause_main,
};
