/* Finds the integer literals of libconfig text that need the 64-bit `L`
 * suffix, skipping strings, comments and names, and adds it
 * (include/cs_int_literals.h says why). */
#include "cs_int_literals.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static bool name_start(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '*' ||
	       c == '@';
}

static bool name_char(char c)
{
	return name_start(c) || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Past a string, a comment, or one character, counting newlines. */
static const char *skip_one(const char *p, unsigned *line)
{
	const char *stop;

	if (*p == '"') {
		for (p++; *p && *p != '"'; p++) {
			if (*p == '\\' && p[1])
				p++;
			*line += *p == '\n';
		}
		return *p ? p + 1 : p;
	}
	if (*p == '#' || (p[0] == '/' && p[1] == '/')) {
		stop = strchr(p, '\n');
		return stop ? stop : p + strlen(p);
	}
	if (p[0] == '/' && p[1] == '*') {
		stop = strstr(p + 2, "*/");
		for (const char *q = p; q < (stop ? stop : p + strlen(p)); q++)
			*line += *q == '\n';
		return stop ? stop + 2 : p + strlen(p);
	}
	*line += *p == '\n';
	return p + 1;
}

/* Whether the digits from..to (no sign, no prefix) exceed the largest
 * 32-bit integer, 2147483647 or 0x7fffffff. */
static bool too_wide(const char *from, const char *to, bool hex)
{
	while (from < to - 1 && *from == '0')
		from++;
	size_t n = (size_t)(to - from), width = hex ? 8 : 10;
	if (n != width)
		return n > width;
	return hex ? *from > '7' : memcmp(from, "2147483647", 10) > 0;
}

const char *cs_wide_int_next(const char *p, const char **end, unsigned *line)
{
	while (*p) {
		if (name_start(*p)) {
			while (name_char(*p))
				p++;
			continue;
		}
		const char *start = p, *digits = p;
		if ((*p == '-' || *p == '+') && is_digit(p[1]))
			digits = ++p;
		if (!is_digit(*p)) {
			p = skip_one(p, line);
			continue;
		}
		bool hex = p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && is_hex(p[2]);
		if (hex)
			digits = p += 2;
		while (hex ? is_hex(*p) : is_digit(*p))
			p++;
		if (!hex && (*p == '.' || *p == 'e' || *p == 'E')) {
			while (is_digit(*p) || *p == '.' || *p == 'e' || *p == 'E' ||
			       ((*p == '-' || *p == '+') && (p[-1] == 'e' || p[-1] == 'E')))
				p++;
			continue; /* a float */
		}
		if (*p == 'L')
			continue;
		if (too_wide(digits, p, hex)) {
			*end = p;
			return start;
		}
	}
	return NULL;
}

char *cs_wide_ints_suffixed(const char *text)
{
	size_t len = strlen(text), wide = 0;
	unsigned line = 1;
	const char *end;

	for (const char *p = text; (p = cs_wide_int_next(p, &end, &line)); p = end)
		wide++;
	char *out = malloc(len + wide + 1), *o = out;
	if (!out)
		return NULL;
	const char *from = text;
	for (const char *p = text; (p = cs_wide_int_next(p, &end, &line)); p = end) {
		memcpy(o, from, (size_t)(end - from));
		o += end - from;
		*o++ = 'L';
		from = end;
	}
	memcpy(o, from, len - (size_t)(from - text) + 1);
	return out;
}
