/* `add RULE` and `remove RULE...`: one rule in profile syntax joins the
 * live table, or named rules leave it; the others keep their counters. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs_profile.h"
#include "ctl/ctl.h"

/* Where messages about the rule's text point: "(add:LINE)". */
#define ADD_ORIGIN "add"

int cs_ctl_compile_rule(const char *text, struct cs_rule *rule, char *err,
			size_t errlen)
{
	struct cs_table *table = malloc(sizeof(*table));
	size_t len = strlen(text);
	char *profile = malloc(len + 32);
	const char *body = text + strspn(text, " \t\n");
	int rc = -1;

	if (!table || !profile) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	/* On the rule's first line, so that line numbers are the text's; the
	 * braces may be left out. */
	snprintf(profile, len + 32, "rules = ( %s%s%s\n);",
		 *body == '{' ? "" : "{ ", text, *body == '{' ? "" : "\n}");
	if (cs_profile_compile_string(profile, ADD_ORIGIN, table, err, errlen) < 0)
		goto out;
	if (table->nrules != 1 || table->has_seed || table->log_path[0]) {
		snprintf(err, errlen, "expected one rule in profile syntax, "
			 "such as '{ name = \"db-down\"; calls = [\"connect\"]; fault = \"reset\"; }'");
		goto out;
	}
	*rule = table->rules[0];
	rc = 0;
out:
	free(profile);
	free(table);
	return rc;
}

static int add_edit(struct cs_table *table, const char *segment, void *arg,
		    char *err, size_t errlen)
{
	const struct cs_rule *rule = arg;

	if (cs_table_find(table, rule->name) >= 0) {
		snprintf(err, errlen, "rule '%s' already exists in segment '%s'",
			 rule->name, segment);
		return -1;
	}
	if (table->nrules >= CS_MAX_RULES) {
		snprintf(err, errlen, "segment '%s' holds %d rules, the most it can",
			 segment, CS_MAX_RULES);
		return -1;
	}
	table->rules[table->nrules++] = *rule;
	return 0;
}

int cs_ctl_add(const char *segment, const char *text, char *err,
	       size_t errlen)
{
	struct cs_rule *rule = malloc(sizeof(*rule));
	int rc = -1;

	if (!rule)
		snprintf(err, errlen, "out of memory");
	else if (cs_ctl_compile_rule(text, rule, err, errlen) == 0)
		rc = cs_ctl_edit_table(segment, add_edit, rule, err, errlen);
	free(rule);
	return rc;
}

struct removal {
	size_t nrules;
	const char *const *rules;
};

/* Every name is checked before any rule goes: all or nothing. */
static int remove_edit(struct cs_table *table, const char *segment, void *arg,
		       char *err, size_t errlen)
{
	const struct removal *r = arg;
	uint32_t kept = 0;

	for (size_t i = 0; i < r->nrules; i++)
		if (cs_table_find(table, r->rules[i]) < 0) {
			snprintf(err, errlen, "no rule '%s' in segment '%s'",
				 r->rules[i], segment);
			return -1;
		}
	for (uint32_t i = 0; i < table->nrules; i++) {
		bool named = false;
		for (size_t j = 0; j < r->nrules && !named; j++)
			named = strcmp(table->rules[i].name, r->rules[j]) == 0;
		if (!named)
			table->rules[kept++] = table->rules[i];
	}
	table->nrules = kept;
	return 0;
}

int cs_ctl_remove(const char *segment, const char *const *rules,
		  size_t nrules, char *err, size_t errlen)
{
	struct removal r = {nrules, rules};

	return cs_ctl_edit_table(segment, remove_edit, &r, err, errlen);
}

static int add_main(const struct cs_ctl_command *cmd, struct cs_ctl *ctl,
		    int argc, char **argv)
{
	char err[512];
	int first, rc = cs_ctl_parse(cmd, ctl, argc, argv, NULL, false, &first);

	if (rc != CS_CTL_CONTINUE)
		return rc;
	if (argc - first != 1)
		return cs_ctl_usage_error(cmd, "expected one RULE (quote it)");
	if (cs_ctl_add(ctl->segment, argv[first], err, sizeof(err)) < 0) {
		cs_ctl_error("%s", err);
		return CS_EXIT_FAILED;
	}
	return CS_EXIT_OK;
}

static int remove_main(const struct cs_ctl_command *cmd, struct cs_ctl *ctl,
		       int argc, char **argv)
{
	char err[512];
	int first, rc = cs_ctl_parse(cmd, ctl, argc, argv, NULL, false, &first);

	if (rc != CS_CTL_CONTINUE)
		return rc;
	if (argc == first)
		return cs_ctl_usage_error(cmd, "expected RULE...");
	if (cs_ctl_remove(ctl->segment, (const char *const *)argv + first,
			  (size_t)(argc - first), err, sizeof(err)) < 0) {
		cs_ctl_error("%s", err);
		return CS_EXIT_FAILED;
	}
	return CS_EXIT_OK;
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
	.run = add_main,
};

const struct cs_ctl_command cs_cmd_remove = {
	.name = "remove",
	.synopsis = "[-s NAME] remove RULE...",
	.help = "Takes the named rules out of the live table; the others keep their\n"
		"counters. An unknown rule changes nothing and fails.\n",
	.needs_segment = true,
	.run = remove_main,
};
