/* The rule keys: one row per key of the profile language (its field, range,
 * default, and the faults and calls it concerns), and what the compiler,
 * `set`, `status` and the table validator do with a key, through the
 * operations of its kind (key_names.c, key_numbers.c, key_matching.c,
 * key_schedule.c, key_text.c). */
#include "common/rule_keys.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cs_names.h"

#define FIELD(f) offsetof(struct cs_rule, f)
#define ONLY(fault) CS_BIT(CS_FAULT_##fault)
#define MS_MAX 3600000.0               /* one hour */
#define SKEW_MAX_S (100 * 365.25 * 86400) /* a hundred years */
#define WINDOW_MAX_MS (30 * 86400000.0)   /* thirty days */
#define NET_FAMILIES (CS_SOCKET_FAMILIES | CS_SSL_FAMILIES | CS_BIT(CS_FAM_CLOSE))
#define HTTP_FAULTS (ONLY(HTTP_RESPONSE) | ONLY(HTTP_DELAY))

/* Indexed by enum cs_proto and enum cs_scope; "" is no restriction. */
static const char *const proto_names[] = { "", "tcp", "udp" };
static const char *const scope_names[] = { "process", "tls" };

/* Order matters: calls and fault come before the keys whose checks depend
 * on them, so that a profile is applied in this order. */
