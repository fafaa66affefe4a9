/* The kinds of rule keys, each with its operations: parse a value into a
 * rule, check what a rule holds, format it back as a profile spells it,
 * and reset it to its default. A new key of an existing kind is one row in
 * rule_keys.c; a new kind is one more set of operations here. */
#include "common/rule_keys.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "cs_addr.h"
#include "cs_names.h"

/* ---- field access */

static void *field(struct cs_rule *r, const struct cs_key *k)
{
	return (char *)r + k->offset;
}

static const void *cfield(const struct cs_rule *r, const struct cs_key *k)
{
	return (const char *)r + k->offset;
}

static uint8_t get_u8(const struct cs_rule *r, size_t offset)
{
	return *((const uint8_t *)r + offset);
}

static void put_u8(struct cs_rule *r, size_t offset, uint8_t v)
{
	*((uint8_t *)r + offset) = v;
}

static uint64_t get_uint(const struct cs_rule *r, const struct cs_key *k)
{
	uint32_t v32;
	uint64_t v64;
	if (k->width == 4) {
		memcpy(&v32, cfield(r, k), sizeof(v32));
		return v32;
	}
	memcpy(&v64, cfield(r, k), sizeof(v64));
	return v64;
}

static void put_uint(struct cs_rule *r, const struct cs_key *k, uint64_t v)
{
	uint32_t v32 = (uint32_t)v;
	if (k->width == 4)
		memcpy(field(r, k), &v32, sizeof(v32));
	else
		memcpy(field(r, k), &v, sizeof(v));
}

static int32_t get_i32(const struct cs_rule *r, const struct cs_key *k)
{
	int32_t v;
	memcpy(&v, cfield(r, k), sizeof(v));
	return v;
}

static void put_i32(struct cs_rule *r, const struct cs_key *k, int32_t v)
{
	memcpy(field(r, k), &v, sizeof(v));
}

static int64_t get_i64(const struct cs_rule *r, const struct cs_key *k)
{
	int64_t v;
	memcpy(&v, cfield(r, k), sizeof(v));
	return v;
}

static void put_i64(struct cs_rule *r, const struct cs_key *k, int64_t v)
{
	memcpy(field(r, k), &v, sizeof(v));
}

static double get_real(const struct cs_rule *r, const struct cs_key *k)
{
	double v;
	memcpy(&v, cfield(r, k), sizeof(v));
	return v;
}

static void put_real(struct cs_rule *r, const struct cs_key *k, double v)
{
	memcpy(field(r, k), &v, sizeof(v));
}

/* ---- what format fills in */

static void out_string(struct cs_param *out, const char *s)
{
	snprintf(out->text, sizeof(out->text), "%s", s);
	out->value.type = CS_VAL_STRING;
	out->value.s = out->text;
}

static void out_int(struct cs_param *out, int64_t i)
{
	out->value.type = CS_VAL_INT;
	out->value.i = i;
}

static void out_name_or_number(struct cs_param *out, const char *name,
			       int32_t n)
{
	if (name)
		out_string(out, name);
	else
		out_int(out, n);
}

/* ---- shared pieces */

static bool always_set(const struct cs_key *k, const struct cs_rule *r)
{
	(void)k, (void)r;
	return true;
}

static void reset_nothing(const struct cs_key *k, struct cs_rule *r)
{
	(void)k, (void)r; /* not a parameter: the rule keeps what it has */
}

static int range_fail(const struct cs_key *k, const char *value,
		      const struct cs_where *w, char *err, size_t errlen)
{
	double scale = k->scale ? k->scale : 1;
	if (k->max >= (double)INT64_MAX)
		return cs_where_fail(w, err, errlen, "%s %s must be at least %.0f",
				     k->name, value, k->min);
	if (k->flags & CS_KEY_OPEN_MIN)
		return cs_where_fail(w, err, errlen,
				     "%s %s out of range, must be above %g and at most %g",
				     k->name, value, k->min / scale, k->max / scale);
	return cs_where_fail(w, err, errlen, "%s %s out of range %.0f..%.0f",
			     k->name, value, k->min / scale, k->max / scale);
}

