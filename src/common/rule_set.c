/* `chaos-shim-ctl set RULE KEY=VALUE`: typed text in, through the same key
 * table and checks as the profile compiler. */
#include "cs_profile.h"

#include <errno.h>
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
	if (k->kind == CS_KEY_NAME)
		return cs_where_fail(&w, err, errlen, "key 'name' cannot be changed");
	if (strlen(value) >= sizeof(buf))
		return cs_where_fail(&w, err, errlen, "value of '%s' is too long", key);
	if (k->kind == CS_KEY_CALLS) {
		memcpy(buf, value, strlen(value) + 1);
		if (list_from_text(buf, &v) < 0)
			return cs_where_fail(&w, err, errlen, "key 'calls' has more than %d entries",
					     CS_LIST_MAX);
	} else if (cs_key_takes_string(k)) {
		v.type = CS_VAL_STRING;
		v.s = value;
	} else {
		scalar_from_text(value, &v);
	}
	return cs_key_apply(k, rule, &v, &w, err, errlen);
}
