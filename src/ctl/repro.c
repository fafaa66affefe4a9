/* What `sweep` and `bisect` hand out: rules narrowed to exact match
 * numbers, written as profiles, and the command line that runs them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs_profile.h"
#include "ctl/ctl.h"

void cs_ctl_inject_at(struct cs_rule *rule, const uint64_t *matches, size_t n)
{
	memset(rule->at, 0, sizeof(rule->at));
	if (n)
		memcpy(rule->at, matches, n * sizeof(*matches));
	/* Without match numbers the rule still counts its matches. */
	rule->probability = n ? 1.0 : 0.0;
	rule->after = 0;
	rule->count = 0;
	rule->enabled = 1;
}

/* A word the shell reads back as it is: bare when it is plain, else in
 * single quotes. */
static void print_word(FILE *out, const char *word)
{
	if (*word && strspn(word, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				  "0123456789%+,-./:=@_") == strlen(word)) {
		fputs(word, out);
		return;
	}
	fputc('\'', out);
	for (const char *p = word; *p; p++)
		if (*p == '\'')
			fputs("'\\''", out);
		else
			fputc(*p, out);
	fputc('\'', out);
}

char *cs_ctl_reproducer(const char *profile, char **argv)
{
	char *text = NULL;
	size_t len;
	FILE *out = open_memstream(&text, &len);

	if (!out)
		return NULL;
	fputs("chaos-shim-ctl run -p ", out);
	print_word(out, profile);
	fputs(" --", out);
	for (char **arg = argv; *arg; arg++) {
		fputc(' ', out);
		print_word(out, *arg);
	}
	if (fclose(out) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

int cs_ctl_write_profile(const char *path, const struct cs_table *table)
{
	FILE *out = fopen(path, "w");
	int rc;

	if (!out) {
		cs_ctl_error("cannot write '%s': %s", path, strerror(errno));
		return -1;
	}
	rc = cs_profile_write(out, table);
	if (fclose(out) != 0 || rc < 0) {
		cs_ctl_error("cannot write '%s': %s", path, strerror(errno));
		return -1;
	}
	return 0;
}