static int uint_range_fail(const struct cs_key *k, long long v,
			   const struct cs_where *w, char *err, size_t errlen)
{
	char text[32];
	snprintf(text, sizeof(text), "%lld", v);
	return range_fail(k, text, w, err, errlen);
}

static int real_range_fail(const struct cs_key *k, double v,
			   const struct cs_where *w, char *err, size_t errlen)
{
	char text[32];
	snprintf(text, sizeof(text), "%g", v);
	return range_fail(k, text, w, err, errlen);
}

static bool uint_ok(const struct cs_key *k, uint64_t v)
{
	return v >= (uint64_t)k->min && v <= (uint64_t)k->max;
}

static bool real_ok(const struct cs_key *k, double v)
{
	bool above = (k->flags & CS_KEY_OPEN_MIN) ? v > k->min : v >= k->min;
	return isfinite(v) && above && v <= k->max;
}

static double number_of(const struct cs_value *v)
{
	return v->type == CS_VAL_INT ? (double)v->i : v->f;
}

/* ---- name */

/* Names are printed into JSON and the event log by code that must not
 * allocate, so they exclude what would need escaping. */
static int name_check(const struct cs_key *k, const struct cs_rule *r,
		      const struct cs_where *w, char *err, size_t errlen)
{
	size_t len = strnlen(r->name, CS_NAME_MAX);
	(void)k;
	if (len == CS_NAME_MAX)
		return cs_where_fail(w, err, errlen, "rule name is not terminated");
	if (len == 0)
		return cs_where_fail(w, err, errlen, "rule name is empty");
	for (const unsigned char *p = (const unsigned char *)r->name; *p; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '"' || *p == '\\')
			return cs_where_fail(w, err, errlen,
					     "rule name holds a control character, quote or backslash");
	return 0;
}

static int name_parse(const struct cs_key *k, struct cs_rule *r,
		      const struct cs_value *v, const struct cs_where *w,
		      char *err, size_t errlen)
{
	(void)k;
	if (strlen(v->s) >= sizeof(r->name))
		return cs_where_fail(w, err, errlen,
				     "rule name '%s' is longer than %zu bytes", v->s,
				     sizeof(r->name) - 1);
	memset(r->name, 0, sizeof(r->name));
	memcpy(r->name, v->s, strlen(v->s));
	return 0;
}

static void name_format(const struct cs_key *k, const struct cs_rule *r,
			struct cs_param *out)
{
	(void)k;
	out_string(out, r->name);
}

const struct cs_key_kind cs_kind_name = {
	.wants = "a string", .accepts = CS_VALUES(CS_VAL_STRING),
	.parse = name_parse, .check = name_check, .format = name_format,
	.reset = reset_nothing, .is_set = always_set,
};

/* ---- bool */

static int bool_parse(const struct cs_key *k, struct cs_rule *r,
		      const struct cs_value *v, const struct cs_where *w,
		      char *err, size_t errlen)
{
	(void)w, (void)err, (void)errlen;
	put_u8(r, k->offset, v->b);
	return 0;
}

static int bool_check(const struct cs_key *k, const struct cs_rule *r,
		      const struct cs_where *w, char *err, size_t errlen)
{
	uint8_t u8 = get_u8(r, k->offset);
	if (u8 > 1)
		return cs_where_fail(w, err, errlen, "%s holds %u, not true or false",
				     k->name, u8);
	return 0;
}

static void bool_format(const struct cs_key *k, const struct cs_rule *r,
			struct cs_param *out)
{
	out->value.type = CS_VAL_BOOL;
	out->value.b = get_u8(r, k->offset) != 0;
}

static void bool_reset(const struct cs_key *k, struct cs_rule *r)
{
	put_u8(r, k->offset, (uint8_t)k->def);
}

const struct cs_key_kind cs_kind_bool = {
	.wants = "true or false", .accepts = CS_VALUES(CS_VAL_BOOL),
	.parse = bool_parse, .check = bool_check, .format = bool_format,
	.reset = bool_reset, .is_set = always_set,
};