const struct cs_key cs_keys[] = {
	{ .name = "name", .kind = &cs_kind_name,
	  .flags = CS_KEY_REQUIRED | CS_KEY_IDENTITY | CS_KEY_APART,
	  .offset = FIELD(name), .faults = CS_ALL_FAULTS },
	{ .name = "enabled", .kind = &cs_kind_bool, .flags = CS_KEY_APART,
	  .offset = FIELD(enabled), .faults = CS_ALL_FAULTS, .def = 1 },
	{ .name = "calls", .kind = &cs_kind_calls,
	  .flags = CS_KEY_REQUIRED | CS_KEY_SHAPE | CS_KEY_APART,
	  .offset = FIELD(calls), .faults = CS_ALL_FAULTS },
	{ .name = "fault", .kind = &cs_kind_fault,
	  .flags = CS_KEY_REQUIRED | CS_KEY_SHAPE | CS_KEY_DEPENDS | CS_KEY_APART,
	  .offset = FIELD(fault), .faults = CS_ALL_FAULTS },
	{ .name = "peer", .kind = &cs_kind_endpoint, .offset = FIELD(peer),
	  .has_offset = FIELD(has_peer), .faults = CS_ALL_FAULTS,
	  .families = NET_FAMILIES },
	{ .name = "local", .kind = &cs_kind_endpoint, .offset = FIELD(local),
	  .has_offset = FIELD(has_local), .faults = CS_ALL_FAULTS,
	  .families = NET_FAMILIES },
	{ .name = "proto", .kind = &cs_kind_choice, .offset = FIELD(proto),
	  .faults = CS_ALL_FAULTS, .families = NET_FAMILIES,
	  .choices = proto_names, .nchoices = CS_PROTO_UDP + 1 },
	{ .name = "host", .kind = &cs_kind_host, .offset = FIELD(host),
	  .faults = CS_ALL_FAULTS, .families = CS_BIT(CS_FAM_DNS) },
	{ .name = "probability", .kind = &cs_kind_real,
	  .offset = FIELD(probability), .faults = CS_ALL_FAULTS, .min = 0,
	  .max = 1, .def = 1 },
	{ .name = "after", .kind = &cs_kind_uint, .width = 8,
	  .offset = FIELD(after), .faults = CS_ALL_FAULTS, .min = 0,
	  .max = (double)INT64_MAX },
	{ .name = "count", .kind = &cs_kind_uint, .width = 8,
	  .offset = FIELD(count), .faults = CS_ALL_FAULTS, .min = 0,
	  .max = (double)INT64_MAX },
	{ .name = "at", .kind = &cs_kind_matches, .offset = FIELD(at),
	  .faults = CS_ALL_FAULTS },
	{ .name = "process", .kind = &cs_kind_texts, .offset = FIELD(process),
	  .faults = CS_ALL_FAULTS, .size = CS_PROCESS_MAX,
	  .refuses = cs_text_refuse_pattern },
	{ .name = "http_method", .kind = &cs_kind_text,
	  .offset = FIELD(http_method), .faults = HTTP_FAULTS,
	  .size = CS_HTTP_METHOD_MAX, .refuses = cs_text_refuse_method },
	{ .name = "http_path", .kind = &cs_kind_text,
	  .offset = FIELD(http_path), .faults = HTTP_FAULTS,
	  .size = CS_HTTP_PATH_MAX, .refuses = cs_text_refuse_path },
	{ .name = "start_after_ms", .kind = &cs_kind_uint, .width = 8,
	  .flags = CS_KEY_UNSET_AT_DEFAULT,
	  .offset = FIELD(start_after_ms), .faults = CS_ALL_FAULTS, .min = 0,
	  .max = WINDOW_MAX_MS },
	{ .name = "duration_ms", .kind = &cs_kind_uint, .width = 8,
	  .flags = CS_KEY_UNSET_AT_DEFAULT,
	  .offset = FIELD(duration_ms), .faults = CS_ALL_FAULTS, .min = 0,
	  .max = WINDOW_MAX_MS },
	{ .name = "period_ms", .kind = &cs_kind_uint, .width = 8,
	  .flags = CS_KEY_UNSET_AT_DEFAULT,
	  .offset = FIELD(period_ms), .faults = CS_ALL_FAULTS, .min = 0,
	  .max = WINDOW_MAX_MS },
	{ .name = "active_ms", .kind = &cs_kind_uint, .width = 8,
	  .flags = CS_KEY_UNSET_AT_DEFAULT,
	  .offset = FIELD(active_ms), .faults = CS_ALL_FAULTS, .min = 0,
	  .max = WINDOW_MAX_MS },
	{ .name = "delay_ms", .kind = &cs_kind_uint, .width = 4,
	  .offset = FIELD(delay_ms),
	  .faults = ONLY(LATENCY) | ONLY(SLOW_CLOSE) | ONLY(HTTP_DELAY),
	  .min = 0, .max = MS_MAX },
	{ .name = "jitter_ms", .kind = &cs_kind_uint, .width = 4,
	  .offset = FIELD(jitter_ms), .faults = ONLY(LATENCY) | ONLY(SLOW_CLOSE),
	  .min = 0,
	  .max = MS_MAX },
	{ .name = "hang_ms", .kind = &cs_kind_uint, .width = 4,
	  .offset = FIELD(hang_ms), .faults = ONLY(DROP), .min = 0,
	  .max = MS_MAX },
	{ .name = "rto_ms", .kind = &cs_kind_uint, .width = 4,
	  .offset = FIELD(rto_ms), .faults = ONLY(LOSS), .min = 1,
	  .max = MS_MAX, .def = 200 },
	{ .name = "errno", .kind = &cs_kind_errno,
	  .flags = CS_KEY_NEEDED | CS_KEY_DEPENDS, .offset = FIELD(error),
	  .faults = ONLY(ERROR) },
	{ .name = "max_bytes", .kind = &cs_kind_uint, .flags = CS_KEY_NEEDED,
	  .width = 4, .offset = FIELD(max_bytes), .faults = ONLY(SLICE),
	  .min = 1, .max = INT32_MAX },
	{ .name = "bytes_per_s", .kind = &cs_kind_uint, .flags = CS_KEY_NEEDED,
	  .width = 8, .offset = FIELD(bytes_per_s), .faults = ONLY(BANDWIDTH),
	  .min = 1, .max = (double)INT64_MAX },
	{ .name = "signal", .kind = &cs_kind_signal, .offset = FIELD(signal),
	  .faults = ONLY(KILL), .def = SIGKILL },
	{ .name = "offset_s", .kind = &cs_kind_seconds,
	  .offset = FIELD(offset_ns), .faults = ONLY(CLOCK_SKEW),
	  .min = -SKEW_MAX_S * 1e9, .max = SKEW_MAX_S * 1e9, .scale = 1e9 },
	{ .name = "rate", .kind = &cs_kind_real, .flags = CS_KEY_OPEN_MIN,
	  .offset = FIELD(rate), .faults = ONLY(CLOCK_SKEW), .min = 0,
	  .max = 1000, .def = 1 },
	{ .name = "scope", .kind = &cs_kind_choice, .offset = FIELD(scope),
	  .faults = ONLY(CLOCK_SKEW), .choices = scope_names,
	  .nchoices = CS_SCOPE_TLS + 1 },
	{ .name = "monotonic", .kind = &cs_kind_bool, .offset = FIELD(monotonic),
	  .faults = ONLY(CLOCK_SKEW) },
	{ .name = "bits", .kind = &cs_kind_uint, .width = 4,
	  .offset = FIELD(corrupt_bits), .faults = ONLY(CORRUPT), .min = 1,
	  .max = 65536 * 8, .def = 1 },
	{ .name = "bytes", .kind = &cs_kind_uint, .flags = CS_KEY_NEEDED,
	  .width = 8, .offset = FIELD(limit_bytes), .faults = ONLY(LIMIT_DATA),
	  .min = 1, .max = (double)CS_LIMIT_BYTES_MAX },
	{ .name = "action", .kind = &cs_kind_choice, .offset = FIELD(limit_end),
	  .faults = ONLY(LIMIT_DATA), .choices = cs_limit_end_names,
	  .nchoices = CS_LIMIT_HANG + 1 },
	{ .name = "window", .kind = &cs_kind_uint, .width = 4,
	  .offset = FIELD(reorder_window), .faults = ONLY(REORDER), .min = 1,
	  .max = CS_REORDER_WINDOW_MAX, .def = 1 },
	{ .name = "status", .kind = &cs_kind_uint, .flags = CS_KEY_NEEDED,
	  .width = 4, .offset = FIELD(http_status),
	  .faults = ONLY(HTTP_RESPONSE), .min = 100, .max = 599 },
	{ .name = "headers", .kind = &cs_kind_texts,
	  .offset = FIELD(http_headers), .faults = ONLY(HTTP_RESPONSE),
	  .size = CS_HTTP_HEADERS_MAX, .refuses = cs_text_refuse_header },
	{ .name = "body", .kind = &cs_kind_text, .offset = FIELD(http_body),
	  .faults = ONLY(HTTP_RESPONSE), .size = CS_HTTP_BODY_MAX },
	{ .name = "keep_alive", .kind = &cs_kind_bool,
	  .offset = FIELD(keep_alive), .faults = ONLY(HTTP_RESPONSE) },
};
const size_t cs_nkeys = sizeof(cs_keys) / sizeof(cs_keys[0]);

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
	return key->faults == CS_ALL_FAULTS ||
	       (rule->fault < CS_FAULT_COUNT &&
		(key->faults & CS_BIT(rule->fault)));
}

