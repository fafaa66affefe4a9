/* Kinds of keys whose values are text: one string (http_method,
 * http_path, body) and lists of strings each ended by a NUL, an empty one
 * ending them (process, headers), in a field of the row's size; and what
 * text each such key refuses. */
#include "common/key_kind.h"

/* ---- what the keys take */

static bool is_control(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

const char *cs_text_refuse_pattern(const char *p)
{
	for (; *p; p++)
		if (is_control((unsigned char)*p) || *p == '"' || *p == '\\')
			return "holds a control character, quote or backslash";
	return NULL;
}

const char *cs_text_refuse_method(const char *p)
{
	for (; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || *p == '-' || *p == '_'))
			return "is not an upper-case method name";
	return NULL;
}

const char *cs_text_refuse_path(const char *p)
{
	for (; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f)
			return "holds a space or a control character";
	return NULL;
}

static bool is_token_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static bool name_is(const char *name, size_t n, const char *what)
{
	return strlen(what) == n && strncasecmp(name, what, n) == 0;
}

const char *cs_text_refuse_header(const char *p)
{
	size_t n = 0;
	while (is_token_char(p[n]))
		n++;
	if (!n || p[n] != ':')
		return "is not \"Name: value\"";
	if (name_is(p, n, "Content-Length") || name_is(p, n, "Connection") ||
	    name_is(p, n, "Transfer-Encoding"))
		return "is set by the shim (Content-Length, Connection and Transfer-Encoding follow body and keep_alive)";
	for (p += n; *p; p++)
		if (is_control((unsigned char)*p) && *p != '\t')
			return "holds a CR, LF or another control character";
	return NULL;
}

/* A value of key k: too long, or refused. */
static int text_fail(const struct cs_key *k, const char *s, size_t room,
		     const struct cs_where *w, char *err, size_t errlen)
{
	const char *why;
	if (strlen(s) >= room)
		return cs_where_fail(w, err, errlen,
				     "'%s' is longer than %zu bytes", k->name,
				     room ? room - 1 : 0);
	why = k->refuses ? k->refuses(s) : NULL;
	if (why) {
		/* Escaped, so that the message stays one line. */
		char shown[4 * CS_PARAM_TEXT_MAX + 3];
		size_t n = cs_config_quote(s, shown, sizeof(shown));
		return cs_where_fail(w, err, errlen, "'%.*s' of '%s' %s",
				     (int)(n - 2), shown + 1, k->name, why);
	}
	return 0;
}

/* ---- text: one string */

static int text_parse(const struct cs_key *k, struct cs_rule *r,
		      const struct cs_value *v, const struct cs_where *w,
		      char *err, size_t errlen)
{
	if (text_fail(k, v->s, k->size, w, err, errlen) < 0)
		return -1;
	memset(key_field(r, k), 0, k->size);
	memcpy(key_field(r, k), v->s, strlen(v->s));
	return 0;
}

static int text_check(const struct cs_key *k, const struct cs_rule *r,
		      const struct cs_where *w, char *err, size_t errlen)
{
	const char *s = key_cfield(r, k);
	if (!memchr(s, '\0', k->size))
		return cs_where_fail(w, err, errlen, "'%s' is not terminated",
				     k->name);
	return text_fail(k, s, k->size, w, err, errlen);
}

static bool text_is_set(const struct cs_key *k, const struct cs_rule *r)
{
	return *(const char *)key_cfield(r, k) != '\0';
}

static void text_format(const struct cs_key *k, const struct cs_rule *r,
			struct cs_param *out)
{
	if (text_is_set(k, r))
		out_string(out, key_cfield(r, k));
}

static void text_reset(const struct cs_key *k, struct cs_rule *r)
{
	memset(key_field(r, k), 0, k->size);
}

const struct cs_key_kind cs_kind_text = {
	.wants = "a string", .accepts = CS_VALUES(CS_VAL_STRING),
	.parse = text_parse, .check = text_check, .format = text_format,
	.reset = text_reset, .is_set = text_is_set,
};

/* ---- texts: a list of strings */

static int texts_parse(const struct cs_key *k, struct cs_rule *r,
		       const struct cs_value *v, const struct cs_where *w,
		       char *err, size_t errlen)
{
	unsigned n = v->type == CS_VAL_LIST ? v->nitems : 1;
	char *buf = key_field(r, k);
	size_t len = 0;

	memset(buf, 0, k->size);
	for (unsigned i = 0; i < n; i++) {
		const char *p = v->type == CS_VAL_LIST ? v->items[i] : v->s;
		size_t plen = strlen(p);
		if (!plen)
			return cs_where_fail(w, err, errlen, "empty string in '%s'",
					     k->name);
		if (text_fail(k, p, k->size, w, err, errlen) < 0)
			return -1;
		/* Room for this one's NUL and the empty one that ends them. */
		if (len + plen + 2 > k->size)
			return cs_where_fail(w, err, errlen,
					     "strings of '%s' are longer than %d bytes together",
					     k->name, k->size - 2);
		memcpy(buf + len, p, plen);
		len += plen + 1;
	}
	return 0;
}

static int texts_check(const struct cs_key *k, const struct cs_rule *r,
		       const struct cs_where *w, char *err, size_t errlen)
{
	const char *buf = key_cfield(r, k), *end = buf + k->size;
	const char *p = buf;

	while (p < end && *p) {
		const char *nul = memchr(p, '\0', (size_t)(end - p));
		if (!nul || nul + 1 >= end || (k->refuses && k->refuses(p)))
			return cs_where_fail(w, err, errlen, "bad strings in '%s'",
					     k->name);
		p = nul + 1;
	}
	return 0;
}

static void texts_format(const struct cs_key *k, const struct cs_rule *r,
			 struct cs_param *out)
{
	const char *p = key_cfield(r, k);
	size_t len = 0;

	if (!text_is_set(k, r))
		return;
	out->value.type = CS_VAL_LIST;
	out->value.item_type = CS_VAL_STRING;
	/* The fields are no larger than text: every string fits, terminated. */
	for (const char *end = p + k->size;
	     p < end && *p && out->value.nitems < CS_LIST_MAX;) {
		size_t plen = strnlen(p, (size_t)(end - p));
		memcpy(out->text + len, p, plen);
		out->text[len + plen] = '\0';
		out->value.items[out->value.nitems++] = out->text + len;
		len += plen + 1;
		p += plen + 1;
	}
}

const struct cs_key_kind cs_kind_texts = {
	.wants = "a list of strings",
	.accepts = CS_VALUES(CS_VAL_LIST) | CS_VALUES(CS_VAL_STRING),
	.list_of = CS_VAL_STRING,
	.parse = texts_parse, .check = texts_check, .format = texts_format,
	.reset = text_reset, .is_set = text_is_set,
};
