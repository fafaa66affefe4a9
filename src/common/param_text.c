/* A rule parameter as text, both ways: `chaos-shim-ctl set RULE KEY=VALUE`
 * in, read by libconfig as a profile's value is and checked through the
 * same key table, and the KEY=VALUE that `status` shows, which `set` takes
 * back. */
#include "cs_profile.h"

#include <inttypes.h>
#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/rule_keys.h"
#include "cs_int_literals.h"

#define TEXT_MAX 1024 /* longest value `set` takes */

/* Reads text as libconfig reads the value of `KEY = TEXT;` in a profile:
 * one reader for both. NULL when it is not one value; text on one line
 * only, so that it cannot hold an @include. */
static const config_setting_t *read_value(config_t *cfg, const char *text)
{
	char line[2 * TEXT_MAX + 8]; /* room for the L suffixes */
	const config_setting_t *root;

	for (const char *p = text; *p; p++)
		if ((unsigned char)*p < 0x20)
			return NULL;
	char *wide = cs_wide_ints_suffixed(text);
	if (!wide)
		return NULL;
	snprintf(line, sizeof(line), "v = %s;", wide);
	free(wide);
	if (!config_read_string(cfg, line))
		return NULL;
	root = config_root_setting(cfg);
	return config_setting_length(root) == 1 ? config_setting_get_member(root, "v")
						: NULL;
}

/* A key that takes text may have it typed without quotes (`peer=*:80`),
 * and a list as items between commas (`calls=connect,send`). */
static bool typed_bare(const struct cs_key *k, const char *text)
{
	uint32_t textual = CS_VALUES(CS_VAL_STRING) | CS_VALUES(CS_VAL_LIST);
	return (k->kind->accepts & textual) && text[0] != '"' && text[0] != '[' &&
	       text[0] != '(';
}

/* Splits "connect, send" in place; the items of a list of integers are
 * read as a profile reads them. -1 when there are too many items. */
static int list_from_text(const struct cs_key *k, char *buf, struct cs_value *v)
{
	v->type = CS_VAL_LIST;
	v->item_type = k->kind->list_of;
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
		*end = '\0';
		if (v->item_type == CS_VAL_INT) {
			config_t cfg;
			const config_setting_t *s;
			config_init(&cfg);
			s = read_value(&cfg, item);
			if (s && config_setting_is_number(s) &&
			    config_setting_type(s) != CONFIG_TYPE_FLOAT)
				v->numbers[v->nitems] = config_setting_get_int64(s);
			else
				v->type = CS_VAL_OTHER;
			config_destroy(&cfg);
		}
		v->items[v->nitems++] = item;
		if (!comma)
			break;
		item = comma + 1;
	}
	return 0;
}

static int apply_bare(const struct cs_key *k, struct cs_rule *rule,
		      const char *text, const struct cs_where *w, char *err,
		      size_t errlen)
{
	char buf[TEXT_MAX];
	struct cs_value v = { .type = CS_VAL_STRING, .s = text };

	if (k->kind->accepts & CS_VALUES(CS_VAL_LIST)) {
		memcpy(buf, text, strlen(text) + 1);
		if (list_from_text(k, buf, &v) < 0)
			return cs_where_fail(w, err, errlen,
					     "key '%s' has more than %d entries",
					     k->name, CS_LIST_MAX);
	}
	return cs_key_apply(k, rule, &v, w, err, errlen);
}

int cs_rule_set_param(struct cs_rule *rule, const char *key, const char *value,
		      char *err, size_t errlen)
{
	char name[CS_NAME_MAX];
	struct cs_where w = { .rule = name };
	const struct cs_key *k = cs_key_find(key);
	const config_setting_t *s;
	config_t cfg;
	int rc;

	snprintf(name, sizeof(name), "%.*s", CS_NAME_MAX - 1, rule->name);
	if (!k)
		return cs_where_fail(&w, err, errlen, "unknown key '%s'", key);
	if (k->flags & CS_KEY_IDENTITY)
		return cs_where_fail(&w, err, errlen, "key '%s' cannot be changed", key);
	if (strlen(value) >= TEXT_MAX)
		return cs_where_fail(&w, err, errlen, "value of '%s' is too long", key);
	if (typed_bare(k, value))
		return apply_bare(k, rule, value, &w, err, errlen);
	config_init(&cfg);
	s = read_value(&cfg, value);
	/* What libconfig cannot read is a bare word, which the key's type
	 * check then refuses with what it wants. */
	rc = s ? cs_key_apply_setting(k, rule, s, &w, err, errlen)
	       : apply_bare(k, rule, value, &w, err, errlen);
	config_destroy(&cfg);
	return rc;
}