void cs_rule_defaults(struct cs_rule *rule)
{
	memset(rule, 0, sizeof(*rule));
	for (size_t i = 0; i < cs_nkeys; i++)
		cs_keys[i].kind->reset(&cs_keys[i], rule);
}

/* The stored value of one key, and that a narrowing key (peer, local,
 * proto, host) suits the rule's calls. */
static int check_key(const struct cs_key *k, const struct cs_rule *r,
		     const struct cs_where *w, char *err, size_t errlen)
{
	if (k->kind->check(k, r, w, err, errlen) < 0)
		return -1;
	if (k->families && (r->calls & ~k->families) && k->kind->is_set(k, r)) {
		uint32_t other = r->calls & ~k->families;
		for (int f = 0; f < CS_FAM_COUNT; f++)
			if (other & CS_BIT(f))
				return cs_where_fail(w, err, errlen,
						     "key '%s' does not apply to call '%s'",
						     k->name, cs_family_name(f));
	}
	return 0;
}

int cs_rule_check(const struct cs_rule *rule, const struct cs_where *where,
		  char *err, size_t errlen)
{
	struct cs_where w = *where;
	for (size_t i = 0; i < cs_nkeys; i++) {
		const struct cs_key *k = &cs_keys[i];
		if (cs_key_applies(k, rule) && check_key(k, rule, &w, err, errlen) < 0)
			return -1;
		/* Messages after the name's own check can name the rule. */
		if (k->flags & CS_KEY_IDENTITY)
			w.rule = rule->name;
	}
	return 0;
}