/* ---- uint: an integer field of 4 or 8 bytes */

static int uint_parse(const struct cs_key *k, struct cs_rule *r,
		      const struct cs_value *v, const struct cs_where *w,
		      char *err, size_t errlen)
{
	/* Checked before storing, as the field may be narrower. */
	if (v->i < 0 || !uint_ok(k, (uint64_t)v->i))
		return uint_range_fail(k, (long long)v->i, w, err, errlen);
	put_uint(r, k, (uint64_t)v->i);
	return 0;
}

static int uint_check(const struct cs_key *k, const struct cs_rule *r,
		      const struct cs_where *w, char *err, size_t errlen)
{
	uint64_t v = get_uint(r, k);
	if (uint_ok(k, v))
		return 0;
	char text[32];
	snprintf(text, sizeof(text), "%llu", (unsigned long long)v);
	return range_fail(k, text, w, err, errlen);
}

static void uint_format(const struct cs_key *k, const struct cs_rule *r,
			struct cs_param *out)
{
	out_int(out, (int64_t)get_uint(r, k)); /* every max fits */
}

static void uint_reset(const struct cs_key *k, struct cs_rule *r)
{
	put_uint(r, k, (uint64_t)k->def);
}

const struct cs_key_kind cs_kind_uint = {
	.wants = "an integer", .accepts = CS_VALUES(CS_VAL_INT),
	.parse = uint_parse, .check = uint_check, .format = uint_format,
	.reset = uint_reset, .is_set = always_set,
};

/* ---- real: a double */

static int real_parse(const struct cs_key *k, struct cs_rule *r,
		      const struct cs_value *v, const struct cs_where *w,
		      char *err, size_t errlen)
{
	double d = number_of(v);
	if (!real_ok(k, d))
		return real_range_fail(k, d, w, err, errlen);
	put_real(r, k, d);
	return 0;
}

static int real_check(const struct cs_key *k, const struct cs_rule *r,
		      const struct cs_where *w, char *err, size_t errlen)
{
	double d = get_real(r, k);
	return real_ok(k, d) ? 0 : real_range_fail(k, d, w, err, errlen);
}

static void real_format(const struct cs_key *k, const struct cs_rule *r,
			struct cs_param *out)
{
	out->value.type = CS_VAL_FLOAT;
	out->value.f = get_real(r, k);
}

static void real_reset(const struct cs_key *k, struct cs_rule *r)
{
	put_real(r, k, k->def);
}

const struct cs_key_kind cs_kind_real = {
	.wants = "a number",
	.accepts = CS_VALUES(CS_VAL_INT) | CS_VALUES(CS_VAL_FLOAT),
	.parse = real_parse, .check = real_check, .format = real_format,
	.reset = real_reset, .is_set = always_set,
};

/* ---- seconds: typed in seconds, held as an int64 count of 1/scale */

static int seconds_parse(const struct cs_key *k, struct cs_rule *r,
			 const struct cs_value *v, const struct cs_where *w,
			 char *err, size_t errlen)
{
	double d = number_of(v);
	if (!real_ok(k, d * k->scale))
		return real_range_fail(k, d, w, err, errlen);
	/* In range, so the conversion cannot overflow; rounds half away
	 * from zero without libm, which the shim does not link. */
	d *= k->scale;
	put_i64(r, k, (int64_t)(d < 0 ? d - 0.5 : d + 0.5));
	return 0;
}

static int seconds_check(const struct cs_key *k, const struct cs_rule *r,
			 const struct cs_where *w, char *err, size_t errlen)
{
	double d = (double)get_i64(r, k);
	return real_ok(k, d) ? 0 : real_range_fail(k, d / k->scale, w, err, errlen);
}

static void seconds_format(const struct cs_key *k, const struct cs_rule *r,
			   struct cs_param *out)
{
	int64_t v = get_i64(r, k), scale = (int64_t)k->scale;
	if (v % scale == 0) {
		out_int(out, v / scale);
	} else {
		out->value.type = CS_VAL_FLOAT;
		out->value.f = (double)v / k->scale;
	}
}

