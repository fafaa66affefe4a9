/* The kind of the scheduling key `at`: match numbers. (`process` is a
 * list of text, key_text.c.) */
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
