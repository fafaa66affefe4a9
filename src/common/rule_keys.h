/* The rule keys of the profile language, private to the profile compiler:
 * one row per key (field, range, default, which faults and calls it
 * concerns) and one set of operations per kind of key, which the compiler,
 * `set`, `status` and the table validator all go through. */
#ifndef CS_RULE_KEYS_H
#define CS_RULE_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "cs_profile.h"
#include "cs_table.h"

/* Where a message points: the rule, and the file and line when there is
 * one. Messages end with " in rule 'NAME' (FILE:LINE)". */
struct cs_where {
	const char *rule; /* NULL before the name is known */
	unsigned index;   /* 1-based; names the rule when rule is NULL, 0: none */
	const char *origin; /* NULL: no file (set, validation) */
	unsigned line;
};

struct cs_key;

/* What one kind of key does; every kind fills every operation, so that
 * what `set` stores, `check` accepts and `status` shows agree. */
struct cs_key_kind {
	const char *wants; /* for type errors: "an integer" */
	uint32_t accepts;  /* CS_VALUES(...) of the value types it takes */
	enum cs_value_type list_of; /* what a list it takes holds */
	/* Checks v and stores it; the rule may be changed on error. */
	int (*parse)(const struct cs_key *k, struct cs_rule *r,
		     const struct cs_value *v, const struct cs_where *w,
		     char *err, size_t errlen);
	/* The stored value, as the shim relies on it; no stdio unless it
	 * fails (the shim validates inside signal handlers). */
	int (*check)(const struct cs_key *k, const struct cs_rule *r,
		     const struct cs_where *w, char *err, size_t errlen);
	/* The stored value as a profile spells it; CS_VAL_NONE when unset. */
	void (*format)(const struct cs_key *k, const struct cs_rule *r,
		       struct cs_param *out);
	void (*reset)(const struct cs_key *k, struct cs_rule *r);
	/* Whether the key restricts the rule (a peer, a proto, a host). */
	bool (*is_set)(const struct cs_key *k, const struct cs_rule *r);
};

#define CS_VALUES(t) (1u << (t))
#define CS_ALL_FAULTS ((1u << CS_FAULT_COUNT) - 1u)

/* Row flags. */
#define CS_KEY_REQUIRED 1u  /* every rule has it */
#define CS_KEY_NEEDED 2u    /* required by the faults it applies to */
#define CS_KEY_OPEN_MIN 4u  /* the minimum itself is excluded */
#define CS_KEY_IDENTITY 8u  /* the rule's name: set once, never by `set` */
#define CS_KEY_SHAPE 16u    /* calls and fault: others depend on them */
#define CS_KEY_DEPENDS 32u  /* checked again when calls or fault change */
#define CS_KEY_APART 64u    /* status shows it in its own column */
#define CS_KEY_UNSET_AT_DEFAULT 128u /* formats as unset at its default */

struct cs_key {
	const char *name;
	const struct cs_key_kind *kind;
	uint8_t flags;
	uint8_t width;       /* integer fields: bytes of the field */
	uint16_t offset;     /* the field in struct cs_rule */
	uint16_t has_offset; /* endpoints: their has_peer/has_local flag */
	uint32_t faults;     /* CS_BIT(fault) of the faults it applies to */
	uint32_t families;   /* when set, a rule using the key may only call these */
	double min, max;     /* in the field's unit */
	double scale;        /* seconds: field units per profile unit */
	double def;          /* the default, when not zero */
	const char *const *choices; /* choices: the names, by stored value */
	uint8_t nchoices;
	uint16_t size; /* text: bytes of the field, NULs included */
	/* text: why a string is refused (a phrase after "'VALUE' of 'KEY'"),
	 * or NULL when it is taken */
	const char *(*refuses)(const char *text);
};

extern const struct cs_key_kind cs_kind_name, cs_kind_bool, cs_kind_uint,
	cs_kind_real, cs_kind_seconds, cs_kind_calls, cs_kind_fault,
	cs_kind_endpoint, cs_kind_choice, cs_kind_host, cs_kind_errno,
	cs_kind_signal, cs_kind_matches, cs_kind_text, cs_kind_texts;

/* What the text keys refuse (key_text.c). */
const char *cs_text_refuse_pattern(const char *text);
const char *cs_text_refuse_method(const char *text);
const char *cs_text_refuse_path(const char *text);
const char *cs_text_refuse_header(const char *text);

extern const struct cs_key cs_keys[];
extern const size_t cs_nkeys;

const struct cs_key *cs_key_find(const char *name);

/* Whether the key belongs to the rule's current fault. */
bool cs_key_applies(const struct cs_key *key, const struct cs_rule *rule);

/* Fills a rule with the defaults of every key. */
void cs_rule_defaults(struct cs_rule *rule);

/* Checks and stores one value into rule; the rule is unchanged on error. */
int cs_key_apply(const struct cs_key *key, struct cs_rule *rule,
		 const struct cs_value *value, const struct cs_where *where,
		 char *err, size_t errlen);

/* The same for a value as libconfig read it (profile.c): the one reader
 * of values, for profiles and for the text `set` takes. */
struct config_setting_t;
int cs_key_apply_setting(const struct cs_key *key, struct cs_rule *rule,
			 const struct config_setting_t *setting,
			 const struct cs_where *where, char *err, size_t errlen);

/* Every invariant of one rule, as the shim relies on it. */
int cs_rule_check(const struct cs_rule *rule, const struct cs_where *where,
		  char *err, size_t errlen);

/* What the profile language refuses although the shim could run it: a
 * rule that would not do what its author means (a probabilistic drop on
 * TCP data calls, which is loss). Profiles and `set` check it, the
 * shim's validator does not. */
int cs_rule_check_use(const struct cs_rule *rule, const struct cs_where *where,
		      char *err, size_t errlen);

/* Formats the problem, appends where it is, returns -1. */
__attribute__((format(printf, 4, 5))) int
cs_where_fail(const struct cs_where *where, char *err, size_t errlen,
	      const char *fmt, ...);

#endif