static void seconds_reset(const struct cs_key *k, struct cs_rule *r)
{
	put_i64(r, k, (int64_t)(k->def * k->scale));
}

const struct cs_key_kind cs_kind_seconds = {
	.wants = "a number",
	.accepts = CS_VALUES(CS_VAL_INT) | CS_VALUES(CS_VAL_FLOAT),
	.parse = seconds_parse, .check = seconds_check, .format = seconds_format,
	.reset = seconds_reset, .is_set = always_set,
};

/* ---- calls: a list of family names, or one name alone */

static int calls_parse(const struct cs_key *k, struct cs_rule *r,
		       const struct cs_value *v, const struct cs_where *w,
		       char *err, size_t errlen)
{
	unsigned n = v->type == CS_VAL_LIST ? v->nitems : 1;
	uint32_t calls = 0;
	(void)k;
	for (unsigned i = 0; i < n; i++) {
		const char *name = v->type == CS_VAL_LIST ? v->items[i] : v->s;
		int f = cs_family_from_name(name);
		if (f < 0)
			return cs_where_fail(w, err, errlen, "unknown call '%s'", name);
		if (calls & CS_BIT(f))
			return cs_where_fail(w, err, errlen, "duplicate call '%s'", name);
		calls |= CS_BIT(f);
	}
	r->calls = calls;
	return 0;
}

static int calls_check(const struct cs_key *k, const struct cs_rule *r,
		       const struct cs_where *w, char *err, size_t errlen)
{
	(void)k;
	if (!r->calls)
		return cs_where_fail(w, err, errlen, "key 'calls' is empty");
	if (r->calls & ~CS_ALL_FAMILIES)
		return cs_where_fail(w, err, errlen, "unknown calls 0x%x",
				     r->calls & ~CS_ALL_FAMILIES);
	return 0;
}

static void calls_format(const struct cs_key *k, const struct cs_rule *r,
			 struct cs_param *out)
{
	size_t len = 0;
	(void)k;
	out->value.type = CS_VAL_LIST;
	out->value.item_type = CS_VAL_STRING;
	out->value.nitems = 0;
	for (int f = 0; f < CS_FAM_COUNT; f++) {
		const char *name = cs_family_name(f);
		if (!(r->calls & CS_BIT(f)) ||
		    len + strlen(name) + 1 > sizeof(out->text))
			continue;
		memcpy(out->text + len, name, strlen(name) + 1);
		out->value.items[out->value.nitems++] = out->text + len;
		len += strlen(name) + 1;
	}
}

const struct cs_key_kind cs_kind_calls = {
	.wants = "a list of call names",
	.accepts = CS_VALUES(CS_VAL_LIST) | CS_VALUES(CS_VAL_STRING),
	.list_of = CS_VAL_STRING,
	.parse = calls_parse, .check = calls_check, .format = calls_format,
	.reset = reset_nothing, .is_set = always_set,
};

/* ---- fault */

static const char *first_family(uint32_t calls)
{
	for (int f = 0; f < CS_FAM_COUNT; f++)
		if (calls & CS_BIT(f))
			return cs_family_name(f);
	return "?";
}

static int fit_fail(unsigned fault, uint32_t calls, const struct cs_where *w,
		    char *err, size_t errlen)
{
	for (int f = 0; f < CS_FAM_COUNT; f++)
		if ((calls & CS_BIT(f)) && !cs_fault_fits_calls(fault, CS_BIT(f)))
			return cs_where_fail(w, err, errlen,
					     "fault '%s' does not fit call '%s'",
					     cs_fault_name((int)fault),
					     cs_family_name(f));
	/* Each call fits alone: the only such case is error with dns. */
	return cs_where_fail(w, err, errlen,
			     "fault '%s' cannot mix call 'dns' with other calls",
			     cs_fault_name((int)fault));
}

