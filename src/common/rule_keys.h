/* The rule keys of the profile language: one table with each key's type,
 * range and setter, shared by the profile compiler, `chaos-shim-ctl set`
 * and the table validator. */
#ifndef CS_RULE_KEYS_H
#define CS_RULE_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "cs_table.h"

/* Where a message points: the rule, and the file and line when there is
 * one. Messages end with " in rule 'NAME' (FILE:LINE)". */
struct cs_where {
	const char *rule; /* NULL before the name is known */
	unsigned index;   /* 1-based; names the rule when rule is NULL, 0: none */
	const char *origin; /* NULL: no file (set, validation) */
	unsigned line;
};

/* A key's value as read from a profile or typed after `set KEY=`. */
enum cs_value_type {
	CS_VAL_BOOL,
	CS_VAL_INT,
	CS_VAL_FLOAT,
	CS_VAL_STRING,
	CS_VAL_LIST,
	CS_VAL_OTHER /* a group, or a list holding something else than strings */
};

#define CS_LIST_MAX 32

struct cs_value {
	enum cs_value_type type;
	bool b;
	int64_t i;
	double f;
	const char *s;
	const char *items[CS_LIST_MAX];
	unsigned nitems;
};

enum cs_key_kind {
	CS_KEY_NAME,
	CS_KEY_BOOL,
	CS_KEY_UINT,
	CS_KEY_REAL,
	CS_KEY_SECONDS,
	CS_KEY_CALLS,
	CS_KEY_FAULT,
	CS_KEY_ENDPOINT,
	CS_KEY_PROTO,
	CS_KEY_HOST,
	CS_KEY_ERRNO,
	CS_KEY_SIGNAL,
	CS_KEY_SCOPE
};

#define CS_KEY_REQUIRED 1u /* every rule has it */
#define CS_KEY_NEEDED 2u   /* required by the faults it applies to */
#define CS_KEY_OPEN_MIN 4u /* the minimum itself is excluded */

struct cs_key {
	const char *name;
	enum cs_key_kind kind;
	uint8_t flags;
	uint8_t width;      /* CS_KEY_UINT: bytes of the field */
	uint16_t offset;    /* the field in struct cs_rule */
	uint16_t has_offset; /* CS_KEY_ENDPOINT: its has_peer/has_local flag */
	uint32_t faults;    /* CS_BIT(fault) of the faults it applies to */
	uint32_t families;  /* when set, a rule using the key may only call these */
	double min, max;    /* in the field's unit */
	double scale;       /* CS_KEY_SECONDS: field units per profile unit */
	double def;         /* the default, when not zero */
};

extern const struct cs_key cs_keys[];
extern const size_t cs_nkeys;

const struct cs_key *cs_key_find(const char *name);

/* Whether the key's value is a name or a pattern, taken as text as it is. */
bool cs_key_takes_string(const struct cs_key *key);

/* Whether the key belongs to the rule's current fault. */
bool cs_key_applies(const struct cs_key *key, const struct cs_rule *rule);

/* Fills a rule with the defaults of every key. */
void cs_rule_defaults(struct cs_rule *rule);

/* Checks and stores one value into rule; the rule is unchanged on error. */
int cs_key_apply(const struct cs_key *key, struct cs_rule *rule,
		 const struct cs_value *value, const struct cs_where *where,
		 char *err, size_t errlen);

/* Every invariant of one rule, as the shim relies on it. */
int cs_rule_check(const struct cs_rule *rule, const struct cs_where *where,
		  char *err, size_t errlen);

/* Formats the problem, appends where it is, returns -1. */
__attribute__((format(printf, 4, 5))) int
cs_where_fail(const struct cs_where *where, char *err, size_t errlen,
	      const char *fmt, ...);

#endif
