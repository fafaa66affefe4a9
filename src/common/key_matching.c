/* Kinds of matching keys: endpoint patterns (peer, local), a choice of
 * names (proto, scope) and dns host patterns. */
#include "common/key_kind.h"

#include <sys/socket.h>

#include "cs_addr.h"

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
	struct cs_endpoint *e = key_field(r, k);
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
	    !endpoint_ok((const struct cs_endpoint *)key_cfield(r, k)))
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
	cs_endpoint_format(key_cfield(r, k), out->text, sizeof(out->text));
	out->value.type = CS_VAL_STRING;
	out->value.s = out->text;
}

static void endpoint_reset(const struct cs_key *k, struct cs_rule *r)
{
	put_u8(r, k->has_offset, 0);
	memset(key_field(r, k), 0, sizeof(struct cs_endpoint));
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