static int fault_parse(const struct cs_key *k, struct cs_rule *r,
		       const struct cs_value *v, const struct cs_where *w,
		       char *err, size_t errlen)
{
	int f = cs_fault_from_name(v->s);
	(void)k;
	if (f < 0)
		return cs_where_fail(w, err, errlen, "unknown fault '%s'", v->s);
	/* The old fault's parameters mean nothing to the new one. */
	if (f != r->fault)
		for (size_t i = 0; i < cs_nkeys; i++)
			if (cs_keys[i].faults != CS_ALL_FAULTS)
				cs_keys[i].kind->reset(&cs_keys[i], r);
	r->fault = (uint8_t)f;
	return 0;
}

static int fault_check(const struct cs_key *k, const struct cs_rule *r,
		       const struct cs_where *w, char *err, size_t errlen)
{
	(void)k;
	if (r->fault >= CS_FAULT_COUNT)
		return cs_where_fail(w, err, errlen, "unknown fault %u", r->fault);
	return cs_fault_fits_calls(r->fault, r->calls)
		       ? 0
		       : fit_fail(r->fault, r->calls, w, err, errlen);
}

static void fault_format(const struct cs_key *k, const struct cs_rule *r,
			 struct cs_param *out)
{
	(void)k;
	out_name_or_number(out, cs_fault_name(r->fault), r->fault);
}

const struct cs_key_kind cs_kind_fault = {
	.wants = "a string", .accepts = CS_VALUES(CS_VAL_STRING),
	.parse = fault_parse, .check = fault_check, .format = fault_format,
	.reset = reset_nothing, .is_set = always_set,
};

/* ---- endpoint: a peer or local pattern, and its has_ flag */

static bool endpoint_ok(const struct cs_endpoint *e)
{
	unsigned bits = e->family == AF_INET ? 32 : e->family == AF_INET6 ? 128 : 0;
	if (e->family != 0 && !bits)
		return false;
	return e->prefix_len <= bits && e->port_lo <= e->port_hi;
}

static int endpoint_parse(const struct cs_key *k, struct cs_rule *r,
			  const struct cs_value *v, const struct cs_where *w,
			  char *err, size_t errlen)
{
	struct cs_endpoint *e = field(r, k);
	char why[160];
	put_u8(r, k->has_offset, v->s[0] != '\0');
	memset(e, 0, sizeof(*e));
	if (!v->s[0])
		return 0;
	if (cs_endpoint_parse(v->s, e, why, sizeof(why)) < 0)
		return cs_where_fail(w, err, errlen, "bad %s '%s': %s", k->name,
				     v->s, why);
	return 0;
}

static int endpoint_check(const struct cs_key *k, const struct cs_rule *r,
			  const struct cs_where *w, char *err, size_t errlen)
{
	if (get_u8(r, k->has_offset) > 1 ||
	    !endpoint_ok((const struct cs_endpoint *)cfield(r, k)))
		return cs_where_fail(w, err, errlen, "bad %s pattern", k->name);
	return 0;
}

static bool endpoint_is_set(const struct cs_key *k, const struct cs_rule *r)
{
	return get_u8(r, k->has_offset) != 0;
}

static void endpoint_format(const struct cs_key *k, const struct cs_rule *r,
			    struct cs_param *out)
{
	if (!endpoint_is_set(k, r))
		return;
	cs_endpoint_format(cfield(r, k), out->text, sizeof(out->text));
	out->value.type = CS_VAL_STRING;
	out->value.s = out->text;
}

static void endpoint_reset(const struct cs_key *k, struct cs_rule *r)
{
	put_u8(r, k->has_offset, 0);
	memset(field(r, k), 0, sizeof(struct cs_endpoint));
}

const struct cs_key_kind cs_kind_endpoint = {
	.wants = "a string", .accepts = CS_VALUES(CS_VAL_STRING),
	.parse = endpoint_parse, .check = endpoint_check,
	.format = endpoint_format, .reset = endpoint_reset,
	.is_set = endpoint_is_set,
};

/* ---- choice: one of the row's names, held as its index in a byte; an
 * empty name is "no restriction", which a profile does not spell */

