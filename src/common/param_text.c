/* A rule parameter as text, both ways: `chaos-shim-ctl set RULE KEY=VALUE`
 * in, through the same key table and checks as the profile compiler, and
 * the KEY=VALUE that `status` shows, which `set` takes back. */
#include "cs_profile.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/rule_keys.h"

#define TEXT_MAX 1024 /* longest value `set` takes */

/* Reads typed text the way libconfig would read the same literal, so
 * that `set` and a profile accept the same values. */
static void scalar_from_text(const char *s, struct cs_value *v)
{
	char *end;
	v->s = s;
	v->type = CS_VAL_STRING;
	if (strcmp(s, "true") == 0 || strcmp(s, "false") == 0) {
		v->type = CS_VAL_BOOL;
		v->b = s[0] == 't';
		return;
	}
	if (!*s)
		return;
	errno = 0;
	v->i = strtoll(s, &end, 10);
	if (!*end && errno == 0) {
		v->type = CS_VAL_INT;
		return;
	}
	v->f = strtod(s, &end);
	if (!*end)
		v->type = CS_VAL_FLOAT;
}

/* Splits "connect, send" in place; -1 when there are too many items. */
static int list_from_text(char *buf, struct cs_value *v)
{
	v->type = CS_VAL_LIST;
	v->item_type = CS_VAL_STRING;
	v->nitems = 0;
	for (char *item = buf; *item;) {
		char *comma = strchr(item, ',');
		char *end = comma ? comma : item + strlen(item);
		if (v->nitems == CS_LIST_MAX)
			return -1;
		while (*item == ' ')
			item++;
		while (end > item && end[-1] == ' ')
			end--;
		v->items[v->nitems++] = item;
		*end = '\0';
		if (!comma)
			break;
		item = comma + 1;
	}
	return 0;
}

int cs_rule_set_param(struct cs_rule *rule, const char *key, const char *value,
		      char *err, size_t errlen)
{
	char name[CS_NAME_MAX];
	char buf[TEXT_MAX];
	struct cs_value v = { 0 };
	struct cs_where w = { .rule = name };
	const struct cs_key *k = cs_key_find(key);

	snprintf(name, sizeof(name), "%.*s", CS_NAME_MAX - 1, rule->name);
	if (!k)
		return cs_where_fail(&w, err, errlen, "unknown key '%s'", key);
	if (k->flags & CS_KEY_IDENTITY)
		return cs_where_fail(&w, err, errlen, "key '%s' cannot be changed", key);
	if (strlen(value) >= sizeof(buf))
		return cs_where_fail(&w, err, errlen, "value of '%s' is too long", key);
	if (k->kind->accepts & CS_VALUES(CS_VAL_LIST)) {
		memcpy(buf, value, strlen(value) + 1);
		if (list_from_text(buf, &v) < 0)
			return cs_where_fail(&w, err, errlen, "key '%s' has more than %d entries",
					     key, CS_LIST_MAX);
	} else if (k->kind->accepts & CS_VALUES(CS_VAL_STRING)) {
		v.type = CS_VAL_STRING;
		v.s = value;
	} else {
		scalar_from_text(value, &v);
	}
	return cs_key_apply(k, rule, &v, &w, err, errlen);
}

/* The shortest text that reads back as the same double. */
static void shortest_double(double d, char *buf, size_t size)
{
	for (int digits = 15; digits <= 17; digits++) {
		snprintf(buf, size, "%.*g", digits, d);
		if (strtod(buf, NULL) == d)
			return;
	}
}

void cs_param_text(const struct cs_param *param, char *buf, size_t size)
{
	const struct cs_value *v = &param->value;
	size_t len = 0;

	buf[0] = '\0';
	switch (v->type) {
	case CS_VAL_BOOL:
		snprintf(buf, size, "%s", v->b ? "true" : "false");
		break;
	case CS_VAL_INT:
		snprintf(buf, size, "%" PRId64, v->i);
		break;
	case CS_VAL_FLOAT:
		shortest_double(v->f, buf, size);
		break;
	case CS_VAL_STRING:
		snprintf(buf, size, "%s", v->s);
		break;
	case CS_VAL_LIST:
		for (unsigned i = 0; i < v->nitems && len < size; i++) {
			const char *sep = i ? "," : "";
			if (v->item_type == CS_VAL_INT)
				len += (size_t)snprintf(buf + len, size - len, "%s%" PRId64,
							sep, v->numbers[i]);
			else
				len += (size_t)snprintf(buf + len, size - len, "%s%s",
							sep, v->items[i]);
		}
		break;
	case CS_VAL_NONE:
	case CS_VAL_OTHER:
		break;
	}
}
