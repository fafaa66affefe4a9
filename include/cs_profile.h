/* The profile language: libconfig text in, a checked flat cs_table out, and
 * each rule parameter as `chaos-shim-ctl set` takes it and `status` shows
 * it. Shared by chaos-shim-ctl (check, load, run, set, status) and the shim
 * (CHAOS_SHIM_PROFILE). */
#ifndef CS_PROFILE_H
#define CS_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

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

/* Writes table as profile text that compiles back to the same seed, log
 * and rules (the time windows' clocks start again). Returns 0, or -1 when
 * out failed. */
int cs_profile_write(FILE *out, const struct cs_table *table);

/* Sets one parameter of a compiled rule from its profile spelling, as
 * `chaos-shim-ctl set RULE KEY=VALUE` does: key and value are checked as the
 * compiler checks them (including that the key fits the rule's fault).
 * Returns 0, or -1 with a one-line reason in err. */
int cs_rule_set_param(struct cs_rule *rule, const char *key, const char *value,
		      char *err, size_t errlen);

/* Sets the KEY=VALUE pairs of `chaos-shim-ctl set` from left to right,
 * then checks the rule as a profile's: all of them or, with -1 and a
 * reason in err, none. */
int cs_rule_set_params(struct cs_rule *rule, char *const *pairs, int npairs,
		       char *err, size_t errlen);

/* ---- a rule's parameters, as `status` shows them */

#define CS_LIST_MAX 32
#define CS_PARAM_TEXT_MAX 512

/* A key's value: as read from a profile or typed after `set KEY=`, or as
 * a rule holds it. */
enum cs_value_type {
	CS_VAL_NONE, /* a parameter that is not set (peer: any peer) */
	CS_VAL_BOOL,
	CS_VAL_INT,
	CS_VAL_FLOAT,
	CS_VAL_STRING,
	CS_VAL_LIST, /* of strings or of integers, see item_type */
	CS_VAL_OTHER /* a group, or a list of mixed or other things */
};

struct cs_value {
	enum cs_value_type type;
	bool b;
	int64_t i;
	double f;
	const char *s;
	enum cs_value_type item_type; /* CS_VAL_STRING or CS_VAL_INT */
	unsigned nitems;
	const char *items[CS_LIST_MAX]; /* strings */
	int64_t numbers[CS_LIST_MAX];   /* integers */
};

/* One parameter of a rule; strings of value point into text. */
struct cs_param {
	const char *key;
	struct cs_value value;
	char text[CS_PARAM_TEXT_MAX];
};

/* Fills out with the i-th key of the profile language as rule holds it.
 * Returns 1 for a parameter of this rule (one that applies to its fault
 * and calls; name, enabled, calls and fault are shown apart), 0 for a key
 * that does not concern it, -1 past the last key. */
int cs_rule_param(const struct cs_rule *rule, size_t i, struct cs_param *out);

/* Writes s into buf as a libconfig string, in quotes, with quotes,
 * backslashes and control bytes escaped; returns its length (cut to
 * fit size). */
size_t cs_config_quote(const char *s, char *buf, size_t size);

/* Writes the value as `set` takes it back: strings bare, lists with
 * commas, numbers that read back exactly. "" for CS_VAL_NONE. */
void cs_param_text(const struct cs_param *param, char *buf, size_t size);

#endif
