/* The rule keys: one table of types, ranges, defaults and setters that the
 * profile compiler, `chaos-shim-ctl set` and the table validator share. */
#include "common/rule_keys.h"

#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "cs_addr.h"
#include "cs_names.h"

#define FIELD(f) offsetof(struct cs_rule, f)
#define ALL_FAULTS ((1u << CS_FAULT_COUNT) - 1u)
#define ONLY(fault) CS_BIT(CS_FAULT_##fault)
#define MS_MAX 3600000.0               /* one hour */
#define SKEW_MAX_S (100 * 365.25 * 86400) /* a hundred years */
#define NET_FAMILIES (CS_SOCKET_FAMILIES | CS_SSL_FAMILIES)

/* Order matters: calls and fault come before the keys whose checks depend
 * on them, so that a profile is applied in this order. */
const struct cs_key cs_keys[] = {
	{ .name = "name", .kind = CS_KEY_NAME, .flags = CS_KEY_REQUIRED,
	  .offset = FIELD(name), .faults = ALL_FAULTS },
	{ .name = "enabled", .kind = CS_KEY_BOOL, .offset = FIELD(enabled),
	  .faults = ALL_FAULTS, .def = 1 },
	{ .name = "calls", .kind = CS_KEY_CALLS, .flags = CS_KEY_REQUIRED,
	  .offset = FIELD(calls), .faults = ALL_FAULTS },
	{ .name = "fault", .kind = CS_KEY_FAULT, .flags = CS_KEY_REQUIRED,
	  .offset = FIELD(fault), .faults = ALL_FAULTS },
	{ .name = "peer", .kind = CS_KEY_ENDPOINT, .offset = FIELD(peer),
	  .has_offset = FIELD(has_peer), .faults = ALL_FAULTS,
	  .families = NET_FAMILIES },
	{ .name = "local", .kind = CS_KEY_ENDPOINT, .offset = FIELD(local),
	  .has_offset = FIELD(has_local), .faults = ALL_FAULTS,
	  .families = NET_FAMILIES },
	{ .name = "proto", .kind = CS_KEY_PROTO, .offset = FIELD(proto),
	  .faults = ALL_FAULTS, .families = NET_FAMILIES },
	{ .name = "host", .kind = CS_KEY_HOST, .offset = FIELD(host),
	  .faults = ALL_FAULTS, .families = CS_BIT(CS_FAM_DNS) },
	{ .name = "probability", .kind = CS_KEY_REAL,
	  .offset = FIELD(probability), .faults = ALL_FAULTS, .min = 0,
	  .max = 1, .def = 1 },
	{ .name = "after", .kind = CS_KEY_UINT, .width = 8,
	  .offset = FIELD(after), .faults = ALL_FAULTS, .min = 0,
	  .max = (double)INT64_MAX },
	{ .name = "count", .kind = CS_KEY_UINT, .width = 8,
	  .offset = FIELD(count), .faults = ALL_FAULTS, .min = 0,
	  .max = (double)INT64_MAX },
	{ .name = "delay_ms", .kind = CS_KEY_UINT, .width = 4,
	  .offset = FIELD(delay_ms), .faults = ONLY(LATENCY), .min = 0,
	  .max = MS_MAX },
	{ .name = "jitter_ms", .kind = CS_KEY_UINT, .width = 4,
	  .offset = FIELD(jitter_ms), .faults = ONLY(LATENCY), .min = 0,
	  .max = MS_MAX },
	{ .name = "hang_ms", .kind = CS_KEY_UINT, .width = 4,
	  .offset = FIELD(hang_ms), .faults = ONLY(DROP), .min = 0,
	  .max = MS_MAX },
	{ .name = "rto_ms", .kind = CS_KEY_UINT, .width = 4,
	  .offset = FIELD(rto_ms), .faults = ONLY(LOSS), .min = 1,
	  .max = MS_MAX, .def = 200 },
	{ .name = "errno", .kind = CS_KEY_ERRNO, .flags = CS_KEY_NEEDED,
	  .offset = FIELD(error), .faults = ONLY(ERROR) },
	{ .name = "max_bytes", .kind = CS_KEY_UINT, .flags = CS_KEY_NEEDED,
	  .width = 4, .offset = FIELD(max_bytes), .faults = ONLY(SLICE),
	  .min = 1, .max = INT32_MAX },
	{ .name = "bytes_per_s", .kind = CS_KEY_UINT, .flags = CS_KEY_NEEDED,
	  .width = 8, .offset = FIELD(bytes_per_s), .faults = ONLY(BANDWIDTH),
	  .min = 1, .max = (double)INT64_MAX },
	{ .name = "signal", .kind = CS_KEY_SIGNAL, .offset = FIELD(signal),
	  .faults = ONLY(KILL), .def = SIGKILL },
	{ .name = "offset_s", .kind = CS_KEY_SECONDS,
	  .offset = FIELD(offset_ns), .faults = ONLY(CLOCK_SKEW),
	  .min = -SKEW_MAX_S * 1e9, .max = SKEW_MAX_S * 1e9, .scale = 1e9 },
	{ .name = "rate", .kind = CS_KEY_REAL, .flags = CS_KEY_OPEN_MIN,
	  .offset = FIELD(rate), .faults = ONLY(CLOCK_SKEW), .min = 0,
	  .max = 1000, .def = 1 },
	{ .name = "scope", .kind = CS_KEY_SCOPE, .offset = FIELD(scope),
	  .faults = ONLY(CLOCK_SKEW) },
	{ .name = "monotonic", .kind = CS_KEY_BOOL, .offset = FIELD(monotonic),
	  .faults = ONLY(CLOCK_SKEW) },
};
const size_t cs_nkeys = sizeof(cs_keys) / sizeof(cs_keys[0]);

