/* A compiled table written back as profile text, which compiles to the same
 * rules: the profiles `sweep` and `bisect` hand to the user. Every value
 * goes through the key table's format operation, as `status` shows it. */
#include "cs_profile.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common/rule_keys.h"

/* A libconfig string: quotes, backslashes and control bytes escaped. */
static void write_string(FILE *out, const char *s)
{
	char quoted[4 * CS_PARAM_TEXT_MAX + 3];
	cs_config_quote(s, quoted, sizeof(quoted));
	fputs(quoted, out);
}

/* libconfig reads an integer beyond 32 bits only with its L suffix. */
static void write_int(FILE *out, int64_t i)
{
	fprintf(out, "%" PRId64 "%s", i,
		i > INT32_MAX || i < INT32_MIN ? "L" : "");
}

static void write_value(FILE *out, const struct cs_param *p)
{
	const struct cs_value *v = &p->value;
	char text[CS_PARAM_TEXT_MAX];

	switch (v->type) {
	case CS_VAL_INT:
		write_int(out, v->i);
		break;
	case CS_VAL_STRING:
		write_string(out, v->s);
		break;
	case CS_VAL_LIST:
		fputc('[', out);
		for (unsigned i = 0; i < v->nitems; i++) {
			fputs(i ? ", " : "", out);
			if (v->item_type == CS_VAL_INT)
				write_int(out, v->numbers[i]);
			else
				write_string(out, v->items[i]);
		}
		fputc(']', out);
		break;
	case CS_VAL_BOOL:
	case CS_VAL_FLOAT:
	case CS_VAL_NONE:
	case CS_VAL_OTHER:
		cs_param_text(p, text, sizeof(text));
		fputs(text, out);
		break;
	}
}

/* Every key that concerns the rule, as its kind formats it: the ones
 * `status` shows apart (name, enabled, calls, fault) on the first line. */
static void write_rule(FILE *out, const struct cs_rule *r)
{
	struct cs_param p;

	fputs("  {", out);
	for (size_t i = 0; i < cs_nkeys; i++) {
		const struct cs_key *k = &cs_keys[i];
		if (!cs_key_applies(k, r) || (k->families && !(k->families & r->calls)))
			continue;
		memset(&p.value, 0, sizeof(p.value));
		p.key = k->name;
		p.text[0] = '\0';
		k->kind->format(k, r, &p);
		if (p.value.type == CS_VAL_NONE)
			continue;
		fprintf(out, "%s%s = ", k->flags & CS_KEY_APART ? " " : "\n    ",
			k->name);
		write_value(out, &p);
		fputc(';', out);
	}
	fputs(" }", out);
}

int cs_profile_write(FILE *out, const struct cs_table *table)
{
	fprintf(out, "seed = %" PRIu64 "%s;\n", table->seed,
		table->seed > INT32_MAX ? "L" : "");
	if (table->log_path[0]) {
		fputs("log = ", out);
		write_string(out, table->log_path);
		fputs(";\n", out);
	}
	fputs("rules = (\n", out);
	for (uint32_t i = 0; i < table->nrules; i++) {
		write_rule(out, &table->rules[i]);
		fputs(i + 1 < table->nrules ? ",\n" : "\n", out);
	}
	fputs(");\n", out);
	return ferror(out) ? -1 : 0;
}
