/* The profile compiler: libconfig text in, a checked flat cs_table out.
 * Shared by chaos-shim-ctl (check, load, run) and the shim (CHAOS_SHIM_PROFILE). */
#ifndef CS_PROFILE_H
#define CS_PROFILE_H

#include "cs_table.h"

/* Compiles the profile at path into *table. On error returns -1 and writes
 * one line (no newline) to err, naming the file, the line and the rule:
 *   unknown key 'dealy_ms' in rule 'slow-db' (flaky.cfg:12)
 * A relative `log` path is made absolute against the current directory. */
int cs_profile_compile_file(const char *path, struct cs_table *table,
			    char *err, size_t errlen);

/* The same for text in memory; origin names it in messages. */
int cs_profile_compile_string(const char *text, const char *origin,
			      struct cs_table *table, char *err, size_t errlen);

/* Sets one parameter of a compiled rule from its profile spelling, as
 * `chaos-shim-ctl set RULE KEY=VALUE` does: key and value are checked as the
 * compiler checks them (including that the key fits the rule's fault).
 * Returns 0, or -1 with a one-line reason in err. */
int cs_rule_set_param(struct cs_rule *rule, const char *key, const char *value,
		      char *err, size_t errlen);

#endif