static int choice_parse(const struct cs_key *k, struct cs_rule *r,
			const struct cs_value *v, const struct cs_where *w,
			char *err, size_t errlen)
{
	char expected[128] = "";
	size_t len = 0;

	for (uint8_t i = 0; i < k->nchoices; i++)
		if (k->choices[i][0] && strcmp(k->choices[i], v->s) == 0) {
			put_u8(r, k->offset, i);
			return 0;
		}
	for (uint8_t i = 0; i < k->nchoices; i++)
		if (k->choices[i][0] && len < sizeof(expected))
			len += (size_t)snprintf(expected + len, sizeof(expected) - len,
						"%s%s", len ? " or " : "",
						k->choices[i]);
	return cs_where_fail(w, err, errlen, "unknown %s '%s', expected %s",
			     k->name, v->s, expected);
}

static int choice_check(const struct cs_key *k, const struct cs_rule *r,
			const struct cs_where *w, char *err, size_t errlen)
{
	if (get_u8(r, k->offset) >= k->nchoices)
		return cs_where_fail(w, err, errlen, "unknown %s %u", k->name,
				     get_u8(r, k->offset));
	return 0;
}

static bool choice_is_set(const struct cs_key *k, const struct cs_rule *r)
{
	uint8_t i = get_u8(r, k->offset);
	return i >= k->nchoices || k->choices[i][0] != '\0';
}

static void choice_format(const struct cs_key *k, const struct cs_rule *r,
			  struct cs_param *out)
{
	uint8_t i = get_u8(r, k->offset);
	if (choice_is_set(k, r))
		out_name_or_number(out, i < k->nchoices ? k->choices[i] : NULL, i);
}

static void choice_reset(const struct cs_key *k, struct cs_rule *r)
{
	put_u8(r, k->offset, (uint8_t)k->def);
}

const struct cs_key_kind cs_kind_choice = {
	.wants = "a string", .accepts = CS_VALUES(CS_VAL_STRING),
	.parse = choice_parse, .check = choice_check, .format = choice_format,
	.reset = choice_reset, .is_set = choice_is_set,
};

/* ---- host: a dns name or "*." and a suffix, kept in lower case */

static bool host_ok(const char *h)
{
	if (h[0] == '*') {
		if (h[1] != '.' || !h[2])
			return false;
		h += 2;
	}
	for (; *h; h++)
		if (!((*h >= 'a' && *h <= 'z') || (*h >= '0' && *h <= '9') ||
		      *h == '-' || *h == '.' || *h == '_'))
			return false;
	return true;
}

static int host_parse(const struct cs_key *k, struct cs_rule *r,
		      const struct cs_value *v, const struct cs_where *w,
		      char *err, size_t errlen)
{
	const char *s = v->s;
	size_t len = strlen(s);
	(void)k;
	if (len >= sizeof(r->host))
		return cs_where_fail(w, err, errlen, "host is longer than %zu bytes",
				     sizeof(r->host) - 1);
	memset(r->host, 0, sizeof(r->host));
	/* "*" is any host, which the table spells "". */
	if (strcmp(s, "*") != 0)
		for (size_t i = 0; i < len; i++)
			r->host[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] - 'A' + 'a' : s[i]);
	return 0;
}

static int host_check(const struct cs_key *k, const struct cs_rule *r,
		      const struct cs_where *w, char *err, size_t errlen)
{
	(void)k;
	if (!memchr(r->host, '\0', sizeof(r->host)))
		return cs_where_fail(w, err, errlen, "host is not terminated");
	if (!host_ok(r->host))
		return cs_where_fail(w, err, errlen,
				     "bad host '%s', expected a lower-case name or '*.' and a suffix",
				     r->host);
	return 0;
}

static bool host_is_set(const struct cs_key *k, const struct cs_rule *r)
{
	(void)k;
	return r->host[0] != '\0';
}

static void host_format(const struct cs_key *k, const struct cs_rule *r,
			struct cs_param *out)
{
	if (host_is_set(k, r))
		out_string(out, r->host);
}

static void host_reset(const struct cs_key *k, struct cs_rule *r)
{
	(void)k;
	memset(r->host, 0, sizeof(r->host));
}

