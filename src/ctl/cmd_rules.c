/* Live changes to a loaded table: enable, disable, set, pause, resume. */
#include <stdio.h>
#include <string.h>

#include "cs_profile.h"
#include "ctl/ctl.h"

static struct cs_rule *find_rule(struct cs_table *table, const char *rule,
				 const char *segment, char *err, size_t errlen)
{
	int i = cs_table_find(table, rule);

	if (i < 0) {
		snprintf(err, errlen, "no rule '%s' in segment '%s'", rule, segment);
		return NULL;
	}
	return &table->rules[i];
}

struct toggle {
	bool enable;
	bool all;
	int nrules;
	char **rules;
};

/* Every name is checked before any rule changes: all or nothing. */
static int toggle_edit(struct cs_table *table, const char *segment, void *arg,
		       char *err, size_t errlen)
{
	struct toggle *t = arg;

	for (int i = 0; i < t->nrules; i++)
		if (!find_rule(table, t->rules[i], segment, err, errlen))
			return -1;
	if (t->all)
		for (uint32_t i = 0; i < table->nrules; i++)
			table->rules[i].enabled = t->enable;
	for (int i = 0; i < t->nrules; i++)
		find_rule(table, t->rules[i], segment, err, errlen)->enabled =
			t->enable;
	return 0;
}

static int toggle_main(const struct cs_ctl_command *cmd,
		       struct cs_ctl *ctl, int argc, char **argv)
{
	struct toggle t = {.enable = cmd == &cs_cmd_enable};
	const struct cs_ctl_opt opts[] = {{"all", 'a', &t.all, NULL}, {0}};
	int first, rc = cs_ctl_parse(cmd, ctl, argc, argv, opts, false, &first);

	if (rc != CS_CTL_CONTINUE)
		return rc;
	t.nrules = argc - first;
	t.rules = argv + first;
	if (t.all == (t.nrules > 0))
		return cs_ctl_usage_error(cmd, "expected RULE... or --all");
	return cs_ctl_edit(ctl->segment, toggle_edit, &t);
}

struct assignment {
	const char *rule;
	int npairs;
	char **pairs; /* KEY=VALUE, checked for the '=' already */
};

static int set_edit(struct cs_table *table, const char *segment, void *arg,
		    char *err, size_t errlen)
{
	struct assignment *a = arg;
	struct cs_rule *rule = find_rule(table, a->rule, segment, err, errlen);

	if (!rule)
		return -1;
	return cs_rule_set_params(rule, a->pairs, a->npairs, err, errlen);
}

static int set_main(const struct cs_ctl_command *cmd, struct cs_ctl *ctl,
		    int argc, char **argv)
{
	struct assignment a;
	int first, rc = cs_ctl_parse(cmd, ctl, argc, argv, NULL, false, &first);

	if (rc != CS_CTL_CONTINUE)
		return rc;
	if (argc - first < 2)
		return cs_ctl_usage_error(cmd, "expected RULE KEY=VALUE...");
	a.rule = argv[first];
	a.npairs = argc - first - 1;
	a.pairs = argv + first + 1;
	for (int i = 0; i < a.npairs; i++) {
		const char *eq = strchr(a.pairs[i], '=');
		if (!eq || eq == a.pairs[i] || eq - a.pairs[i] >= 64)
			return cs_ctl_usage_error(cmd, "expected KEY=VALUE, not '%s'",
						  a.pairs[i]);
	}
	return cs_ctl_edit(ctl->segment, set_edit, &a);
}

static int pause_main(const struct cs_ctl_command *cmd,
		      struct cs_ctl *ctl, int argc, char **argv)
{
	char err[512];
	int rc = cs_ctl_parse_options(cmd, ctl, argc, argv, NULL);

	if (rc != CS_CTL_CONTINUE)
		return rc;
	if (cs_ctl_set_paused(ctl->segment, cmd == &cs_cmd_pause, err,
			      sizeof(err)) < 0) {
		cs_ctl_error("%s", err);
		return CS_EXIT_FAILED;
	}
	return CS_EXIT_OK;
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