int cs_rule_check_use(const struct cs_rule *r, const struct cs_where *w,
		      char *err, size_t errlen)
{
	const uint32_t data = CS_BIT(CS_FAM_SEND) | CS_BIT(CS_FAM_RECV) |
			      CS_BIT(CS_FAM_SSL_READ) | CS_BIT(CS_FAM_SSL_WRITE);

	if (r->active_ms && !r->period_ms)
		return cs_where_fail(w, err, errlen,
				     "key 'active_ms' needs 'period_ms' (active for active_ms of every period_ms)");
	if (r->period_ms && (!r->active_ms || r->active_ms >= r->period_ms))
		return cs_where_fail(w, err, errlen,
				     "active_ms %llu must be above 0 and below period_ms %llu",
				     (unsigned long long)r->active_ms,
				     (unsigned long long)r->period_ms);
	/* The table lets latency fit close, the default fault a rule has
	 * while its calls are read before its fault; a close is delayed by
	 * slow_close. */
	if (r->fault == CS_FAULT_LATENCY && (r->calls & CS_BIT(CS_FAM_CLOSE)))
		return cs_where_fail(w, err, errlen,
				     "fault 'latency' does not fit call 'close': use fault 'slow_close'");
	enum cs_proto fits = cs_fault_proto((enum cs_fault)r->fault);
	if (fits != CS_PROTO_ANY && r->proto != CS_PROTO_ANY && r->proto != fits)
		return cs_where_fail(w, err, errlen,
				     "fault '%s' is for proto \"%s\" only%s: proto \"%s\" would never match",
				     cs_fault_name(r->fault), proto_names[fits],
				     fits == CS_PROTO_UDP
					     ? " (TCP's checksums and sequence numbers hide it from programs)"
					     : "",
				     proto_names[r->proto]);
	/* TCP never delivers a stream with holes: lost packets are sent
	 * again, which is what loss models; a drop is a partition. */
	if (r->fault == CS_FAULT_DROP && r->probability < 1 &&
	    r->proto != CS_PROTO_UDP && (r->calls & data))
		for (int f = 0; f < CS_FAM_COUNT; f++)
			if (r->calls & data & CS_BIT(f))
				return cs_where_fail(w, err, errlen,
						     "fault 'drop' with probability %g on call '%s' would cut holes in a TCP stream: "
						     "use fault 'loss' for packet loss ('drop' partitions a connection), or proto = \"udp\"",
						     r->probability, cs_family_name(f));
	return 0;
}

static bool value_fits_kind(const struct cs_key *k, const struct cs_value *v)
{
	if (!(k->kind->accepts & CS_VALUES(v->type)))
		return false;
	return v->type != CS_VAL_LIST || v->nitems == 0 ||
	       v->item_type == k->kind->list_of;
}

/* After calls or fault change, the keys that depend on them are checked
 * again: the fault must fit, narrowing keys must suit the calls, and an
 * errno must be of the right kind. */
static int check_dependents(const struct cs_rule *r, const struct cs_where *w,
			    char *err, size_t errlen)
{
	for (size_t i = 0; i < cs_nkeys; i++) {
		const struct cs_key *k = &cs_keys[i];
		if ((k->flags & CS_KEY_DEPENDS || k->families) &&
		    cs_key_applies(k, r) && k->kind->is_set(k, r) &&
		    check_key(k, r, w, err, errlen) < 0)
			return -1;
	}
	return 0;
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
				     key->name, key->kind->wants);
	if (key->kind->parse(key, &next, value, where, err, errlen) < 0 ||
	    check_key(key, &next, where, err, errlen) < 0)
		return -1;
	if ((key->flags & CS_KEY_SHAPE) &&
	    check_dependents(&next, where, err, errlen) < 0)
		return -1;
	*rule = next;
	return 0;
}

int cs_rule_param(const struct cs_rule *rule, size_t i, struct cs_param *out)
{
	const struct cs_key *k;

	if (i >= cs_nkeys)
		return -1;
	k = &cs_keys[i];
	if ((k->flags & CS_KEY_APART) || !cs_key_applies(k, rule) ||
	    (k->families && !(k->families & rule->calls)))
		return 0;
	memset(&out->value, 0, sizeof(out->value));
	out->key = k->name;
	out->text[0] = '\0';
	k->kind->format(k, rule, out);
	return 1;
}
