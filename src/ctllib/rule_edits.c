/* The table edits of add, remove, enable, disable and set: each checks
 * every name and value first, so that it changes all or nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs_profile.h"
#include "ctllib/ctllib.h"

/* Where messages about the rule's text point: "(add:LINE)". */
#define ADD_ORIGIN "add"

int cs_ctl_compile_rule(const char *text, struct cs_rule *rule,
			struct chaos_shim_error *err)
{
	struct cs_table *table = malloc(sizeof(*table));
	size_t len = strlen(text);
	char *profile = malloc(len + 32);
	const char *body = text + strspn(text, " \t\n");
	char reason[CHAOS_SHIM_MESSAGE_MAX];
	int rc = -1;

	if (!table || !profile) {
		cs_ctl_fail(err, CHAOS_SHIM_E_SYSTEM, "out of memory");
		goto out;
	}
	/* On the rule's first line, so that line numbers are the text's; the
	 * braces may be left out. */
	snprintf(profile, len + 32, "rules = ( %s%s%s\n);",
		 *body == '{' ? "" : "{ ", text, *body == '{' ? "" : "\n}");
	if (cs_profile_compile_string(profile, ADD_ORIGIN, table, reason,
				      sizeof(reason)) < 0) {
		cs_ctl_fail(err, CHAOS_SHIM_E_PROFILE, "%s", reason);
		goto out;
	}
	if (table->nrules != 1 || table->has_seed || table->log_path[0]) {
		cs_ctl_fail(err, CHAOS_SHIM_E_PROFILE,
			    "expected one rule in profile syntax, such as "
			    "'{ name = \"db-down\"; calls = [\"connect\"]; fault = \"reset\"; }'");
		goto out;
	}
	*rule = table->rules[0];
	rc = 0;
out:
	free(profile);
	free(table);
	return rc;
}

static struct cs_rule *find_rule(struct cs_table *table, const char *rule,
				 const char *segment,
				 struct chaos_shim_error *err)
{
	int i = cs_table_find(table, rule);

	if (i < 0) {
		cs_ctl_fail(err, CHAOS_SHIM_E_NO_RULE, "no rule '%s' in segment '%s'",
			    rule, segment);
		return NULL;
	}
	return &table->rules[i];
}

static int find_all(struct cs_table *table, const char *const *rules,
		    size_t nrules, const char *segment,
		    struct chaos_shim_error *err)
{
	for (size_t i = 0; i < nrules; i++)
		if (!find_rule(table, rules[i], segment, err))
			return -1;
	return 0;
}

static int add_edit(struct cs_table *table, const char *segment, void *arg,
		    struct chaos_shim_error *err)
{
	const struct cs_rule *rule = arg;

	if (cs_table_find(table, rule->name) >= 0)
		return cs_ctl_fail(err, CHAOS_SHIM_E_EXISTS,
				   "rule '%s' already exists in segment '%s'",
				   rule->name, segment);
	if (table->nrules >= CS_MAX_RULES)
		return cs_ctl_fail(err, CHAOS_SHIM_E_FULL,
				   "segment '%s' holds %d rules, the most it can",
				   segment, CS_MAX_RULES);
	table->rules[table->nrules++] = *rule;
	return 0;
}

int cs_ctl_add(const struct chaos_shim_segment *seg, const char *text,
	       struct chaos_shim_error *err)
{
	struct cs_rule *rule = malloc(sizeof(*rule));
	int rc = -1;

	if (!rule)
		cs_ctl_fail(err, CHAOS_SHIM_E_SYSTEM, "out of memory");
	else if (cs_ctl_compile_rule(text, rule, err) == 0)
		rc = cs_ctl_edit(seg, add_edit, rule, err);
	free(rule);
	return rc;
}

/* The rules named by remove, enable or disable. */
struct selection {
	const char *const *rules;
	size_t nrules; /* 0: every rule (enable, disable) */
	bool enable;
};

static bool selected(const struct selection *s, const char *name)
{
	for (size_t i = 0; i < s->nrules; i++)
		if (strcmp(name, s->rules[i]) == 0)
			return true;
	return s->nrules == 0;
}

static int remove_edit(struct cs_table *table, const char *segment, void *arg,
		       struct chaos_shim_error *err)
{
	const struct selection *s = arg;
	uint32_t kept = 0;

	if (find_all(table, s->rules, s->nrules, segment, err) < 0)
		return -1;
	for (uint32_t i = 0; i < table->nrules; i++)
		if (!selected(s, table->rules[i].name))
			table->rules[kept++] = table->rules[i];
	table->nrules = kept;
	return 0;
}

int cs_ctl_remove(const struct chaos_shim_segment *seg,
		  const char *const *rules, size_t nrules,
		  struct chaos_shim_error *err)
{
	struct selection s = {rules, nrules, false};

	if (nrules == 0)
		return cs_ctl_fail(err, CHAOS_SHIM_E_USAGE, "expected RULE...");
	return cs_ctl_edit(seg, remove_edit, &s, err);
}

static int toggle_edit(struct cs_table *table, const char *segment, void *arg,
		       struct chaos_shim_error *err)
{
	const struct selection *s = arg;

	if (find_all(table, s->rules, s->nrules, segment, err) < 0)
		return -1;
	for (uint32_t i = 0; i < table->nrules; i++)
		if (selected(s, table->rules[i].name))
			table->rules[i].enabled = s->enable;
	return 0;
}

int cs_ctl_toggle(const struct chaos_shim_segment *seg, bool enable,
		  const char *const *rules, size_t nrules,
		  struct chaos_shim_error *err)
{
	struct selection s = {rules, nrules, enable};

	return cs_ctl_edit(seg, toggle_edit, &s, err);
}

struct assignment {
	const char *rule;
	const char *const *pairs;
	size_t npairs;
};

static int set_edit(struct cs_table *table, const char *segment, void *arg,
		    struct chaos_shim_error *err)
{
	const struct assignment *a = arg;
	struct cs_rule *rule = find_rule(table, a->rule, segment, err);
	char reason[CHAOS_SHIM_MESSAGE_MAX];

	if (!rule)
		return -1;
	if (cs_rule_set_params(rule, (char *const *)a->pairs, (int)a->npairs,
			       reason, sizeof(reason)) < 0)
		return cs_ctl_fail(err, CHAOS_SHIM_E_PROFILE, "%s", reason);
	return 0;
}

/* The form `set` needs: a key of a profile's length before an '='. */
#define KEY_MAX 64

int cs_ctl_set(const struct chaos_shim_segment *seg, const char *rule,
	       const char *const *pairs, size_t npairs,
	       struct chaos_shim_error *err)
{
	struct assignment a = {rule, pairs, npairs};

	if (!rule || npairs == 0 || npairs > INT32_MAX)
		return cs_ctl_fail(err, CHAOS_SHIM_E_USAGE,
				   "expected RULE KEY=VALUE...");
	for (size_t i = 0; i < npairs; i++) {
		const char *eq = strchr(pairs[i], '=');
		if (!eq || eq == pairs[i] || eq - pairs[i] >= KEY_MAX)
			return cs_ctl_fail(err, CHAOS_SHIM_E_USAGE,
					   "expected KEY=VALUE, not '%s'", pairs[i]);
	}
	return cs_ctl_edit(seg, set_edit, &a, err);
}