int cs_rule_set_params(struct cs_rule *rule, char *const *pairs, int npairs,
		       char *err, size_t errlen)
{
	struct cs_rule changed = *rule;
	struct cs_where w = { .rule = changed.name };

	for (int i = 0; i < npairs; i++) {
		char key[64];
		const char *eq = strchr(pairs[i], '=');
		if (!eq || eq - pairs[i] >= (ptrdiff_t)sizeof(key))
			return cs_where_fail(&w, err, errlen, "expected KEY=VALUE, not '%s'",
					     pairs[i]);
		snprintf(key, sizeof(key), "%.*s", (int)(eq - pairs[i]), pairs[i]);
		if (cs_rule_set_param(&changed, key, eq + 1, err, errlen) < 0)
			return -1;
	}
	if (cs_rule_check_use(&changed, &w, err, errlen) < 0)
		return -1;
	*rule = changed;
	return 0;
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

size_t cs_config_quote(const char *s, char *buf, size_t size)
{
	size_t len = 0;
	if (!size)
		return 0;
	len += (size_t)snprintf(buf + len, size - len, "\"");
	for (const unsigned char *p = (const unsigned char *)s; *p && len < size; p++) {
		if (*p == '"' || *p == '\\')
			len += (size_t)snprintf(buf + len, size - len, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			len += (size_t)snprintf(buf + len, size - len, "\\x%02x", *p);
		else
			len += (size_t)snprintf(buf + len, size - len, "%c", *p);
	}
	if (len < size)
		len += (size_t)snprintf(buf + len, size - len, "\"");
	return len < size ? len : size - 1;
}

/* Whether a string must be quoted for `set` to read it back: it holds a
 * control byte, a quote or a backslash, starts as a quoted value or a
 * list would, or (in a list) holds a comma. */
static bool needs_quotes(const char *s, bool in_list)
{
	if (strchr("\"[(", s[0]) && s[0])
		return true;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '"' || *p == '\\' ||
		    (in_list && *p == ','))
			return true;
	return false;
}

static bool list_needs_quotes(const struct cs_value *v)
{
	for (unsigned i = 0; v->item_type == CS_VAL_STRING && i < v->nitems; i++)
		if (needs_quotes(v->items[i], true))
			return true;
	return false;
}

void cs_param_text(const struct cs_param *param, char *buf, size_t size)
{
	const struct cs_value *v = &param->value;
	size_t len = 0;
	bool quoted;

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
		if (needs_quotes(v->s, false))
			cs_config_quote(v->s, buf, size);
		else
			snprintf(buf, size, "%s", v->s);
		break;
	case CS_VAL_LIST:
		/* Items that need quotes make a list as a profile spells it. */
		quoted = list_needs_quotes(v);
		if (quoted)
			len += (size_t)snprintf(buf, size, "[");
		for (unsigned i = 0; i < v->nitems && len < size; i++) {
			const char *sep = i ? "," : "";
			if (v->item_type == CS_VAL_INT)
				len += (size_t)snprintf(buf + len, size - len, "%s%" PRId64,
							sep, v->numbers[i]);
			else if (quoted) {
				len += (size_t)snprintf(buf + len, size - len, "%s", sep);
				if (len < size)
					len += cs_config_quote(v->items[i], buf + len,
							       size - len);
			} else
				len += (size_t)snprintf(buf + len, size - len, "%s%s",
							sep, v->items[i]);
		}
		if (quoted && len < size)
			snprintf(buf + len, size - len, "]");
		break;
	case CS_VAL_NONE:
	case CS_VAL_OTHER:
		break;
	}
}
