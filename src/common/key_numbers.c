/* Kinds of keys whose values are numbers and flags: booleans, integers
 * of 4 or 8 bytes, reals, and seconds held as integer nanoseconds. */
#include "common/key_kind.h"

#include <math.h>

static uint64_t get_uint(const struct cs_rule *r, const struct cs_key *k)
{
	uint32_t v32;
	uint64_t v64;
	if (k->width == 4) {
		memcpy(&v32, key_cfield(r, k), sizeof(v32));
		return v32;
	}
	memcpy(&v64, key_cfield(r, k), sizeof(v64));
	return v64;
}

static void put_uint(struct cs_rule *r, const struct cs_key *k, uint64_t v)
{
	uint32_t v32 = (uint32_t)v;
	if (k->width == 4)
		memcpy(key_field(r, k), &v32, sizeof(v32));
	else
		memcpy(key_field(r, k), &v, sizeof(v));
}

static int64_t get_i64(const struct cs_rule *r, const struct cs_key *k)
{
	int64_t v;
	memcpy(&v, key_cfield(r, k), sizeof(v));
	return v;
}

static void put_i64(struct cs_rule *r, const struct cs_key *k, int64_t v)
{
	memcpy(key_field(r, k), &v, sizeof(v));
}

static double get_real(const struct cs_rule *r, const struct cs_key *k)
{
	double v;
	memcpy(&v, key_cfield(r, k), sizeof(v));
	return v;
}

static void put_real(struct cs_rule *r, const struct cs_key *k, double v)
{
	memcpy(key_field(r, k), &v, sizeof(v));
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
	.reset = bool_reset, .is_set = cs_key_always_set,
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
	uint64_t v = get_uint(r, k);
	if (!(k->flags & CS_KEY_UNSET_AT_DEFAULT) || v != (uint64_t)k->def)
		out_int(out, (int64_t)v); /* every max fits */
}

static void uint_reset(const struct cs_key *k, struct cs_rule *r)
{
	put_uint(r, k, (uint64_t)k->def);
}

const struct cs_key_kind cs_kind_uint = {
	.wants = "an integer", .accepts = CS_VALUES(CS_VAL_INT),
	.parse = uint_parse, .check = uint_check, .format = uint_format,
	.reset = uint_reset, .is_set = cs_key_always_set,
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
	.reset = real_reset, .is_set = cs_key_always_set,
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
	.reset = seconds_reset, .is_set = cs_key_always_set,
};

