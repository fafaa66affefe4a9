/* What the kinds of rule keys share, private to their files: access to a
 * key's field in a rule, and filling in a formatted value. */
#ifndef CS_KEY_KIND_H
#define CS_KEY_KIND_H

#include <stdio.h>
#include <string.h>

#include "common/rule_keys.h"

/* ---- field access */

static inline void *key_field(struct cs_rule *r, const struct cs_key *k)
{
	return (char *)r + k->offset;
}

static inline const void *key_cfield(const struct cs_rule *r, const struct cs_key *k)
{
	return (const char *)r + k->offset;
}

static inline uint8_t get_u8(const struct cs_rule *r, size_t offset)
{
	return *((const uint8_t *)r + offset);
}

static inline void put_u8(struct cs_rule *r, size_t offset, uint8_t v)
{
	*((uint8_t *)r + offset) = v;
}

static inline int32_t get_i32(const struct cs_rule *r, const struct cs_key *k)
{
	int32_t v;
	memcpy(&v, key_cfield(r, k), sizeof(v));
	return v;
}

static inline void put_i32(struct cs_rule *r, const struct cs_key *k, int32_t v)
{
	memcpy(key_field(r, k), &v, sizeof(v));
}

/* ---- what format fills in */

static inline void out_string(struct cs_param *out, const char *s)
{
	snprintf(out->text, sizeof(out->text), "%s", s);
	out->value.type = CS_VAL_STRING;
	out->value.s = out->text;
}

static inline void out_int(struct cs_param *out, int64_t i)
{
	out->value.type = CS_VAL_INT;
	out->value.i = i;
}

static inline void out_name_or_number(struct cs_param *out, const char *name,
				      int32_t n)
{
	if (name)
		out_string(out, name);
	else
		out_int(out, n);
}

/* For kinds without a notion of unset, and fields that are not fault
 * parameters (a rule keeps its name, calls and fault on a fault change). */
bool cs_key_always_set(const struct cs_key *k, const struct cs_rule *r);
void cs_key_keep(const struct cs_key *k, struct cs_rule *r);

#endif
