/* Endpoint patterns and socket addresses: parsing, matching, formatting.
 * Matching and formatting run inside interposers, possibly in signal
 * handlers, so they only touch their arguments. */
#include "cs_addr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define ANY_PORT_HI 65535u
#define ADDR_TEXT_MAX 64

static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

static bool is_v4mapped(const uint8_t *a16)
{
	for (int i = 0; i < 12; i++)
		if (a16[i] != v4mapped[i])
			return false;
	return true;
}

/* ---- parsing (runs in the CLI and at load time, never on the fast path) */

__attribute__((format(printf, 3, 4))) static int fail(char *err, size_t errlen,
						      const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (errlen)
		vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Decimal digits only (no sign, no spaces), at most max. */
static int parse_uint(const char *s, const char **end, unsigned max,
		      unsigned *out)
{
	unsigned long v = 0;
	const char *p = s;
	while (*p >= '0' && *p <= '9') {
		v = v * 10 + (unsigned long)(*p - '0');
		if (v > max)
			return -1;
		p++;
	}
	if (p == s)
		return -1;
	*end = p;
	*out = (unsigned)v;
	return 0;
}

static int parse_ports(const char *s, struct cs_endpoint *out, char *err,
		       size_t errlen)
{
	unsigned lo, hi;
	const char *p;
	if (strcmp(s, "*") == 0)
		return 0;
	if (parse_uint(s, &p, ANY_PORT_HI, &lo) < 0)
		return fail(err, errlen, "bad port '%s', expected 0..65535", s);
	hi = lo;
	if (*p == '-' && parse_uint(p + 1, &p, ANY_PORT_HI, &hi) < 0)
		return fail(err, errlen, "bad port range '%s', expected LOW-HIGH within 0..65535", s);
	if (*p)
		return fail(err, errlen, "bad port '%s', expected PORT or LOW-HIGH", s);
	if (lo > hi)
		return fail(err, errlen, "port range '%s' runs backwards", s);
	out->port_lo = (uint16_t)lo;
	out->port_hi = (uint16_t)hi;
	return 0;
}

/* Clears the bits past the prefix, so that equal patterns compare equal
 * and format the same way. */
static void mask_host_bits(uint8_t *a, unsigned bytes, unsigned prefix)
{
	for (unsigned i = 0; i < bytes; i++) {
		unsigned keep = prefix >= 8 * (i + 1) ? 8 : prefix > 8 * i ? prefix - 8 * i : 0;
		a[i] &= (uint8_t)(0xff00u >> keep);
	}
}

static int parse_address(char *s, struct cs_endpoint *out, char *err,
			 size_t errlen)
{
	char *slash = strchr(s, '/');
	unsigned bits, prefix;
	if (slash)
		*slash = '\0';
	if (strcmp(s, "*") == 0) {
		if (slash)
			return fail(err, errlen, "'*' takes no prefix");
		return 0;
	}
	if (inet_pton(AF_INET, s, out->addr) == 1) {
		out->family = AF_INET;
		bits = 32;
	} else if (inet_pton(AF_INET6, s, out->addr) == 1) {
		out->family = AF_INET6;
		bits = 128;
	} else {
		return fail(err, errlen, "'%s' is not an IP address", s);
	}
	prefix = bits;
	if (slash) {
		const char *end;
		if (parse_uint(slash + 1, &end, bits, &prefix) < 0 || *end)
			return fail(err, errlen, "bad prefix '/%s', expected 0..%u",
				    slash + 1, bits);
	}
	/* ::ffff:a.b.c.d/N is the IPv4 pattern a.b.c.d/(N-96): the matcher
	 * sees mapped addresses as IPv4. */
	if (out->family == AF_INET6 && prefix >= 96 && is_v4mapped(out->addr)) {
		memmove(out->addr, out->addr + 12, 4);
		memset(out->addr + 4, 0, 12);
		out->family = AF_INET;
		prefix -= 96;
		bits = 32;
	}
	mask_host_bits(out->addr, bits / 8, prefix);
	out->prefix_len = (uint8_t)prefix;
	return 0;
}

int cs_endpoint_parse(const char *text, struct cs_endpoint *out, char *err,
		      size_t errlen)
{
	char addr[ADDR_TEXT_MAX];
	const char *port = NULL;
	size_t addr_len;

	memset(out, 0, sizeof(*out));
	out->port_hi = ANY_PORT_HI;
	if (!text || !*text)
		return fail(err, errlen, "empty endpoint");

	if (text[0] == '[') {
		const char *close = strchr(text, ']');
		const char *rest;
		if (!close)
			return fail(err, errlen, "missing ']' in '%s'", text);
		addr_len = (size_t)(close - text - 1);
		rest = close + 1;
		/* "[2001:db8::]/32:80" as well as "[2001:db8::/32]:80" */
		if (*rest == '/') {
			const char *colon = strchr(rest, ':');
			size_t n = colon ? (size_t)(colon - rest) : strlen(rest);
			if (memchr(text + 1, '/', addr_len))
				return fail(err, errlen, "two prefixes in '%s'", text);
			if (addr_len + n >= sizeof(addr))
				return fail(err, errlen, "endpoint '%s' is too long", text);
			memcpy(addr, text + 1, addr_len);
			memcpy(addr + addr_len, rest, n);
			addr_len += n;
			rest += n;
		} else {
			if (addr_len >= sizeof(addr))
				return fail(err, errlen, "endpoint '%s' is too long", text);
			memcpy(addr, text + 1, addr_len);
		}
		addr[addr_len] = '\0';
		if (*rest == ':')
			port = rest + 1;
		else if (*rest)
			return fail(err, errlen, "unexpected '%s' after ']'", rest);
		if (!strchr(addr, ':'))
			return fail(err, errlen, "brackets hold an IPv6 address, not '%s'", addr);
	} else {
		const char *colon = strchr(text, ':');
		/* More than one colon: a bare IPv6 address, which takes no port
		 * (write "[::1]:443" for one). */
		if (colon && strchr(colon + 1, ':'))
			colon = NULL;
		addr_len = colon ? (size_t)(colon - text) : strlen(text);
		if (addr_len >= sizeof(addr))
			return fail(err, errlen, "endpoint '%s' is too long", text);
		memcpy(addr, text, addr_len);
		addr[addr_len] = '\0';
		if (colon)
			port = colon + 1;
	}

	if (port) {
		if (!*port)
			return fail(err, errlen, "missing port after ':' in '%s'", text);
		if (parse_ports(port, out, err, errlen) < 0)
			return -1;
	}
	if (!addr[0])
		return port ? 0 : fail(err, errlen, "missing address in '%s'", text);
	return parse_address(addr, out, err, errlen);
}

/* ---- matching (async-signal-safe) */

static bool prefix_equal(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	unsigned i = 0;
	for (; bits >= 8; bits -= 8, i++)
		if (a[i] != b[i])
			return false;
	return bits == 0 || ((a[i] ^ b[i]) & (uint8_t)(0xff00u >> bits)) == 0;
}

bool cs_endpoint_matches(const struct cs_endpoint *pattern,
			 const struct cs_sockaddr *addr)
{
	const uint8_t *a = addr->addr;
	uint8_t family = addr->family;

	if (family != AF_INET && family != AF_INET6)
		return pattern->family == 0 && pattern->port_lo == 0 &&
		       pattern->port_hi == ANY_PORT_HI;
	if (addr->port < pattern->port_lo || addr->port > pattern->port_hi)
		return false;
	if (pattern->family == 0)
		return true;
	if (family == AF_INET6 && is_v4mapped(a)) {
		family = AF_INET;
		a += 12;
	}
	return family == pattern->family &&
	       prefix_equal(pattern->addr, a, pattern->prefix_len);
}

void cs_sockaddr_from(const struct sockaddr *sa, socklen_t len,
		      struct cs_sockaddr *out)
{
	memset(out, 0, sizeof(*out));
	if (!sa || len < sizeof(sa_family_t))
		return;
	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		out->family = AF_INET;
		out->port = ntohs(in->sin_port);
		memcpy(out->addr, &in->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6 &&
		   len >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
		out->family = AF_INET6;
		out->port = ntohs(in6->sin6_port);
		memcpy(out->addr, &in6->sin6_addr, 16);
	}
}

/* ---- formatting (async-signal-safe: no stdio, no locale) */

/* Appends to a bounded buffer, dropping what does not fit; len counts
 * what was kept. */
struct out {
	char *buf;
	size_t size;
	size_t len;
};

static void put_char(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len++] = c;
}

