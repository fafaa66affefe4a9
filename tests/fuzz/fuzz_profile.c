/* Fuzz target: the profile compiler on arbitrary text. Whatever it accepts
 * must pass the same validation every shim runs on a segment's table, and
 * `set KEY=VALUE` on a compiled rule must hold up to any key and value. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cs_profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct cs_table table;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	/* @include reads files by name: a fuzzer that names /dev/zero hangs
	 * the run without telling anything about the compiler. */
	if (strstr(text, "@include")) {
		free(text);
		return 0;
	}
	memset(&table, 0, sizeof table);
	if (cs_profile_compile_string(text, "fuzz.cfg", &table, err, sizeof err) ==
	    0) {
		if (cs_table_validate(&table, err, sizeof err) < 0)
			abort(); /* compiled but invalid: the shim would refuse it */
		/* The text after the last newline as KEY=VALUE, set on every
		 * rule: what `chaos-shim-ctl set` does with its arguments. */
		char *line = strrchr(text, '\n');
		char *eq = line ? strchr(line + 1, '=') : NULL;
		if (eq) {
			*eq = '\0';
			for (uint32_t i = 0; i < table.nrules; i++)
				cs_rule_set_param(&table.rules[i], line + 1, eq + 1,
						  err, sizeof err);
		}
	}
	free(text);
	return 0;
}