/* Indexed by enum cs_proto and enum cs_scope; "" is no restriction. */
static const char *const proto_names[] = { "", "tcp", "udp" };
static const char *const scope_names[] = { "process", "tls" };

/* What a key's value must look like, for type errors; the others take a
 * string. */
static const char *const kind_wants[] = {
	[CS_KEY_BOOL] = "true or false",
	[CS_KEY_UINT] = "an integer",
	[CS_KEY_REAL] = "a number",
	[CS_KEY_SECONDS] = "a number",
	[CS_KEY_CALLS] = "a list of call names",
};

int cs_where_fail(const struct cs_where *where, char *err, size_t errlen,
		  const char *fmt, ...)
{
	va_list ap;
	size_t n;

	if (!errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	n = strlen(err);
	if (where->rule)
		n += (size_t)snprintf(err + n, errlen - n, " in rule '%s'", where->rule);
	else if (where->index)
		n += (size_t)snprintf(err + n, errlen - n, " in rule %u", where->index);
	if (n < errlen && where->origin)
		snprintf(err + n, errlen - n, " (%s:%u)", where->origin, where->line);
	return -1;
}

const struct cs_key *cs_key_find(const char *name)
{
	for (size_t i = 0; i < cs_nkeys; i++)
		if (strcmp(cs_keys[i].name, name) == 0)
			return &cs_keys[i];
	return NULL;
}

bool cs_key_applies(const struct cs_key *key, const struct cs_rule *rule)
{
	return key->faults == ALL_FAULTS ||
	       (rule->fault < CS_FAULT_COUNT &&
		(key->faults & CS_BIT(rule->fault)));
}

/* ---- field access */

static void *field(struct cs_rule *r, const struct cs_key *k)
{
	return (char *)r + k->offset;
}

static const void *cfield(const struct cs_rule *r, const struct cs_key *k)
{
	return (const char *)r + k->offset;
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

static uint8_t get_u8(const struct cs_rule *r, size_t offset)
{
	return *((const uint8_t *)r + offset);
}

static void put_i32(struct cs_rule *r, const struct cs_key *k, int32_t v)
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

/* Every key's default is zero except those with a .def, which are all
 * one-byte flags, doubles or an int32 (the signal). */
static void put_default(struct cs_rule *r, const struct cs_key *k)
{
	switch (k->kind) {
	case CS_KEY_BOOL:
		*((uint8_t *)r + k->offset) = (uint8_t)k->def;
		break;
	case CS_KEY_REAL:
		put_real(r, k, k->def);
		break;
	case CS_KEY_SIGNAL:
		put_i32(r, k, (int32_t)k->def);
		break;
	case CS_KEY_UINT:
		put_uint(r, k, 0);
		break;
	case CS_KEY_SECONDS:
		put_i64(r, k, 0);
		break;
	case CS_KEY_ERRNO:
		put_i32(r, k, 0);
		break;
	case CS_KEY_SCOPE:
		*((uint8_t *)r + k->offset) = CS_SCOPE_PROCESS;
		break;
	default:
		break; /* not a fault parameter: left as it is */
	}
}

void cs_rule_defaults(struct cs_rule *rule)
{
	memset(rule, 0, sizeof(*rule));
	for (size_t i = 0; i < cs_nkeys; i++)
		put_default(rule, &cs_keys[i]);
}

/* ---- checks shared by the setters and the validator */

static bool uint_ok(const struct cs_key *k, uint64_t v)
{
	return v >= (uint64_t)k->min && v <= (uint64_t)k->max;
}

static bool real_ok(const struct cs_key *k, double v)
{
	bool above = (k->flags & CS_KEY_OPEN_MIN) ? v > k->min : v >= k->min;
	return isfinite(v) && above && v <= k->max;
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

/* Names and hosts are printed into JSON and the event log by code that
 * must not allocate, so they exclude what would need escaping. */
static int name_check(const char *name, const struct cs_where *w, char *err,
		      size_t errlen)
{
	size_t len = strnlen(name, CS_NAME_MAX);
	if (len == CS_NAME_MAX)
		return cs_where_fail(w, err, errlen, "rule name is not terminated");
	if (len == 0)
		return cs_where_fail(w, err, errlen, "rule name is empty");
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '"' || *p == '\\')
			return cs_where_fail(w, err, errlen,
					     "rule name holds a control character, quote or backslash");
	return 0;
}

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

static bool endpoint_ok(const struct cs_endpoint *e)
{
	unsigned bits = e->family == AF_INET ? 32 : e->family == AF_INET6 ? 128 : 0;
	if (e->family != 0 && !bits)
		return false;
	return e->prefix_len <= bits && e->port_lo <= e->port_hi;
}

/* The name of the errno value, as it reads for these calls. */
static const char *error_name(int32_t error, uint32_t calls)
{
	return (calls & CS_BIT(CS_FAM_DNS)) ? cs_eai_name(error)
					    : cs_errno_name(error);
}

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

/* Whether a matching key narrows the rule (so that its calls matter). */
static bool narrows(const struct cs_key *k, const struct cs_rule *r)
{
	switch (k->kind) {
	case CS_KEY_ENDPOINT:
		return get_u8(r, k->has_offset) != 0;
	case CS_KEY_PROTO:
		return r->proto != CS_PROTO_ANY;
	case CS_KEY_HOST:
		return r->host[0] != '\0';
	default:
		return false;
	}
}

/* The stored value of one key, as the shim relies on it. */
static int check_stored(const struct cs_key *k, const struct cs_rule *r,
			const struct cs_where *w, char *err, size_t errlen)
{
	char text[64];
	uint8_t u8 = get_u8(r, k->offset);

	switch (k->kind) {
	case CS_KEY_NAME:
		return name_check(r->name, w, err, errlen);
	case CS_KEY_BOOL:
		if (u8 > 1)
			return cs_where_fail(w, err, errlen, "%s holds %u, not true or false",
					     k->name, u8);
		return 0;
	case CS_KEY_UINT:
		snprintf(text, sizeof(text), "%llu", (unsigned long long)get_uint(r, k));
		return uint_ok(k, get_uint(r, k)) ? 0 : range_fail(k, text, w, err, errlen);
	case CS_KEY_REAL:
		snprintf(text, sizeof(text), "%g", get_real(r, k));
		return real_ok(k, get_real(r, k)) ? 0 : range_fail(k, text, w, err, errlen);
	case CS_KEY_SECONDS:
		snprintf(text, sizeof(text), "%g", (double)get_i64(r, k) / k->scale);
		return real_ok(k, (double)get_i64(r, k)) ? 0
							  : range_fail(k, text, w, err, errlen);
	case CS_KEY_CALLS:
		if (!r->calls)
			return cs_where_fail(w, err, errlen, "key 'calls' is empty");
		if (r->calls & ~CS_ALL_FAMILIES)
			return cs_where_fail(w, err, errlen, "unknown calls 0x%x",
					     r->calls & ~CS_ALL_FAMILIES);
		return 0;
	case CS_KEY_FAULT:
		if (r->fault >= CS_FAULT_COUNT)
			return cs_where_fail(w, err, errlen, "unknown fault %u", r->fault);
		return cs_fault_fits_calls(r->fault, r->calls)
			       ? 0
			       : fit_fail(r->fault, r->calls, w, err, errlen);
	case CS_KEY_ERRNO:
		if (!r->error)
			return cs_where_fail(w, err, errlen, "fault 'error' has no errno");
		if (error_name(r->error, r->calls))
			return 0;
		if (error_name(r->error, r->calls ^ CS_BIT(CS_FAM_DNS)))
			return cs_where_fail(w, err, errlen,
					     "errno '%s' does not fit call '%s'",
					     error_name(r->error, r->calls ^ CS_BIT(CS_FAM_DNS)),
					     first_family(r->calls));
		return cs_where_fail(w, err, errlen, "unknown errno %d", r->error);
	case CS_KEY_SIGNAL:
		if (!cs_signal_name(r->signal))
			return cs_where_fail(w, err, errlen, "unknown signal %d", r->signal);
		return 0;
	case CS_KEY_SCOPE:
		if (r->scope > CS_SCOPE_TLS)
			return cs_where_fail(w, err, errlen, "unknown scope %u", r->scope);
		return 0;
	case CS_KEY_ENDPOINT:
		if (get_u8(r, k->has_offset) > 1 ||
		    !endpoint_ok((const struct cs_endpoint *)cfield(r, k)))
			return cs_where_fail(w, err, errlen, "bad %s pattern", k->name);
		break;
	case CS_KEY_PROTO:
		if (r->proto > CS_PROTO_UDP)
			return cs_where_fail(w, err, errlen, "unknown proto %u", r->proto);
		break;
	case CS_KEY_HOST:
		if (!memchr(r->host, '\0', sizeof(r->host)))
			return cs_where_fail(w, err, errlen, "host is not terminated");
		if (!host_ok(r->host))
			return cs_where_fail(w, err, errlen,
					     "bad host '%s', expected a lower-case name or '*.' and a suffix",
					     r->host);
		break;
	}
	/* A narrowing key (peer, local, proto, host) restricts the calls. */
	if (narrows(k, r) && (r->calls & ~k->families))
		return cs_where_fail(w, err, errlen, "key '%s' does not apply to call '%s'",
				     k->name, first_family(r->calls & ~k->families));
	return 0;
}

int cs_rule_check(const struct cs_rule *rule, const struct cs_where *where,
		  char *err, size_t errlen)
{
	struct cs_where w = *where;
	for (size_t i = 0; i < cs_nkeys; i++) {
		const struct cs_key *k = &cs_keys[i];
		if (cs_key_applies(k, rule) && check_stored(k, rule, &w, err, errlen) < 0)
			return -1;
		/* Messages after the name's own check can name the rule. */
		if (k->kind == CS_KEY_NAME)
			w.rule = rule->name;
	}
	return 0;
}

/* ---- setters */

bool cs_key_takes_string(const struct cs_key *k)
{
	switch (k->kind) {
	case CS_KEY_BOOL:
	case CS_KEY_UINT:
	case CS_KEY_REAL:
	case CS_KEY_SECONDS:
	case CS_KEY_CALLS:
		return false;
	default:
		return true;
	}
}

static bool value_fits_kind(const struct cs_key *k, const struct cs_value *v)
{
	if (cs_key_takes_string(k))
		return v->type == CS_VAL_STRING;
	switch (k->kind) {
	case CS_KEY_BOOL:
		return v->type == CS_VAL_BOOL;
	case CS_KEY_UINT:
		return v->type == CS_VAL_INT;
	case CS_KEY_REAL:
	case CS_KEY_SECONDS:
		return v->type == CS_VAL_INT || v->type == CS_VAL_FLOAT;
	default: /* calls: a list, or one name alone */
		return v->type == CS_VAL_LIST || v->type == CS_VAL_STRING;
	}
}

static int lookup(const char *const *names, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}

static int set_calls(struct cs_rule *r, const struct cs_value *v,
		     const struct cs_where *w, char *err, size_t errlen)
{
	unsigned n = v->type == CS_VAL_LIST ? v->nitems : 1;
	uint32_t calls = 0;
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

static int set_fault(struct cs_rule *r, const char *name,
		     const struct cs_where *w, char *err, size_t errlen)
{
	int f = cs_fault_from_name(name);
	if (f < 0)
		return cs_where_fail(w, err, errlen, "unknown fault '%s'", name);
	/* The old fault's parameters mean nothing to the new one. */
	if (f != r->fault)
		for (size_t i = 0; i < cs_nkeys; i++)
			if (cs_keys[i].faults != ALL_FAULTS)
				put_default(r, &cs_keys[i]);
	r->fault = (uint8_t)f;
	return 0;
}

static int set_host(struct cs_rule *r, const char *s, const struct cs_where *w,
		    char *err, size_t errlen)
{
	size_t len = strlen(s);
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

static int set_errno(struct cs_rule *r, const char *s, const struct cs_where *w,
		     char *err, size_t errlen)
{
	if (r->calls & CS_BIT(CS_FAM_DNS)) {
		int code = cs_eai_from_name(s);
		if (!code)
			return cs_where_fail(w, err, errlen,
					     "unknown getaddrinfo error '%s', expected a name like EAI_AGAIN",
					     s);
		r->error = code;
		return 0;
	}
	r->error = cs_errno_from_name(s);
	if (r->error < 0)
		return cs_where_fail(w, err, errlen,
				     "unknown errno '%s', expected a name like ECONNRESET", s);
	return 0;
}

/* Parses and stores v; ranges are checked before storing, as a field may
 * be narrower than the value. */
static int store(const struct cs_key *k, struct cs_rule *r,
		 const struct cs_value *v, const struct cs_where *w, char *err,
		 size_t errlen)
{
	char text[64];
	double d = v->type == CS_VAL_INT ? (double)v->i : v->f;
	int i;

	switch (k->kind) {
	case CS_KEY_NAME:
		if (strlen(v->s) >= sizeof(r->name))
			return cs_where_fail(w, err, errlen,
					     "rule name '%s' is longer than %zu bytes", v->s,
					     sizeof(r->name) - 1);
		memset(r->name, 0, sizeof(r->name));
		memcpy(r->name, v->s, strlen(v->s));
		return 0;
	case CS_KEY_BOOL:
		*((uint8_t *)r + k->offset) = v->b;
		return 0;
	case CS_KEY_UINT:
		snprintf(text, sizeof(text), "%lld", (long long)v->i);
		if (v->i < 0 || !uint_ok(k, (uint64_t)v->i))
			return range_fail(k, text, w, err, errlen);
		put_uint(r, k, (uint64_t)v->i);
		return 0;
	case CS_KEY_REAL:
		snprintf(text, sizeof(text), "%g", d);
		if (!real_ok(k, d))
			return range_fail(k, text, w, err, errlen);
		put_real(r, k, d);
		return 0;
	case CS_KEY_SECONDS:
		snprintf(text, sizeof(text), "%g", d);
		if (!real_ok(k, d * k->scale))
			return range_fail(k, text, w, err, errlen);
		/* In range, so the conversion cannot overflow; rounds half away
		 * from zero without libm, which the shim does not link. */
		d *= k->scale;
		put_i64(r, k, (int64_t)(d < 0 ? d - 0.5 : d + 0.5));
		return 0;
	case CS_KEY_CALLS:
		return set_calls(r, v, w, err, errlen);
	case CS_KEY_FAULT:
		return set_fault(r, v->s, w, err, errlen);
	case CS_KEY_ENDPOINT: {
		struct cs_endpoint *e = field(r, k);
		uint8_t *has = (uint8_t *)r + k->has_offset;
		char why[160];
		*has = v->s[0] != '\0';
		if (!*has) {
			memset(e, 0, sizeof(*e));
			return 0;
		}
		if (cs_endpoint_parse(v->s, e, why, sizeof(why)) < 0)
			return cs_where_fail(w, err, errlen, "bad %s '%s': %s", k->name,
					     v->s, why);
		return 0;
	}
	case CS_KEY_PROTO:
		i = lookup(proto_names, CS_PROTO_UDP + 1, v->s);
		if (i < 0)
			return cs_where_fail(w, err, errlen,
					     "unknown proto '%s', expected tcp or udp", v->s);
		r->proto = (uint8_t)i;
		return 0;
	case CS_KEY_SCOPE:
		i = lookup(scope_names, CS_SCOPE_TLS + 1, v->s);
		if (i < 0)
			return cs_where_fail(w, err, errlen,
					     "unknown scope '%s', expected process or tls", v->s);
		r->scope = (uint8_t)i;
		return 0;
	case CS_KEY_HOST:
		return set_host(r, v->s, w, err, errlen);
	case CS_KEY_ERRNO:
		return set_errno(r, v->s, w, err, errlen);
	case CS_KEY_SIGNAL:
		r->signal = cs_signal_from_name(v->s);
		if (r->signal < 0)
			return cs_where_fail(w, err, errlen, "unknown signal '%s'", v->s);
		return 0;
	}
	return -1;
}

/* After calls or fault change, the keys that depend on them are checked
 * again: the fault must fit, narrowing keys must suit the calls, and an
 * errno must be of the right kind. */
static bool depends_on_calls(const struct cs_key *k, const struct cs_rule *r)
{
	return k->kind == CS_KEY_FAULT || k->families ||
	       (k->kind == CS_KEY_ERRNO && r->error != 0);
}

int cs_key_apply(const struct cs_key *key, struct cs_rule *rule,
		 const struct cs_value *value, const struct cs_where *where,
		 char *err, size_t errlen)
{
	struct cs_rule next = *rule;

	if (!cs_key_applies(key, rule))
		return cs_where_fail(where, err, errlen,
				     "key '%s' does not apply to fault '%s'",
				     key->name, cs_fault_name(rule->fault));
	if (!value_fits_kind(key, value))
		return cs_where_fail(where, err, errlen, "key '%s' must be %s",
				     key->name, cs_key_takes_string(key)
							? "a string"
							: kind_wants[key->kind]);
	if (store(key, &next, value, where, err, errlen) < 0 ||
	    check_stored(key, &next, where, err, errlen) < 0)
		return -1;
	if (key->kind == CS_KEY_CALLS || key->kind == CS_KEY_FAULT)
		for (size_t i = 0; i < cs_nkeys; i++)
			if (depends_on_calls(&cs_keys[i], &next) &&
			    cs_key_applies(&cs_keys[i], &next) &&
			    check_stored(&cs_keys[i], &next, where, err, errlen) < 0)
				return -1;
	*rule = next;
	return 0;
}
