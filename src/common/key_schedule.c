/* Kinds of scheduling keys: match numbers (at) and program patterns
 * (process). */
#include "common/key_kind.h"

/* ---- matches: `at`, 1-based match numbers, held rising, 0 ending them */

static int matches_parse(const struct cs_key *k, struct cs_rule *r,
			 const struct cs_value *v, const struct cs_where *w,
			 char *err, size_t errlen)
{
	unsigned n = v->type == CS_VAL_LIST ? v->nitems : 1;
	uint64_t at[CS_AT_MAX] = { 0 };

	if (n > CS_AT_MAX)
		return cs_where_fail(w, err, errlen, "key '%s' holds more than %d match numbers",
				     k->name, CS_AT_MAX);
	for (unsigned i = 0; i < n; i++) {
		int64_t m = v->type == CS_VAL_LIST ? v->numbers[i] : v->i;
		unsigned j = i;
		if (m < 1)
			return cs_where_fail(w, err, errlen,
					     "%s %lld must be at least 1 (matches count from 1)",
					     k->name, (long long)m);
		/* Kept in rising order, so that status and a profile agree. */
		while (j > 0 && at[j - 1] > (uint64_t)m) {
			at[j] = at[j - 1];
			j--;
		}
		if (j > 0 && at[j - 1] == (uint64_t)m)
			return cs_where_fail(w, err, errlen, "duplicate match number %lld in '%s'",
					     (long long)m, k->name);
		at[j] = (uint64_t)m;
	}
	memcpy(key_field(r, k), at, sizeof(at));
	return 0;
}

static int matches_check(const struct cs_key *k, const struct cs_rule *r,
			 const struct cs_where *w, char *err, size_t errlen)
{
	uint64_t at[CS_AT_MAX];
	memcpy(at, key_cfield(r, k), sizeof(at));
	for (int i = 1; i < CS_AT_MAX; i++)
		if (at[i] && at[i] <= at[i - 1])
			return cs_where_fail(w, err, errlen,
					     "match numbers of '%s' are not rising", k->name);
	return 0;
}

static bool matches_is_set(const struct cs_key *k, const struct cs_rule *r)
{
	uint64_t first;
	memcpy(&first, key_cfield(r, k), sizeof(first));
	return first != 0;
}

static void matches_format(const struct cs_key *k, const struct cs_rule *r,
			   struct cs_param *out)
{
	uint64_t at[CS_AT_MAX];
	if (!matches_is_set(k, r))
		return;
	memcpy(at, key_cfield(r, k), sizeof(at));
	out->value.type = CS_VAL_LIST;
	out->value.item_type = CS_VAL_INT;
	for (int i = 0; i < CS_AT_MAX && at[i] && at[i] <= INT64_MAX; i++)
		out->value.numbers[out->value.nitems++] = (int64_t)at[i];
}

static void matches_reset(const struct cs_key *k, struct cs_rule *r)
{
	memset(key_field(r, k), 0, CS_AT_MAX * sizeof(uint64_t));
}

const struct cs_key_kind cs_kind_matches = {
	.wants = "a list of match numbers",
	.accepts = CS_VALUES(CS_VAL_LIST) | CS_VALUES(CS_VAL_INT),
	.list_of = CS_VAL_INT,
	.parse = matches_parse, .check = matches_check, .format = matches_format,
	.reset = matches_reset, .is_set = matches_is_set,
};

/* ---- patterns: `process`, globs each ended by a NUL, "" ending them */

static bool pattern_ok(const char *p)
{
	for (; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == '"' || *p == '\\')
			return false;
	return true;
}

static int patterns_parse(const struct cs_key *k, struct cs_rule *r,
			  const struct cs_value *v, const struct cs_where *w,
			  char *err, size_t errlen)
{
	unsigned n = v->type == CS_VAL_LIST ? v->nitems : 1;
	char *buf = key_field(r, k);
	size_t len = 0;

	memset(buf, 0, CS_PROCESS_MAX);
	for (unsigned i = 0; i < n; i++) {
		const char *p = v->type == CS_VAL_LIST ? v->items[i] : v->s;
		size_t plen = strlen(p);
		if (!plen)
			return cs_where_fail(w, err, errlen, "empty pattern in '%s'", k->name);
		if (!pattern_ok(p))
			return cs_where_fail(w, err, errlen,
					     "pattern '%s' of '%s' holds a control character, quote or backslash",
					     p, k->name);
		/* Room for this one's NUL and the empty one that ends them. */
		if (len + plen + 2 > CS_PROCESS_MAX)
			return cs_where_fail(w, err, errlen,
					     "patterns of '%s' are longer than %d bytes together",
					     k->name, CS_PROCESS_MAX - 2);
		memcpy(buf + len, p, plen);
		len += plen + 1;
	}
	return 0;
}

static int patterns_check(const struct cs_key *k, const struct cs_rule *r,
			  const struct cs_where *w, char *err, size_t errlen)
{
	const char *buf = key_cfield(r, k), *end = buf + CS_PROCESS_MAX;
	const char *p = buf;

	while (p < end && *p) {
		const char *nul = memchr(p, '\0', (size_t)(end - p));
		if (!nul || nul + 1 >= end || !pattern_ok(p))
			return cs_where_fail(w, err, errlen, "bad patterns in '%s'", k->name);
		p = nul + 1;
	}
	return 0;
}

static bool patterns_is_set(const struct cs_key *k, const struct cs_rule *r)
{
	return *(const char *)key_cfield(r, k) != '\0';
}

static void patterns_format(const struct cs_key *k, const struct cs_rule *r,
			    struct cs_param *out)
{
	const char *p = key_cfield(r, k);
	size_t len = 0;

	if (!patterns_is_set(k, r))
		return;
	out->value.type = CS_VAL_LIST;
	out->value.item_type = CS_VAL_STRING;
	/* The field is smaller than text: every pattern fits, terminated. */
	for (const char *end = p + CS_PROCESS_MAX;
	     p < end && *p && out->value.nitems < CS_LIST_MAX;) {
		size_t plen = strnlen(p, (size_t)(end - p));
		memcpy(out->text + len, p, plen);
		out->text[len + plen] = '\0';
		out->value.items[out->value.nitems++] = out->text + len;
		len += plen + 1;
		p += plen + 1;
	}
}

static void patterns_reset(const struct cs_key *k, struct cs_rule *r)
{
	memset(key_field(r, k), 0, CS_PROCESS_MAX);
}

const struct cs_key_kind cs_kind_patterns = {
	.wants = "a list of patterns",
	.accepts = CS_VALUES(CS_VAL_LIST) | CS_VALUES(CS_VAL_STRING),
	.list_of = CS_VAL_STRING,
	.parse = patterns_parse, .check = patterns_check,
	.format = patterns_format, .reset = patterns_reset,
	.is_set = patterns_is_set,
};