static void put_str(struct out *o, const char *s)
{
	while (*s)
		put_char(o, *s++);
}

static void put_dec(struct out *o, unsigned v)
{
	char digits[10];
	int n = 0;
	do
		digits[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (n)
		put_char(o, digits[--n]);
}

static void put_hex(struct out *o, unsigned v)
{
	static const char hex[] = "0123456789abcdef";
	int shift = 12;
	while (shift > 0 && !(v >> shift))
		shift -= 4;
	for (; shift >= 0; shift -= 4)
		put_char(o, hex[(v >> shift) & 0xf]);
}

static void put_v4(struct out *o, const uint8_t *a)
{
	for (int i = 0; i < 4; i++) {
		if (i)
			put_char(o, '.');
		put_dec(o, a[i]);
	}
}

/* RFC 5952: lower case, the longest run of two or more zero groups (the
 * first on a tie) written as "::", mapped IPv4 in dotted form. */
static void put_v6(struct out *o, const uint8_t *a)
{
	unsigned g[8];
	int best = -1, best_len = 1;

	if (is_v4mapped(a)) {
		put_str(o, "::ffff:");
		put_v4(o, a + 12);
		return;
	}
	for (int i = 0; i < 8; i++)
		g[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
	for (int i = 0; i < 8;) {
		int j = i;
		while (j < 8 && g[j] == 0)
			j++;
		if (j - i > best_len) {
			best = i;
			best_len = j - i;
		}
		i = j > i ? j : i + 1;
	}
	for (int i = 0; i < 8; i++) {
		if (i == best) {
			put_str(o, "::");
			i += best_len - 1;
			continue;
		}
		if (i && i != best + best_len)
			put_char(o, ':');
		put_hex(o, g[i]);
	}
}

static size_t finish(struct out *o)
{
	if (o->size)
		o->buf[o->len] = '\0';
	return o->len;
}

size_t cs_sockaddr_format(const struct cs_sockaddr *addr, char *buf,
			  size_t size)
{
	struct out o = { buf, size, 0 };
	if (addr->family == AF_INET) {
		put_v4(&o, addr->addr);
	} else if (addr->family == AF_INET6) {
		put_char(&o, '[');
		put_v6(&o, addr->addr);
		put_char(&o, ']');
	} else {
		return finish(&o);
	}
	put_char(&o, ':');
	put_dec(&o, addr->port);
	return finish(&o);
}

static void put_ports(struct out *o, const struct cs_endpoint *p)
{
	put_char(o, ':');
	put_dec(o, p->port_lo);
	if (p->port_hi != p->port_lo) {
		put_char(o, '-');
		put_dec(o, p->port_hi);
	}
}

size_t cs_endpoint_format(const struct cs_endpoint *pattern, char *buf,
			  size_t size)
{
	struct out o = { buf, size, 0 };
	bool any_port = pattern->port_lo == 0 && pattern->port_hi == ANY_PORT_HI;
	bool v6 = pattern->family == AF_INET6;

	if (pattern->family != AF_INET && !v6) {
		put_char(&o, '*');
	} else {
		if (v6 && !any_port)
			put_char(&o, '[');
		if (v6)
			put_v6(&o, pattern->addr);
		else
			put_v4(&o, pattern->addr);
		if (pattern->prefix_len != (v6 ? 128 : 32)) {
			put_char(&o, '/');
			put_dec(&o, pattern->prefix_len);
		}
		if (v6 && !any_port)
			put_char(&o, ']');
	}
	if (!any_port)
		put_ports(&o, pattern);
	return finish(&o);
}
