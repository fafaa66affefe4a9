/* Kinds of keys whose values are names: the rule's name, its calls and
 * fault, and the errno and signal its fault gives. */
#include "common/key_kind.h"

#include "cs_names.h"

bool cs_key_always_set(const struct cs_key *k, const struct cs_rule *r)
{
	(void)k, (void)r;
	return true;
}

void cs_key_keep(const struct cs_key *k, struct cs_rule *r)
{
	(void)k, (void)r; /* not a parameter: the rule keeps what it has */
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
	.reset = cs_key_keep, .is_set = cs_key_always_set,
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
	.reset = cs_key_keep, .is_set = cs_key_always_set,
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
	.reset = cs_key_keep, .is_set = cs_key_always_set,
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
	.reset = i32_reset, .is_set = cs_key_always_set,
};

