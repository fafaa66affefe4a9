/* A small streaming JSON writer for the --json outputs of chaos-shim-ctl. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cs_utf8.h"
#include "ctl/ctl.h"

void cs_json_init(struct cs_json *j, FILE *out)
{
	j->out = out;
	j->depth = 0;
	j->first[0] = true;
}

static void put_string(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', out);
	while (*p) {
		size_t len = cs_utf8_length(p);
		if (len == 0) {
			/* JSON text must be UTF-8: stand in for the stray byte. */
			fputs("\\ufffd", out);
			p++;
		} else if (*p == '"' || *p == '\\') {
			fputc('\\', out);
			fputc(*p++, out);
		} else if (*p < 0x20) {
			const char *short_form = strchr("\b\f\n\r\t", *p);
			if (short_form)
				fprintf(out, "\\%c", "bfnrt"[short_form - "\b\f\n\r\t"]);
			else
				fprintf(out, "\\u%04x", *p);
			p++;
		} else {
			fwrite(p, 1, len, out);
			p += len;
		}
	}
	fputc('"', out);
}

/* The comma and key in front of every value. */
static void begin_value(struct cs_json *j, const char *key)
{
	if (!j->first[j->depth])
		fputc(',', j->out);
	j->first[j->depth] = false;
	if (key) {
		put_string(j->out, key);
		fputc(':', j->out);
	}
}

static void open_container(struct cs_json *j, const char *key, char bracket)
{
	begin_value(j, key);
	fputc(bracket, j->out);
	if (j->depth + 1 < CS_JSON_DEPTH)
		j->depth++;
	j->first[j->depth] = true;
}

static void close_container(struct cs_json *j, char bracket)
{
	fputc(bracket, j->out);
	if (j->depth > 0)
		j->depth--;
}

void cs_json_object_begin(struct cs_json *j, const char *key)
{
	open_container(j, key, '{');
}

void cs_json_object_end(struct cs_json *j)
{
	close_container(j, '}');
}

void cs_json_array_begin(struct cs_json *j, const char *key)
{
	open_container(j, key, '[');
}

void cs_json_array_end(struct cs_json *j)
{
	close_container(j, ']');
}

void cs_json_string(struct cs_json *j, const char *key, const char *value)
{
	if (!value) {
		cs_json_null(j, key);
		return;
	}
	begin_value(j, key);
	put_string(j->out, value);
}

void cs_json_uint(struct cs_json *j, const char *key, uint64_t value)
{
	begin_value(j, key);
	fprintf(j->out, "%llu", (unsigned long long)value);
}

void cs_json_int(struct cs_json *j, const char *key, int64_t value)
{
	begin_value(j, key);
	fprintf(j->out, "%lld", (long long)value);
}

void cs_json_double(struct cs_json *j, const char *key, double value)
{
	char text[32];

	if (!isfinite(value)) {
		cs_json_null(j, key);
		return;
	}
	/* The shortest form that reads back as the same double. */
	for (int digits = 15; digits <= 17; digits++) {
		snprintf(text, sizeof(text), "%.*g", digits, value);
		if (strtod(text, NULL) == value)
			break;
	}
	begin_value(j, key);
	fputs(text, j->out);
}

void cs_json_bool(struct cs_json *j, const char *key, bool value)
{
	begin_value(j, key);
	fputs(value ? "true" : "false", j->out);
}

void cs_json_null(struct cs_json *j, const char *key)
{
	begin_value(j, key);
	fputs("null", j->out);
}

void cs_json_finish(struct cs_json *j)
{
	fputc('\n', j->out);
}
