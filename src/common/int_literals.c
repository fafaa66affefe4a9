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

enum token { TOKEN_END, TOKEN_INT, TOKEN_OPEN, TOKEN_CLOSE };

/* The next integer literal or array bracket from *p, outside strings,
 * comments and names; *p moves past it. For an integer: its extent, and
 * whether it has an L or needs one. */
static enum token next_token(const char **p, unsigned *line, const char **start,
			     const char **end, bool *has_l, bool *wide)
{
	const char *q = *p;
	while (*q) {
		if (name_start(*q)) {
			while (name_char(*q))
				q++;
			continue;
		}
		if (*q == '[' || *q == ']') {
			*p = q + 1;
			return *q == '[' ? TOKEN_OPEN : TOKEN_CLOSE;
		}
		const char *first = q, *digits = q;
		if ((*q == '-' || *q == '+') && is_digit(q[1]))
			digits = ++q;
		if (!is_digit(*q)) {
			q = skip_one(q, line);
			continue;
		}
		bool hex = q[0] == '0' && (q[1] == 'x' || q[1] == 'X') && is_hex(q[2]);
		if (hex)
			digits = q += 2;
		while (hex ? is_hex(*q) : is_digit(*q))
			q++;
		if (!hex && (*q == '.' || *q == 'e' || *q == 'E')) {
			while (is_digit(*q) || *q == '.' || *q == 'e' || *q == 'E' ||
			       ((*q == '-' || *q == '+') && (q[-1] == 'e' || q[-1] == 'E')))
				q++;
			continue; /* a float */
		}
		*start = first;
		*end = q;
		*has_l = *q == 'L';
		*wide = !*has_l && too_wide(digits, q, hex);
		while (*q == 'L')
			q++;
		*p = q;
		return TOKEN_INT;
	}
	*p = q;
	return TOKEN_END;
}

const char *cs_wide_int_next(const char *p, const char **end, unsigned *line)
{
	const char *start;
	bool has_l, wide;
	enum token t;

	while ((t = next_token(&p, line, &start, end, &has_l, &wide)) != TOKEN_END)
		if (t == TOKEN_INT && wide)
			return start;
	return NULL;
}

/* libconfig wants the integers of one array all of one width: an array
 * that holds a 64-bit one (wide, or written with L) gets L on all. */
static bool *arrays_of_64_bits(const char *text, size_t *narrays)
{
	const char *p = text, *start, *end;
	unsigned line = 1;
	bool has_l, wide, *wide_array = calloc(strlen(text) + 1, sizeof(bool));
	size_t n = 0;
	bool inside = false;
	enum token t;

	if (!wide_array)
		return NULL;
	while ((t = next_token(&p, &line, &start, &end, &has_l, &wide)) != TOKEN_END) {
		if (t == TOKEN_OPEN)
			inside = true, n++;
		else if (t == TOKEN_CLOSE)
			inside = false;
		else if (inside && (has_l || wide))
			wide_array[n - 1] = true;
	}
	*narrays = n;
	return wide_array;
}

char *cs_wide_ints_suffixed(const char *text)
{
	size_t len = strlen(text), narrays = 0, array = 0;
	bool *wide_array = arrays_of_64_bits(text, &narrays);
	char *out = wide_array ? malloc(2 * len + 1) : NULL, *o = out;
	const char *p = text, *from = text, *start, *end;
	unsigned line = 1;
	bool has_l, wide, inside = false;
	enum token t;

	if (!out) {
		free(wide_array);
		return NULL;
	}
	while ((t = next_token(&p, &line, &start, &end, &has_l, &wide)) != TOKEN_END) {
		if (t == TOKEN_OPEN)
			inside = true, array++;
		else if (t == TOKEN_CLOSE)
			inside = false;
		else if (!has_l && (wide || (inside && wide_array[array - 1]))) {
			memcpy(o, from, (size_t)(end - from));
			o += end - from;
			*o++ = 'L';
			from = end;
		}
	}
	memcpy(o, from, len - (size_t)(from - text) + 1);
	free(wide_array);
	return out;
}