const struct cs_key_kind cs_kind_host = {
	.wants = "a string", .accepts = CS_VALUES(CS_VAL_STRING),
	.parse = host_parse, .check = host_check, .format = host_format,
	.reset = host_reset, .is_set = host_is_set,
};

/* ---- errno: an errno name, or a getaddrinfo error name for dns */

static const char *error_name(int32_t error, uint32_t calls)
{
	return (calls & CS_BIT(CS_FAM_DNS)) ? cs_eai_name(error)
					    : cs_errno_name(error);
}

static int errno_parse(const struct cs_key *k, struct cs_rule *r,
		       const struct cs_value *v, const struct cs_where *w,
		       char *err, size_t errlen)
{
	int code;
	if (r->calls & CS_BIT(CS_FAM_DNS)) {
		code = cs_eai_from_name(v->s);
		if (!code)
			return cs_where_fail(w, err, errlen,
					     "unknown getaddrinfo error '%s', expected a name like EAI_AGAIN",
					     v->s);
	} else {
		code = cs_errno_from_name(v->s);
		if (code < 0)
			return cs_where_fail(w, err, errlen,
					     "unknown errno '%s', expected a name like ECONNRESET",
					     v->s);
	}
	put_i32(r, k, code);
	return 0;
}

static int errno_check(const struct cs_key *k, const struct cs_rule *r,
		       const struct cs_where *w, char *err, size_t errlen)
{
	int32_t error = get_i32(r, k);
	if (!error)
		return cs_where_fail(w, err, errlen, "fault 'error' has no errno");
	if (error_name(error, r->calls))
		return 0;
	if (error_name(error, r->calls ^ CS_BIT(CS_FAM_DNS)))
		return cs_where_fail(w, err, errlen,
				     "errno '%s' does not fit call '%s'",
				     error_name(error, r->calls ^ CS_BIT(CS_FAM_DNS)),
				     first_family(r->calls));
	return cs_where_fail(w, err, errlen, "unknown errno %d", error);
}

static bool errno_is_set(const struct cs_key *k, const struct cs_rule *r)
{
	return get_i32(r, k) != 0;
}

static void errno_format(const struct cs_key *k, const struct cs_rule *r,
			 struct cs_param *out)
{
	int32_t error = get_i32(r, k);
	if (error)
		out_name_or_number(out, error_name(error, r->calls), error);
}

static void i32_reset(const struct cs_key *k, struct cs_rule *r)
{
	put_i32(r, k, (int32_t)k->def);
}

const struct cs_key_kind cs_kind_errno = {
	.wants = "a string", .accepts = CS_VALUES(CS_VAL_STRING),
	.parse = errno_parse, .check = errno_check, .format = errno_format,
	.reset = i32_reset, .is_set = errno_is_set,
};

/* ---- signal: "SIGTERM" or "TERM" */

static int signal_parse(const struct cs_key *k, struct cs_rule *r,
			const struct cs_value *v, const struct cs_where *w,
			char *err, size_t errlen)
{
	int sig = cs_signal_from_name(v->s);
	if (sig < 0)
		return cs_where_fail(w, err, errlen, "unknown signal '%s'", v->s);
	put_i32(r, k, sig);
	return 0;
}

static int signal_check(const struct cs_key *k, const struct cs_rule *r,
			const struct cs_where *w, char *err, size_t errlen)
{
	if (!cs_signal_name(get_i32(r, k)))
		return cs_where_fail(w, err, errlen, "unknown signal %d", get_i32(r, k));
	return 0;
}

static void signal_format(const struct cs_key *k, const struct cs_rule *r,
			  struct cs_param *out)
{
	out_name_or_number(out, cs_signal_name(get_i32(r, k)), get_i32(r, k));
}

const struct cs_key_kind cs_kind_signal = {
	.wants = "a string", .accepts = CS_VALUES(CS_VAL_STRING),
	.parse = signal_parse, .check = signal_check, .format = signal_format,
	.reset = i32_reset, .is_set = always_set,
};
